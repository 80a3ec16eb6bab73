"""The kinds of live target the suite verifies, each with its registry of checks.

A ``TargetKind`` says how to reach a target (preflight, opening it for a run) and what its
rules are checked on (``subjects``: the spec's operations of a selector, its tools, ...). The
pytest plugin generates one test per (rule, subject) from this table and the registries: there
is no other wiring. Importing this module imports every check module through its kind module,
so ``KINDS`` and the registries are complete.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from contractkit.conformance.options import VerifyOptions
from contractkit.registry import Registry, RuleInfo


@dataclass(frozen=True)
class TargetKind:
    """One kind of target: its registry and how the plugin reaches it and enumerates subjects."""

    name: str
    registry: Registry
    preflight: Callable[[VerifyOptions], None]
    open_target: Callable[[VerifyOptions], AbstractContextManager[Any]]
    subjects: Callable[[str, VerifyOptions], list[Any]]
    describe_selector: Callable[[str], str]


def _load() -> dict[str, TargetKind]:
    from contractkit.conformance.mcp.kind import KIND as MCP_KIND
    from contractkit.conformance.neuron.kind import KIND as NEURON_KIND

    return {NEURON_KIND.name: NEURON_KIND, MCP_KIND.name: MCP_KIND}


KINDS: dict[str, TargetKind] = _load()
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
