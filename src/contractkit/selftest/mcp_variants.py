"""Deliberately broken variants of the reference MCP servers, for the self-test.

Each variant breaks exactly one duty of the contract, in the way real servers get it wrong,
and names the check that must catch it. The reference is the variant ``None``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from mcp_types import CallToolResult, TextContent
from pydantic import Field

from contractkit.reference.mcp.resource_server import GuardPolicy

if TYPE_CHECKING:
    from contractkit.reference.mcp.app import McpServerConfig


@dataclass(frozen=True)
class Variant:
    name: str
    expected: str  # the check id that must fail
    description: str
    server: str = "crm-data-mcp"


VARIANTS: tuple[Variant, ...] = (
    Variant("tool-missing", "MCP-TOOLS-001", "search_customers is not offered"),
    Variant("schema-drift", "MCP-TOOLS-003", "search_customers takes 'text' instead of the declared 'query'"),
    Variant("wrong-return-type", "MCP-CALL-001", "get_customer omits status and returns an invalid last_contact_date"),
    Variant("crash-on-bad-arguments", "MCP-CALL-002", "invalid arguments raise an unhandled exception"),
    Variant("auth-not-enforced", "MCP-AUTH-001", "requests without a token are served"),
    Variant("scope-ignored", "MCP-AUTH-006", "tools/call does not check the tool's scope"),
    Variant("no-resource-metadata", "MCP-AUTH-002", "no RFC 9728 metadata, challenges do not name it"),
    Variant("over-broad-service-token", "MCP-SVC-001", "the service token holds every scope the client may hold"),
    Variant("missing-audit-record", "MCP-AUDIT-001", "calls of get_customer are not audited"),
    Variant("audit-outcome-always-ok", "MCP-AUDIT-001", "every call is audited as 'ok', refused ones too"),
)

VARIANT_NAMES = tuple(v.name for v in VARIANTS)


def variant(name: str) -> Variant:
    for v in VARIANTS:
        if v.name == name:
            return v
    raise KeyError(name)


def service_scopes(config: McpServerConfig) -> tuple[str, ...]:
    declared = config.service_scopes
    if config.variant == "over-broad-service-token":
        return tuple(sorted({*declared, "engine.customers.read", "engine.customers.write"}))
    return declared


def guard_policy(config: McpServerConfig) -> GuardPolicy | None:
    return {
        "auth-not-enforced": GuardPolicy(enforce_auth=False),
        "scope-ignored": GuardPolicy(enforce_tool_scopes=False),
        "no-resource-metadata": GuardPolicy(serve_metadata=False),
    }.get(config.variant or "")


def alter_tools(server: Any, config: McpServerConfig) -> None:
    """Replace or remove tools for the tool-level variants (no-op for the reference)."""
    if config.variant == "missing-audit-record":
        # the audit log is built before the tools; the variant drops one tool's records
        for mw in server.middleware:
            if hasattr(mw, "audit"):
                mw.audit.skip_tools = frozenset({"get_customer"})
    if config.variant == "tool-missing":
        server.remove_tool("search_customers")
    elif config.variant == "schema-drift":
        server.remove_tool("search_customers")

        @server.tool(name="search_customers", description="Search customers by name or status.")
        async def drifted(text: Annotated[str, Field(min_length=1)], limit: int = 10) -> dict[str, Any]:
            return {"customers": [], "total": 0}
    elif config.variant == "wrong-return-type":
        server.remove_tool("get_customer")

        @server.tool(name="get_customer", description="Fetch one customer by id.")
        async def wrong(customer_id: str) -> Any:
            data = {"id": customer_id, "name": "Acme", "segment": "smb", "last_contact_date": "yesterday"}
            return CallToolResult(content=[TextContent(type="text", text=json.dumps(data))],
                                  structured_content=data)
