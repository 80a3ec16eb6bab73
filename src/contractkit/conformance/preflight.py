"""One preflight per run: the spec loads, the filters match it, and the target answers.

``contractkit verify`` runs it before starting pytest, so a dead target or a typo is one line
and exit 2; it then registers a ``PreflightPassed`` plugin so that the suite does not reach the
target a second time. ``pytest conformance ...`` (no CLI in front) runs it once from the plugin.
``--plan`` sends nothing: it loads the spec and checks the filters only.

Each kind says what reaching its target means (``neuron/preflight.py``, ``mcp/preflight.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from contractkit.conformance.kinds import KINDS
from contractkit.conformance.options import VerifyOptions
from contractkit.conformance.selection import check_filters, check_rules
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
