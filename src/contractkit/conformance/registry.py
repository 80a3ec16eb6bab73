"""The two registries of live checks: ``NEURON_CHECKS`` (neuron/ over HTTP, SSE, WebSocket) and
``MCP_CHECKS`` (MCP servers).

This module only holds the registries; the checks register themselves when their modules are
imported, and ``contractkit.conformance.kinds`` is the one place that imports them all.
"""

from __future__ import annotations

from contractkit.registry import Registry

NEURON_CHECKS: Registry = Registry("neuron")
MCP_CHECKS: Registry = Registry("mcp")
