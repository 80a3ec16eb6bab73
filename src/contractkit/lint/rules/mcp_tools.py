"""mcp-servers tools: MCP-010/011 (names), MCP-012 (schemas), MCP-020 (scopes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from contractkit.lint.context import LintContext
from contractkit.lint.registry import LINT_RULES, Hit
from contractkit.lint.rules.mcp_format import server_label, servers
from contractkit.lint.schemas import check_schema
from contractkit.loading import pointer_join

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def _tools(ctx: LintContext) -> Iterator[tuple[dict[str, Any], int, dict[str, Any], str]]:
    for i, server, base in servers(ctx):
        tools = server.get("tools")
        for j, tool in enumerate(tools if isinstance(tools, list) else []):
            if isinstance(tool, dict):
                yield server, i, tool, pointer_join(base, "tools", j)


@LINT_RULES.register(
    "MCP-010",
    "Server names and tool names are unique",
    clause="conventions 8.1 (server and tool names unique); MCP 2025-06-18 tools/list (a name identifies one tool)",
    tags=("mcp-servers",),
)
def names_unique(ctx: LintContext) -> Iterator[Hit]:
    """What it does: checks that no two servers share a `name`, and that within a server no two
    tools share a `name`.

    Why: an MCP client calls a tool by name; with two tools of one name, which one runs depends
    on the server's implementation, and the audit log cannot tell them apart.

    Example: two entries `name: search_customers` under `crm-data-mcp`.
    """
    seen_servers: set[str] = set()
    for i, server, base in servers(ctx):
        name = server.get("name")
        if isinstance(name, str):
            if name in seen_servers:
                yield Hit(pointer_join(base, "name"), f"server name {name!r} is used twice")
            seen_servers.add(name)
        seen_tools: set[str] = set()
        tools = server.get("tools")
        for j, tool in enumerate(tools if isinstance(tools, list) else []):
            tool_name = tool.get("name") if isinstance(tool, dict) else None
            if isinstance(tool_name, str):
                if tool_name in seen_tools:
                    yield Hit(
                        pointer_join(base, "tools", j, "name"),
                        f"{server_label(server, i)} declares tool {tool_name!r} twice",
                    )
                seen_tools.add(tool_name)


@LINT_RULES.register(
    "MCP-011",
    "Tool names are snake_case",
    clause="conventions 8.1 (tool names snake_case)",
    tags=("mcp-servers",),
)
def names_snake_case(ctx: LintContext) -> Iterator[Hit]:
    """What it does: checks that every tool name matches `^[a-z][a-z0-9]*(_[a-z0-9]+)*$`.

    Why: LLMs choose tools by name; one naming style across servers makes tool choice and
    prompts predictable, and some clients reject names with dots, dashes or capitals.

    Example: `getCustomer` or `get-customer`; use `get_customer`.
    """
    for _server, _i, tool, pointer in _tools(ctx):
        name = tool.get("name")
        if isinstance(name, str) and not SNAKE_CASE.match(name):
            yield Hit(pointer_join(pointer, "name"), f"tool name {name!r} is not snake_case")


@LINT_RULES.register(
    "MCP-012",
    "Tool parameter and return schemas are valid JSON Schema",
    clause="conventions 8.2; MCP 2025-06-18 Tool.inputSchema (an object schema)",
    tags=("mcp-servers",),
)
def tool_schemas_valid(ctx: LintContext) -> Iterator[Hit]:
    """What it does: checks every tool's `parameters` and `returns` against the JSON Schema
    2020-12 meta-schema (refs followed), and that `parameters` describes an object
    (`type: object`), as MCP's `inputSchema` must.

    Why: clients and LLMs build calls from these schemas; an invalid schema is either rejected
    by the client or, worse, silently validates nothing.

    Example: `parameters: {type: objekt}` or `returns: {required: customer_id}`.
    """
    for _server, _i, tool, pointer in _tools(ctx):
        for key in ("parameters", "returns"):
            if key not in tool:
                continue
            schema = tool[key]
            resolved = ctx.deref(schema) if isinstance(schema, dict) and "$ref" in schema else schema
            if resolved is None:
                continue  # MCP-002 reports the broken ref
            problem = check_schema(ctx, resolved) if isinstance(resolved, dict | bool) else "not an object"
            if problem:
                yield Hit(
                    pointer_join(pointer, key), f"tool {tool.get('name')!r} {key} is not a valid JSON Schema: {problem}"
                )
            elif key == "parameters" and (not isinstance(resolved, dict) or resolved.get("type") != "object"):
                yield Hit(
                    pointer_join(pointer, key),
                    f"tool {tool.get('name')!r} parameters must be an object schema (type: object)",
                )


@LINT_RULES.register(
    "MCP-020",
    "Every scope a tool needs is declared by its server",
    clause="conventions 8.3 (per tool: the scope it needs; per server: authentication scopes)",
    tags=("mcp-servers",),
)
def tool_scopes_declared(ctx: LintContext) -> Iterator[Hit]:
    """What it does: for every tool with a `scope`, checks that its server's
    `authentication.scopes` lists that scope.

    Why: a scope the server does not declare cannot be requested from the token endpoint, so
    the tool is unreachable, or guarded by a check nobody configured.

    Example: tool `get_customer` with `scope: crm.reed` on a server declaring `[crm.read]`.
    """
    for i, server, base in servers(ctx):
        auth = server.get("authentication")
        declared = auth.get("scopes") if isinstance(auth, dict) else None
        declared_set = {str(s) for s in declared} if isinstance(declared, list) else set()
        tools = server.get("tools")
        for j, tool in enumerate(tools if isinstance(tools, list) else []):
            scope = tool.get("scope") if isinstance(tool, dict) else None
            if scope is not None and str(scope) not in declared_set:
                yield Hit(
                    pointer_join(base, "tools", j, "scope"),
                    f"tool {tool.get('name', j)!r} needs scope {scope!r}, which {server_label(server, i)} "
                    "does not declare in authentication.scopes",
                )
