"""Deliberately broken variants of the reference MCP servers, for the self-test: one per rule at least.

Each variant breaks exactly one duty of the contract, in the way real servers get it wrong, and
names the rule that must catch it. A variant is a ``configure`` function applied to a reference
server's ``McpServerConfig`` (its extension points: guard policy, verifier, ASGI wrapper, a last
``customize`` step); the reference servers themselves know no variant. ``verify`` holds options
the variant's run needs (``--mcp-strict`` for the undeclared-tool variant, whose rule only
warns otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

from pydantic import Field

from contractkit.reference.mcp.app import BuiltServer, McpServerConfig, ToolCallMiddleware
from contractkit.reference.mcp.resource_server import GuardPolicy
from contractkit.selftest import mcp_defects as defects

Configure = Callable[[McpServerConfig], McpServerConfig]


@dataclass(frozen=True)
class Variant:
    name: str
    expected: str  # the rule that must fail
    description: str
    configure: Configure
    server: str = "crm-data-mcp"
    verify: dict[str, Any] = field(default_factory=dict)


def _customize(step: Callable[[BuiltServer], None]) -> Configure:
    """A configure function whose change is a last build step (tools, middleware, audit)."""
    return lambda config: replace(config, customize=step)


def _wrap(wrapper: Callable[[Any], Any]) -> Configure:
    return lambda config: replace(config, wrap_http=wrapper)


def _policy(**off: bool) -> Configure:
    return lambda config: replace(config, guard_policy=GuardPolicy(**off))


def _lax(check: str) -> Configure:
    return lambda config: replace(config, verifier_factory=lambda audience, jwks: defects.LaxVerifier(
        audience, check=check, jwks_url=jwks))


# -- tool-level defects ----------------------------------------------------------------------

def _remove_search(built: BuiltServer) -> None:
    built.server.remove_tool("search_customers")


def _drift_search(built: BuiltServer) -> None:
    built.server.remove_tool("search_customers")

    @built.server.tool(name="search_customers", description="Search customers by name or status.")
    async def drifted(text: Annotated[str, Field(min_length=1)], limit: int = 10) -> dict[str, Any]:
        return {"customers": [], "total": 0}


def _wrong_return(built: BuiltServer) -> None:
    from mcp_types import CallToolResult, TextContent

    built.server.remove_tool("get_customer")

    @built.server.tool(name="get_customer", description="Fetch one customer by id.")
    async def wrong(customer_id: str) -> Any:
        data = {"id": customer_id, "name": "Acme", "segment": "smb", "last_contact_date": "yesterday"}
        return CallToolResult(content=[TextContent(type="text", text=json.dumps(data))], structured_content=data)


def _extra_tool(built: BuiltServer) -> None:
    @built.server.tool(name="export_all_customers", description="Dump every customer record.")
    async def export_all() -> str:
        return "[]"


class _CrashingMiddleware(ToolCallMiddleware):
    """Invalid arguments raise instead of becoming a tool error."""

    def _problem(self, tool: str, arguments: Any) -> str | None:
        problem = super()._problem(tool, arguments)
        if problem is not None:
            raise RuntimeError(f"unhandled: {problem}")
        return None


def _crash_on_bad_arguments(built: BuiltServer) -> None:
    built.server.middleware[:] = [_CrashingMiddleware(built.config.contract, built.audit)
                                  if isinstance(m, ToolCallMiddleware) else m for m in built.server.middleware]


# -- audit and upstream defects --------------------------------------------------------------

def _audit_record_filter(change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> Callable[[BuiltServer], None]:
    def step(built: BuiltServer) -> None:
        original = built.audit.record

        def record(**fields: Any) -> None:
            changed = change(fields)
            if changed is not None:
                original(**changed)

        built.audit.record = record  # type: ignore[method-assign]

    return step


def _no_redaction(built: BuiltServer) -> None:
    built.audit.redact_words = ("contractkit-redacts-nothing",)


def _token_passthrough(config: McpServerConfig) -> McpServerConfig:
    holder = defects.CallerTokenHolder()

    def step(built: BuiltServer) -> None:
        built.tokens.token = holder.service_token  # type: ignore[method-assign]
        built.tokens.invalidate = lambda: None  # type: ignore[method-assign]

    return replace(config, customize=step, wrap_http=holder.wrap)


VARIANTS: tuple[Variant, ...] = (
    Variant("version-downgrade", "MCP-INIT-001", "initialize always answers 2025-03-26",
            _wrap(defects.answer_initialize_with("2025-03-26"))),
    Variant("stateless-tools-list-broken", "MCP-INIT-002",
            "server/discover offers 2026-07-28, but tools/list at that revision fails",
            _wrap(defects.fail_tools_list_at("2026-07-28"))),
    Variant("tool-missing", "MCP-TOOLS-001", "search_customers is not offered", _customize(_remove_search)),
    Variant("undeclared-tool", "MCP-TOOLS-002", "an undeclared export_all_customers tool is offered (run with "
            "--mcp-strict)", _customize(_extra_tool), verify={"mcp_strict": True}),
    Variant("schema-drift", "MCP-TOOLS-003", "search_customers takes 'text' instead of the declared 'query'",
            _customize(_drift_search)),
    Variant("wrong-return-type", "MCP-CALL-001", "get_customer omits status and returns an invalid last_contact_date",
            _customize(_wrong_return)),
    Variant("crash-on-bad-arguments", "MCP-CALL-002", "invalid arguments raise an unhandled exception",
            _customize(_crash_on_bad_arguments)),
    Variant("auth-not-enforced", "MCP-AUTH-001", "requests without a token are served", _policy(enforce_auth=False)),
    Variant("no-resource-metadata", "MCP-AUTH-002", "no RFC 9728 metadata, challenges do not name it",
            _policy(serve_metadata=False)),
    Variant("signature-not-checked", "MCP-AUTH-003", "tokens are decoded without checking their signature",
            _lax("signature")),
    Variant("audience-not-checked", "MCP-AUTH-004", "a token for any audience is accepted", _lax("audience")),
    Variant("query-token-accepted", "MCP-AUTH-005", "a proxy moves ?access_token= into the Authorization header",
            _wrap(defects.query_token_to_header)),
    Variant("scope-ignored", "MCP-AUTH-006", "tools/call does not check the tool's scope",
            _policy(enforce_tool_scopes=False)),
    Variant("origin-not-checked", "MCP-AUTH-007", "no Origin or Host validation (DNS rebinding)",
            lambda config: replace(config, dns_rebinding_protection=False)),
    Variant("challenge-asks-unknown-scope", "MCP-AUTH-008", "the 401 challenge asks for crm.admin, which no spec "
            "declares", _wrap(defects.challenge_scope("crm.admin"))),
    Variant("rate-limit-not-enforced", "MCP-RATE-001", "the declared rate limit is not enforced",
            lambda config: replace(config, rate_limit=(1_000_000, 1.0))),
    Variant("missing-audit-record", "MCP-AUDIT-001", "calls of get_customer are not audited",
            _customize(_audit_record_filter(lambda f: None if f.get("tool") == "get_customer" else f))),
    Variant("audit-outcome-always-ok", "MCP-AUDIT-001", "every call is audited as 'ok', refused ones too",
            _customize(_audit_record_filter(lambda f: {**f, "outcome": "ok"}))),
    Variant("audit-leaks-secrets", "MCP-AUDIT-002", "arguments are written to the audit log unredacted",
            _customize(_no_redaction)),
    Variant("over-broad-service-token", "MCP-SVC-001", "the service token holds every scope the client may hold",
            lambda config: replace(config, service_scopes_override=("engine.customers.read",
                                                                    "engine.customers.write"))),
    Variant("token-passthrough", "MCP-SVC-002", "the caller's token is passed to engine/ instead of the service token",
            _token_passthrough),
)

VARIANT_NAMES = tuple(v.name for v in VARIANTS)


def variant(name: str) -> Variant:
    for v in VARIANTS:
        if v.name == name:
            return v
    raise KeyError(name)
