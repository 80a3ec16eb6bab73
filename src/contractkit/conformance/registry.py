"""The two registries of live checks: ``NEURON_CHECKS`` (neuron/ over HTTP, SSE, WebSocket) and
``MCP_CHECKS`` (MCP servers). Importing this module imports every check module, so the registries
are complete (``contractkit rules``, the reports and the self-test read them from here).
"""

from __future__ import annotations

import importlib

from contractkit.registry import Registry

NEURON_CHECKS: Registry = Registry("neuron")
MCP_CHECKS: Registry = Registry("mcp")


def kind_of(rule_id: str) -> str | None:
    """Which target kind a rule id belongs to (``neuron`` or ``mcp``), or None if unknown."""
    if rule_id in NEURON_CHECKS:
        return "neuron"
    if rule_id in MCP_CHECKS:
        return "mcp"
    return None


def registry_for(kind: str) -> Registry:
    return NEURON_CHECKS if kind == "neuron" else MCP_CHECKS


def _load_check_modules() -> None:
    for name in ("schema", "auth", "errors", "streams", "websocket", "fallback", "ratelimit"):
        importlib.import_module(f"contractkit.conformance.neuron.{name}")
    try:  # the MCP checks live in their own subpackage, built separately
        importlib.import_module("contractkit.conformance.mcp.checks")
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("contractkit.conformance.mcp"):
            raise


_load_check_modules()
