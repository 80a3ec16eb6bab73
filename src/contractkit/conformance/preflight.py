"""One preflight per run: the spec loads, the filters match it, and the target answers.

``contractkit verify`` runs it before starting pytest, so a dead target or a typo is one line
and exit 2; it then registers a ``PreflightPassed`` plugin so that the suite does not reach the
target a second time. ``pytest conformance ...`` (no CLI in front) runs it once from the plugin.
``--plan`` sends nothing: it loads the spec and checks the filters only.

For neuron/, reaching the target means asking the spec's liveness probe (``x-probe: {role:
liveness}``), or the base URL when the spec declares none, within ``--request-timeout`` for the
whole answer: a target that trickles its answer is as unreachable as one that hangs. A
``--max-cost-usd`` the kit could not enforce (an AI operation whose answers do not say where they
report usage) is bad input, not a silent unlimited run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contractkit.conformance.options import VerifyOptions
from contractkit.errors import ConfigError


@dataclass(frozen=True)
class PreflightPassed:
    """The decision of the CLI's preflight, handed to the pytest run (a pytest plugin object)."""

    target: str


def already_passed(config: Any) -> bool:
    """Whether ``contractkit verify`` handed this pytest run a passed preflight."""
    return any(isinstance(plugin, PreflightPassed) for plugin in config.pluginmanager.get_plugins())


def run_preflight(options: VerifyOptions) -> None:
    """Raise a ``ContractkitError`` (``TargetError`` for an unreachable target) or return."""
    import pytest

    from contractkit.conformance.kinds import KINDS
    from contractkit.conformance.selection import check_filters, check_rules

    if options.kind is None:
        raise ConfigError("no target: give --neuron-url URL, or --mcp-server NAME with --mcp-url / --mcp-stdio")
    kind = KINDS[options.kind]
    try:
        check_rules(kind, options)
        check_filters(kind, options)
        if options.kind == "neuron" or not options.plan:  # neuron's also checks the budget under --plan
            kind.preflight(options)
    except pytest.UsageError as exc:  # a kind's spec loader speaks pytest: make it one line of ours
        raise ConfigError(str(exc)) from None


def neuron_preflight(options: VerifyOptions) -> None:
    """The spec loads, a cost limit can be enforced, and (unless ``--plan``) the liveness probe answers."""
    from contractkit.conformance.budget import CostReader
    from contractkit.conformance.http import probe
    from contractkit.conformance.neuron.kind import load_spec
    from contractkit.conformance.selection import selected

    spec = load_spec(options)
    if options.max_cost_usd is not None:
        blind = [label for label in CostReader(spec).unreadable_ai_operations()
                 if (op := spec.operation(label)) is None or selected(op, options)]
        if blind:
            raise ConfigError(f"--max-cost-usd cannot be enforced: the spec does not say where "
                              f"{', '.join(blind[:3])} report usage (x-ai-operation.usage / x-stream.usage)")
    if options.plan or not options.neuron_url:
        return
    probe(options.neuron_url, liveness_path(spec), timeout=options.request_timeout, headers=options.headers)


def liveness_path(spec: Any) -> str:
    """The path of the spec's liveness probe (``x-probe``), or "" (the base URL) when it declares
    none or its path needs parameters the kit cannot know."""
    op = spec.probe("liveness")
    if op is None or op.method != "GET" or "{" in op.path:
        return ""
    return op.path
