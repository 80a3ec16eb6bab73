"""The two registries of live checks: ``NEURON_CHECKS`` (neuron/ over HTTP, SSE, WebSocket) and
``MCP_CHECKS`` (MCP servers), and the kinds of rule they hold.

Every live check declares its kind (``register(..., kind="refusal")``): the kind says what
evidence a pass needs, and the plugin holds each pass to it (``contractkit.conformance.ledger``),
so a check cannot forget its positive control or count a fault that never reached its request.

This module only holds the registries; the checks register themselves when their modules are
imported, and ``contractkit.conformance.kinds`` is the one place that imports them all.
"""

from __future__ import annotations

from contractkit.registry import Registry

RULE_KINDS: dict[str, str] = {
    "refusal": "passes by the target refusing something: every refusal it counts needs a positive control that "
               "succeeded for the same subject and method",
    "fault": "judges answers under injected faults: every answer it counts needs a fault attributed to that request",
    "observation": "judges normal answers, frames or calls",
    "audit": "judges what the run saw: needs the subject to have been served once (a positive control)",
    "burst": "drives the target past a declared limit and judges how it recovers",
}

# The registries whose checks record their evidence in the ledger: the plugin holds their passes to
# their rule's kind. A registry joins once its checks record their controls, refusals and faults.
EVIDENCE_HELD: frozenset[str] = frozenset({"neuron", "mcp"})

NEURON_CHECKS: Registry = Registry("neuron", RULE_KINDS)
MCP_CHECKS: Registry = Registry("mcp", RULE_KINDS)
