"""The pytest plugin of the conformance suite: options, test generation, outcome recording, reports.

Loaded by ``conformance/conftest.py``, so ``pytest conformance --neuron-url URL`` and
``contractkit verify neuron --base-url URL`` are the same run. The registry is the only wiring:
``conformance/test_contract.py`` holds one test function, and this plugin parametrizes it with
one case per selected rule of the target's kind and per subject the rule applies to (the
operations, streams or tools of the spec under test; see ``contractkit.conformance.kinds``).

How a case ends becomes the rule's outcome: returning an ``Examined`` = passed (with what was
examined, once the pass holds up to its rule's kind: ``contractkit.conformance.ledger``),
``Violation`` = failed (shown with the rule id, the operation, what was sent and a curl
reproduction), ``NotVerified`` = not verified with its reason (shown as a skip), ``RuleWarning`` =
warning (the test passes). A check that examined nothing is not verified. Any other exception is
a failure of the rule it was checking. Losing the target mid-run ends the run, exit 2; a run that
pytest could not finish normally (collection error, interruption, internal error) exits 3.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from contractkit.conformance.budget import describe_limits
from contractkit.conformance.kinds import KINDS, kind_of
from contractkit.conformance.kinds import rule as rule_info
from contractkit.conformance.ledger import LEDGER, EvidenceError, evidence_failure, settle, strict
from contractkit.conformance.mcp.dry_run import render_dry_run
from contractkit.conformance.options import OPTIONS, VerifyOptions, options_from_config
from contractkit.conformance.outcomes import (
    CheckSignal,
    Examined,
    NotVerified,
    Outcome,
    RuleResult,
    RunResult,
    Status,
    Violation,
    fold,
)
from contractkit.conformance.plan import default_max_requests, planned_reason, render_plan
from contractkit.conformance.preflight import already_passed, run_preflight
from contractkit.conformance.progress import Progress
from contractkit.conformance.redaction import redact
from contractkit.conformance.registry import EVIDENCE_HELD
from contractkit.conformance.seeding import seed_generation
from contractkit.conformance.selection import check_filters, check_rules, describe, selected
from contractkit.errors import (
    EXIT_BAD_INPUT,
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_OK,
    ConfigError,
    ContractkitError,
    TargetError,
    exit_code_of_pytest,
)
from contractkit.registry import RuleInfo
from contractkit.reports.text import render_verify_summary
from contractkit.reports.verify_files import verify_annotations, write_reports

OPTIONS_KEY = pytest.StashKey[VerifyOptions]()
STATE_KEY = pytest.StashKey["RunState"]()
EXAMINED_KEY = pytest.StashKey[Examined]()
SEEDING_KEY = pytest.StashKey[Callable[[], None]]()


@dataclass(frozen=True)
class RuleCase:
    """One generated test: a rule and the subject (operation, stream, tool) it is checked on."""

    rule: RuleInfo
    subject: Any = None
    why_none: str = ""
    gap: str | None = None  # a declaration the rule needs that the spec lacks: the check is never run

    @property
    def label(self) -> str:
        if self.subject is None:
            return ""
        return str(getattr(self.subject, "label", None) or getattr(self.subject, "name", None) or self.subject)

    def run(self, target: Any) -> Examined:
        """Run the check inside its own record of the ledger, and hold a pass to its rule's kind."""
        if self.why_none:
            raise NotVerified(self.why_none)
        if self.gap:
            raise NotVerified(self.gap)
        assert self.rule.func is not None
        args = (target,) if not self.rule.applies else (target, self.subject)
        with LEDGER.open_case(self.rule.id, self.rule.kind, self.label) as record:
            examined = self.rule.func(*args)
        if not isinstance(examined, Examined):
            raise NotVerified("the check did not say what it examined")
        if examined.count <= 0:
            raise NotVerified(f"nothing was examined ({examined.what}"
                              + (f": {examined.unchecked}" if examined.unchecked else "") + ")")

        if kind_of(self.rule.id) not in EVIDENCE_HELD:
            return examined
        try:
            return settle(record, examined, any_control=bool(LEDGER.controls))
        except EvidenceError as exc:
            if strict():
                raise
            raise evidence_failure(str(exc)) from None


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
    cases: list[RuleCase] = field(default_factory=list)
    planned: bool = False
    live: Any = None  # the open target, whose run_meta (requests, spend) the reports show


def pytest_addoption(parser: pytest.Parser) -> None:
    """Every option of ``contractkit.conformance.options.OPTIONS`` that pytest does not already own."""

    group = parser.getgroup("contractkit", "contractkit conformance suite")
    for option in OPTIONS:
        if option.pytest_flag or option.cli_only:
            continue
        names = [option.flag] + ([option.short] if option.short else [])
        kwargs: dict[str, Any] = {"dest": option.dest, "help": option.help, "action": option.action}
        if option.action not in ("store_true",):
            kwargs.update(metavar=option.metavar, type=option.type, choices=option.choices)
        if option.default is not None:
            kwargs["default"] = option.default
        group.addoption(*names, **{k: v for k, v in kwargs.items() if v is not None})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(id): the conformance rule this test checks")
    try:
        options = options_from_config(config)
        if options.kind is not None:

            check_rules(KINDS[options.kind], options)
            check_filters(KINDS[options.kind], options)  # reads the spec: an unusable one is bad input
    except (ContractkitError, pytest.UsageError) as exc:
        # Bad input ends the run here, exit 2, as under `contractkit verify` (pytest would say 4).
        text = exc.one_line() if isinstance(exc, ContractkitError) else str(exc)
        pytest.exit(f"contractkit: error: {text}", returncode=EXIT_BAD_INPUT)
    config.stash[OPTIONS_KEY] = options
    config.stash[STATE_KEY] = RunState(options)
    LEDGER.reset()
    config.stash[SEEDING_KEY] = seed_generation(options)
    if options.kind is not None and config.get_verbosity() <= 0:
        progress = Progress(config, lambda: len(config.stash[STATE_KEY].cases))
        config.pluginmanager.register(progress, "contractkit-progress")


def pytest_unconfigure(config: pytest.Config) -> None:
    restore = config.stash.get(SEEDING_KEY, None)
    if restore is not None:
        restore()


def pytest_report_header(config: pytest.Config) -> str:
    return f"contractkit: seed {config.stash[OPTIONS_KEY].seed}"


def pytest_sessionstart(session: pytest.Session) -> None:
    """The seed first, so that any run (even an interrupted one) can be repeated case for case."""
    options = session.config.stash[OPTIONS_KEY]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and options.kind is not None and reporter.verbosity < 0:
        reporter.write_line(f"contractkit verify {options.kind}: {options.target}, seed {options.seed} "
                            f"(rerun with --seed {options.seed})")


def rule_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("rule")
    return str(marker.args[0]) if marker and marker.args else None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the suite's one test with a case per (selected rule, subject)."""
    if "rule_case" not in metafunc.fixturenames:
        return

    state = metafunc.config.stash[STATE_KEY]
    options = state.options
    if options.kind is None:
        raise pytest.UsageError("no target: give --neuron-url URL, or --mcp-server NAME with --mcp-url / --mcp-stdio")
    kind = KINDS[options.kind]
    rules = sorted(kind.registry.select(options.rules or None, options.skip or None), key=lambda r: _order(r.tags))
    state.selected_rules = [r.id for r in kind.registry if r in rules]
    cases, ids = [], []
    for rule in rules:
        for case in cases_of(rule, kind, options):
            cases.append(case)
            ids.append(f"{rule.id}-{case.label}" if case.label else rule.id)
    state.cases = cases
    metafunc.parametrize("rule_case", [pytest.param(c, marks=pytest.mark.rule(c.rule.id)) for c in cases], ids=ids)


def cases_of(rule: RuleInfo, kind: Any, options: VerifyOptions) -> list[RuleCase]:
    """The cases of one rule: one per subject that passes the filters, or one that says why none."""

    if options.plan and (reason := planned_reason(rule, options)):
        return [RuleCase(rule, why_none=reason)]
    if not rule.applies:
        if options.filtered:
            return [RuleCase(rule, why_none=f"runs on the whole target, outside the filter {describe(options)}")]
        return [RuleCase(rule, gap=kind.gap(rule.id, None, options))]
    subjects = kind.subjects(rule.applies, options)
    if not subjects:
        return [RuleCase(rule, why_none=f"the spec declares no {kind.describe_selector(rule.applies)}")]
    chosen = [s for s in subjects if selected(s, options)]
    if not chosen:
        return [RuleCase(rule, why_none=f"every {kind.describe_selector(rule.applies)} it applies to is excluded "
                                       f"by {describe(options)}")]
    return [RuleCase(rule, subject, gap=kind.gap(rule.id, subject, options)) for subject in chosen]


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Reach the target once before any test runs (unless ``contractkit verify`` already did):
    an unreachable target ends the run, exit 2. ``--plan`` prints the plan and ends the run."""

    state = config.stash[STATE_KEY]
    for item in items:
        rule_id = rule_of(item)
        if rule_id is None:
            raise pytest.UsageError(f"{item.nodeid}: not a test of the conformance suite")
        item.user_properties.append(("rule_id", rule_id))
    if state.options.kind == "neuron" and state.options.max_requests is None:
        state.options = replace(state.options, max_requests=default_max_requests(state.cases, state.options),
                                max_requests_defaulted=True)
        config.stash[OPTIONS_KEY] = state.options
    if state.options.plan:
        state.planned = True
        for line in render_plan(state.cases, state.options):
            _write_line(config, line)
        if state.options.kind == "neuron":
            _write_line(config, describe_limits(state.options))
        if state.options.dry_run:  # MCP: the safety policy and the calls per tool (lists the tools)

            for line in render_dry_run(state.options):
                _write_line(config, line)
        items.clear()
        return
    if items and state.options.kind is not None and not already_passed(config):
        try:
            run_preflight(state.options)
        except TargetError as exc:
            state.fatal = exc.one_line()
            pytest.exit(f"contractkit: {exc.one_line()}", returncode=2)
        except ContractkitError as exc:
            raise pytest.UsageError(exc.one_line()) from None


def _write_line(config: pytest.Config, line: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line)
    else:
        print(line)


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The session's live target (a ``NeuronTarget`` or an ``McpTarget``), opened once."""

    state = request.config.stash[STATE_KEY]
    with KINDS[state.options.kind or ""].open_target(state.options) as live:
        state.live = live
        try:
            yield live
        finally:
            state.meta.update(getattr(live, "run_meta", dict)())


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
    if isinstance(exc, TargetError | ConfigError):
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
        outcome = Outcome(rule_id, Status.PASSED, item.nodeid, operation, duration_s=report.duration,
                          examined=item.stash.get(EXAMINED_KEY, None))
    elif report.skipped and call.excinfo is not None:
        reason = str(getattr(exc, "msg", "") or exc)
        outcome = Outcome(rule_id, Status.NOT_VERIFIED, item.nodeid, operation, redact(reason))
    elif report.failed and isinstance(exc, EvidenceError):
        # strict evidence (the project's tests): a check that passes without its evidence is a defect of the kit
        state.meta.setdefault("abnormal", redact(f"a check passed without its evidence: {exc}"))
        outcome = Outcome(rule_id, Status.NOT_VERIFIED, item.nodeid, operation, redact(str(exc)))
    elif report.failed and isinstance(exc, ImportError):
        # the kit itself is broken (a module it needs does not load): no rule's verdict can stand
        state.meta["abnormal"] = redact(f"a module the checks need could not be imported: {exc}")
        item.session.shouldstop = state.meta["abnormal"]
    elif report.failed:
        message = redact(f"{type(exc).__name__}: {exc}" if exc is not None else "the test failed")
        outcome = Outcome(rule_id, Status.FAILED, item.nodeid, operation, message, duration_s=report.duration)
        report.longrepr = redact(str(report.longrepr))
    if outcome is not None:
        state.outcomes.append(outcome)
    return report


def _operation_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    case = callspec.params.get("rule_case") if callspec is not None else None
    return (case.label or None) if isinstance(case, RuleCase) else None


def format_violation(rule_id: str, outcome: Outcome) -> str:

    info = rule_info(rule_id)
    lines = [f"[{rule_id}] {info.title}", f"enforces: {info.clause}"]
    if outcome.operation:
        lines.append(f"operation: {outcome.operation}")
    lines.append(f"violation: {outcome.message}")
    if outcome.evidence:
        lines.append(outcome.evidence.as_text())
    return redact("\n".join(lines))


def build_result(state: RunState) -> RunResult:

    options = state.options
    registry = KINDS[options.kind or "neuron"].registry
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
    meta = {"profile": options.profile.name, "seed": options.seed, **state.meta}
    if state.fatal:
        meta["fatal"] = state.fatal
    return RunResult(options.target, options.kind or "", rules, time.monotonic() - state.started,
                     options.require_all, meta)


# pytest's own exit statuses that mean the run did not finish normally, and why.
_ABNORMAL = {2: "the run was interrupted or a test module could not be collected",
             3: "pytest hit an internal error"}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The run's exit status: 0 ok, 1 rules failed, 2 bad input or target lost, 3 the suite itself broke."""

    state = session.config.stash.get(STATE_KEY, None)
    if state is None:
        return
    if state.planned:
        session.exitstatus = 0
        return
    if exit_code_of_pytest(exitstatus) == EXIT_INTERNAL and not state.fatal:
        state.meta["abnormal"] = _ABNORMAL.get(int(exitstatus), f"pytest ended with status {int(exitstatus)}")
    if state.live is not None:  # a run stopped early has not torn its target down yet
        state.meta.update(getattr(state.live, "run_meta", dict)())
    if state.options.kind is not None and state.selected_rules:
        state.result = build_result(state)
        write_reports(state.result, state.options)
    code = exit_code_of_pytest(exitstatus)
    if state.fatal:
        session.exitstatus = EXIT_BAD_INPUT
    elif state.meta.get("abnormal"):
        session.exitstatus = EXIT_INTERNAL
    elif exitstatus not in (0, 1):
        session.exitstatus = code
    elif state.result is not None:
        session.exitstatus = EXIT_OK if state.result.ok else EXIT_FINDINGS
    else:
        session.exitstatus = EXIT_INTERNAL
        state.meta["abnormal"] = "no rule of the suite was collected"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:

    state = terminalreporter.config.stash.get(STATE_KEY, None)
    if state is None:
        return
    if state.meta.get("abnormal"):
        terminalreporter.write_line(f"contractkit: the suite did not finish: {state.meta['abnormal']} (exit 3)")
    if state.result is None:
        return
    terminalreporter.write_line("")
    for line in render_verify_summary(state.result, color=terminalreporter.hasmarkup):
        terminalreporter.write_line(line)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        terminalreporter.write(verify_annotations(state.result, state.options))
