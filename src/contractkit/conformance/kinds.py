"""The kinds of live target the suite verifies, each with its registry of checks.

A ``TargetKind`` says how to reach a target (preflight, opening it for a run) and what its
rules are checked on (``subjects``: the spec's operations of a selector, its tools, ...). The
pytest plugin generates one test per (rule, subject) from this table and the registries: there
is no other wiring. Importing this module imports every check module through its kind module,
so ``KINDS`` and the registries are complete.
"""

from __future__ import annotations

from contractkit.conformance.mcp.kind import KIND as MCP_KIND
from contractkit.conformance.neuron.kind import KIND as NEURON_KIND
from contractkit.conformance.target_kind import TargetKind
from contractkit.registry import Registry, RuleInfo

KINDS: dict[str, TargetKind] = {NEURON_KIND.name: NEURON_KIND, MCP_KIND.name: MCP_KIND}
NEURON_CHECKS: Registry = KINDS["neuron"].registry
MCP_CHECKS: Registry = KINDS["mcp"].registry


def kind_of(rule_id: str) -> str | None:
    """Which target kind a rule id belongs to (``neuron`` or ``mcp``), or None if unknown."""
    return next((name for name, kind in KINDS.items() if rule_id in kind.registry), None)


def rule(rule_id: str) -> RuleInfo:
    kind = kind_of(rule_id)
    if kind is None:
        raise KeyError(rule_id)
    return KINDS[kind].registry.get(rule_id)
