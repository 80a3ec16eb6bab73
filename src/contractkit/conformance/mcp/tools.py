"""Tool-listing checks: tools/list against the declared tools, and each inputSchema against the
declared parameters."""

from __future__ import annotations

import json

from contractkit.conformance.mcp.generate import sample_valid
from contractkit.conformance.mcp.schemas import incompatibilities
from contractkit.conformance.mcp.target import McpTarget
from contractkit.conformance.outcomes import Evidence, Examined, NotVerified, RuleWarning, Violation
from contractkit.conformance.registry import MCP_CHECKS
from contractkit.spec.mcp import ToolContract


@MCP_CHECKS.register(
    "MCP-TOOLS-001", "every declared tool is listed by tools/list (all pages)",
    kind="observation", clause="mcp-servers.yaml servers[].tools; MCP tools/list pagination",
    tags=("tools",),
)
def check_declared_tools_listed(target: McpTarget) -> Examined:
    """What it does: lists the server's tools, following ``nextCursor`` to the last page, and
    fails for every declared tool the server does not offer.

    Why: a client built against the contract calls the declared tools by name.
    """
    listed = target.listed_tools()
    missing = [t.name for t in target.contract.tools if t.name not in listed]
    if missing:
        raise Violation(f"declared tool(s) not offered: {missing}; the server lists {sorted(listed)}",
                        operation="tools/list",
                        evidence=Evidence(notes=[f"pages read: {target.notes.get('tools_list_pages')}"]))
    return Examined(len(target.contract.tools), "declared tools",
                    f"{len(listed)} listed on {target.notes.get('tools_list_pages')} page(s)")


@MCP_CHECKS.register(
    "MCP-TOOLS-002", "the server offers no undeclared tools",
    kind="observation", clause="mcp-servers.yaml servers[].tools (undeclared tools warn; fail with --strict)",
    severity="warning",
    tags=("tools",),
)
def check_no_undeclared_tools(target: McpTarget) -> Examined:
    """What it does: reports tools the server lists that the spec does not declare: a warning,
    or a failure with ``--strict``.

    Why: an undeclared tool is capability nobody reviewed: no scope, no schema, no audit duty.
    """
    declared = {t.name for t in target.contract.tools}
    offered = target.offered_tools()
    extra = sorted(set(offered) - declared)
    if extra:
        message = f"undeclared tool(s) offered: {extra}"
        if target.options.strict:
            raise Violation(message, operation="tools/list")
        raise RuleWarning(message, operation="tools/list")
    return Examined(len(offered), "listed tools")


@MCP_CHECKS.register(
    "MCP-TOOLS-003", "each tool's inputSchema accepts every call the declared parameters allow",
    kind="observation", clause="mcp-servers.yaml servers[].tools[].parameters",
    tags=("tools",), applies="tool")
def check_input_schema_compatible(target: McpTarget, tool: ToolContract) -> Examined:
    """What it does: compares the tool's advertised ``inputSchema`` with the declared
    ``parameters``: every declared parameter must be known, nothing the contract leaves optional
    may be required, and the declared examples and generated valid arguments must pass the
    server's schema. A server may be more lenient than the contract, never stricter.

    Why: schema drift (a renamed or retyped parameter) breaks callers built against the contract.

    Example: the contract declares ``query`` but the server now requires ``text``.
    """
    listed = target.listed(tool)
    actual = listed.input_schema
    instances = [dict(e) for e in tool.examples]

    try:
        instances += sample_valid(tool.parameters, 10)
    except Exception:  # a schema the generator cannot model: judge by the examples alone
        if not instances:
            raise NotVerified(f"cannot generate arguments from the parameters of {tool.name}, and it has no examples"
                              ) from None
    problems = incompatibilities(tool.parameters, actual, instances)
    if problems:
        raise Violation("; ".join(problems), operation=tool.name, evidence=Evidence(
            request=f"declared parameters: {json.dumps(tool.parameters)[:1200]}",
            response=f"inputSchema: {json.dumps(actual)[:1200]}"))
    return Examined(len(instances), "argument sets", f"{len(tool.examples)} from the examples, "
                    f"{len(instances) - len(tool.examples)} generated, against the advertised inputSchema")
