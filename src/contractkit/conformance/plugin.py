"""The pytest plugin of the conformance suite: options, rule selection, outcome recording, reports.

Loaded by ``conformance/conftest.py``, so ``pytest conformance --neuron-url URL`` and
``contractkit verify neuron --base-url URL`` are the same run. Each test carries
``@pytest.mark.rule("ID")``; the rule's registry says which target kind it belongs to, and tests
for a kind that was not asked for are deselected (never reported as failures).

How a test ends becomes the rule's outcome: returning = passed, ``Violation`` = failed (shown with
the rule id, the operation, what was sent and a curl reproduction), ``NotVerified`` = not verified
with its reason (shown as a skip), ``RuleWarning`` = warning (the test passes). Any other
exception is a failure of the rule it was checking. Losing the target mid-run ends the run, exit 2.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from contractkit.conformance.options import PROFILES, VerifyOptions, options_from_config
from contractkit.conformance.outcomes import (
    CheckSignal,
    NotVerified,
    Outcome,
    RuleResult,
    RunResult,
    Status,
    Violation,
    fold,
)
from contractkit.conformance.redaction import redact
from contractkit.errors import ConfigError, TargetError

OPTIONS_KEY = pytest.StashKey[VerifyOptions]()
STATE_KEY = pytest.StashKey["RunState"]()

# kind -> function that raises TargetError when the target cannot be talked to at all.
PREFLIGHTS: dict[str, Callable[[VerifyOptions], None]] = {}


def register_preflight(kind: str, func: Callable[[VerifyOptions], None]) -> None:
    """A target kind's fixtures plugin registers how to tell that its target is reachable."""
    PREFLIGHTS[kind] = func


@dataclass
class RunState:
    """What the plugin learns during one session."""

    options: VerifyOptions
    selected_rules: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    fatal: str | None = None
    started: float = field(default_factory=time.monotonic)
    result: RunResult | None = None
    meta: dict[str, object] = field(default_factory=dict)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contractkit", "contractkit conformance suite")
    add = group.addoption
    add("--neuron-url", metavar="URL", help="base URL of the neuron/ under test")
    add("--mcp-server", metavar="NAME", help="the MCP server's name in mcp-servers.yaml")
    add("--mcp-url", metavar="URL", help="streamable HTTP endpoint of the MCP server under test")
    add("--mcp-stdio", metavar="CMD", help="command line that starts the MCP server on stdio")
    add("--audit-log", metavar="PATH", help="the MCP server's audit log (JSON lines)")
    add("--engine-double", metavar="URL", help="the kit's engine double the MCP server calls")
    add("--mcp-strict", action="store_true", help="undeclared MCP tools fail instead of warn")
    add("--spec", dest="contract_spec", metavar="PATH", help="the spec to verify against (default: bundled)")
    add("--profile", choices=sorted(PROFILES), default="default", help="how hard to push (default: default)")
    add("--rule", action="append", metavar="ID", help="run only these rule ids or prefixes (NEU-AUTH-*)")
    add("--skip", dest="skip_rule", action="append", metavar="ID", help="skip these rule ids or prefixes")
    add("--require-all", action="store_true", help="treat 'not verified' as a failure")
    add("--report-json", metavar="FILE", help="write the per-rule results as JSON")
    add("--markdown", metavar="FILE", help="write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY)")
    add("--sarif", metavar="FILE", help="write the failures as SARIF 2.1.0")
    add("--token-url", metavar="URL", help="override the spec's token endpoint")
    add("--client-id", metavar="ID", help="client id for client credentials (or $CONTRACTKIT_CLIENT_ID)")
    add("--client-secret-env", metavar="VAR", default="CONTRACTKIT_CLIENT_SECRET",
        help="environment variable holding the client secret")
    add("--request-timeout", type=float, default=10.0, metavar="S", help="per-request timeout in seconds")
    add("--no-rate-limit", action="store_true", help="skip the rate-limit burst (shared staging)")
    add("--provider-double", metavar="URL", help="control URL of the provider double the target uses")
    add("--fault-injection", action="store_true",
        help="the target has the spec's fault-injection hook enabled: ignoring it is a violation")
    add("--customer-id", metavar="UUID", help="a customer that exists on the target")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(id): the conformance rule this test checks")
    config.addinivalue_line("markers", "operations(kind): which spec operations parametrize this test")
    try:
        options = options_from_config(config)
    except ConfigError as exc:
        raise pytest.UsageError(exc.one_line()) from None
    config.stash[OPTIONS_KEY] = options
    config.stash[STATE_KEY] = RunState(options)


def rule_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("rule")
    return str(marker.args[0]) if marker and marker.args else None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    from contractkit.conformance.registry import kind_of, registry_for

    state = config.stash[STATE_KEY]
    options = state.options
    if options.kind is None:
        raise pytest.UsageError("no target: give --neuron-url URL, or --mcp-server NAME with --mcp-url / --mcp-stdio")
    registry = registry_for(options.kind)
    for pattern in options.rules + options.skip:
        if not registry.select([pattern]):
            raise pytest.UsageError(
                f"no {options.kind} rule matches {pattern!r} (see `contractkit rules {options.kind}`)")
    wanted = {r.id for r in registry.select(options.rules or None, options.skip or None)}
    state.selected_rules = [r.id for r in registry if r.id in wanted]
    keep, drop = [], []
    for item in items:
        rule_id = rule_of(item)
        if rule_id is None or kind_of(rule_id) is None:
            raise pytest.UsageError(f"{item.nodeid}: a conformance test needs @pytest.mark.rule(<registered id>)")
        if rule_id in wanted:
            item.user_properties.append(("rule_id", rule_id))
            keep.append(item)
        else:
            drop.append(item)
    keep.sort(key=lambda it: _order(registry.get(rule_of(it) or "").tags))
    items[:] = keep
    if drop:
        config.hook.pytest_deselected(items=drop)
    if keep and options.kind in PREFLIGHTS:
        try:
            PREFLIGHTS[options.kind](options)
        except TargetError as exc:
            state.fatal = exc.one_line()
            pytest.exit(f"contractkit: {exc.one_line()}", returncode=2)


def _order(tags: tuple[str, ...]) -> int:
    """Run-wide audits run after the rules whose traffic they judge; disruptive rules run last
    (faults degrade readiness), the burst very last (it exhausts the rate limit)."""
    return 3 if "burst" in tags else 2 if "disruptive" in tags else 1 if "audit" in tags else 0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report: pytest.TestReport = yield
    rule_id = rule_of(item)
    state = item.config.stash.get(STATE_KEY, None)
    if rule_id is None or state is None:
        return report
    exc = call.excinfo.value if call.excinfo is not None else None
    operation = _operation_of(item)
    outcome: Outcome | None = None
    if isinstance(exc, TargetError):
        state.fatal = exc.one_line()
        item.session.shouldstop = exc.one_line()
        report.longrepr = f"[{rule_id}] {exc.one_line()}"
        return report
    if isinstance(exc, CheckSignal):
        outcome = Outcome(rule_id, exc.status, item.nodeid, exc.operation or operation, redact(exc.message),
                          exc.evidence, report.duration)
        if isinstance(exc, NotVerified):
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, f"[{rule_id}] not verified: {outcome.message}")
        elif isinstance(exc, Violation):
            report.longrepr = format_violation(rule_id, outcome)
        else:
            report.outcome = "passed"
            report.longrepr = None
    elif call.when == "call" and report.passed:
        outcome = Outcome(rule_id, Status.PASSED, item.nodeid, operation, duration_s=report.duration)
    elif report.skipped and call.excinfo is not None:
        reason = str(getattr(exc, "msg", "") or exc)
        outcome = Outcome(rule_id, Status.NOT_VERIFIED, item.nodeid, operation, redact(reason))
    elif report.failed:
        message = redact(f"{type(exc).__name__}: {exc}" if exc is not None else "the test failed")
        outcome = Outcome(rule_id, Status.FAILED, item.nodeid, operation, message, duration_s=report.duration)
        report.longrepr = redact(str(report.longrepr))
    if outcome is not None:
        state.outcomes.append(outcome)
    return report


def _operation_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    for name in ("operation", "tool", "stream"):
        if name in callspec.params:
            value = callspec.params[name]
            return str(getattr(value, "label", value))
    return None


def format_violation(rule_id: str, outcome: Outcome) -> str:
    from contractkit.conformance.registry import MCP_CHECKS, NEURON_CHECKS

    registry = NEURON_CHECKS if rule_id in NEURON_CHECKS else MCP_CHECKS
    info = registry.get(rule_id)
    lines = [f"[{rule_id}] {info.title}", f"enforces: {info.clause}"]
    if outcome.operation:
        lines.append(f"operation: {outcome.operation}")
    lines.append(f"violation: {outcome.message}")
    if outcome.evidence:
        lines.append(outcome.evidence.as_text())
    return redact("\n".join(lines))


def build_result(state: RunState) -> RunResult:
    from contractkit.conformance.registry import registry_for

    options = state.options
    registry = registry_for(options.kind or "neuron")
    rules = []
    for rule_id in state.selected_rules:
        info = registry.get(rule_id)
        outcomes = [o for o in state.outcomes if o.rule_id == rule_id]
        if not outcomes:
            reason = ("the run stopped before this rule" if state.fatal
                      else "no test of this suite applies to the target")
            outcomes = [Outcome(rule_id, Status.NOT_VERIFIED, "", None, reason)]
        rules.append(RuleResult(rule_id, info.title, info.clause, info.severity, registry.kind, fold(outcomes),
                                outcomes))
    meta = {"profile": options.profile.name, **state.meta}
    if state.fatal:
        meta["fatal"] = state.fatal
    return RunResult(options.target, options.kind or "", rules, time.monotonic() - state.started,
                     options.require_all, meta)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from contractkit.conformance.reports import write_reports

    state = session.config.stash.get(STATE_KEY, None)
    if state is None or state.options.kind is None or not state.selected_rules:
        return
    state.result = build_result(state)
    write_reports(state.result, state.options)
    if state.fatal:
        session.exitstatus = 2
    elif exitstatus in (0, 1, 5):
        session.exitstatus = 0 if state.result.ok else 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from contractkit.conformance.reports.terminal import render_summary

    state = terminalreporter.config.stash.get(STATE_KEY, None)
    if state is None or state.result is None:
        return
    terminalreporter.write_line("")
    for line in render_summary(state.result, color=terminalreporter.hasmarkup):
        terminalreporter.write_line(line)
