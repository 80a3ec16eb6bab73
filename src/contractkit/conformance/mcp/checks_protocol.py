"""Lifecycle and tool-listing checks: version negotiation, tools/list against the declared tools."""

from __future__ import annotations

import json
from typing import Any

from contractkit.conformance.mcp.client import CallTimeout, SessionLost
from contractkit.conformance.mcp.schemas import incompatibilities
from contractkit.conformance.mcp.target import McpTarget
from contractkit.conformance.outcomes import Evidence, NotVerified, RuleWarning, Violation
from contractkit.conformance.registry import MCP_CHECKS
from contractkit.spec.mcp import ToolContract

MODERN = "2026-07-28"
DEFAULT_VERSIONS = ("2025-11-25",)
UNKNOWN_VERSION = "1999-01-01"


@MCP_CHECKS.register(
    "MCP-INIT-001", "initialize negotiates every declared protocol version",
    clause="MCP lifecycle (2025-06-18, 2025-11-25): version negotiation; mcp-servers.yaml servers[].protocol_versions",
    tags=("protocol",),
)
def check_version_negotiation(target: McpTarget) -> None:
    """What it does: opens a fresh session per declared protocol version (2025-06-18, 2025-11-25),
    proposes that version in ``initialize`` and expects the server to answer with the same one,
    with ``serverInfo`` and a ``tools`` capability, and to list its tools in that session. It
    also proposes an unknown version, which the server must answer with a version it supports.

    Why: a server that silently answers another version than the one a client proposed and the
    contract promises breaks every client pinned to that version.

    Example: the spec declares ``['2025-06-18', '2025-11-25']`` but the server always answers
    ``2025-03-26``.
    """
    versions = target.contract.protocol_versions or DEFAULT_VERSIONS
    problems: list[str] = []
    for version in (*versions, UNKNOWN_VERSION):
        try:
            with target.new_client() as client:
                result = client.initialize(version)
                answered = result.protocol_version
                if version == UNKNOWN_VERSION:
                    if not isinstance(answered, str) or not answered[:4].isdigit():
                        problems.append(f"proposing {UNKNOWN_VERSION} got {answered!r}, not a supported version")
                    continue
                if answered != version:
                    problems.append(f"proposed {version}, the server answered {answered}")
                    continue
                if result.server_info is None or not result.server_info.name:
                    problems.append(f"{version}: initialize result has no serverInfo.name")
                if result.capabilities is None or result.capabilities.tools is None:
                    problems.append(f"{version}: initialize result declares no 'tools' capability")
                tools, _ = client.list_tools()
                if not tools:
                    problems.append(f"{version}: tools/list returned no tools after a successful initialize")
        except (SessionLost, CallTimeout) as exc:
            problems.append(f"{version}: {exc}")
        except Violation:
            raise
        except Exception as exc:  # the SDK raises MCPError / validation errors for refused handshakes
            problems.append(f"{version}: {type(exc).__name__}: {exc}")
    if problems:
        raise Violation("; ".join(problems), operation="initialize")


@MCP_CHECKS.register(
    "MCP-INIT-002", "the stateless 2026-07-28 revision works where the server offers it",
    clause="MCP 2026-07-28: server/discover and stateless requests",
    tags=("protocol",),
)
def check_modern_revision(target: McpTarget) -> None:
    """What it does: sends ``server/discover`` at 2026-07-28 on a fresh connection. A server that
    does not offer the revision is "not verified" (unless the spec declares 2026-07-28, then it
    fails). A server that offers it must list 2026-07-28 among ``supportedVersions`` and serve
    ``tools/list`` at that revision.

    Why: clients of the SDK 2.x try the stateless revision first; a server that advertises it must
    honour it.
    """
    declared = MODERN in target.contract.protocol_versions
    from mcp_types import DiscoverResult

    try:
        with target.new_client() as client:
            try:
                raw = client.discover(MODERN)
            except (SessionLost, CallTimeout):
                raise
            except Exception as exc:
                if declared:
                    raise Violation(f"the spec declares {MODERN} but server/discover failed: {exc}") from None
                raise NotVerified(f"the server does not offer the {MODERN} revision ({exc})") from None
            versions = raw.get("supportedVersions") if isinstance(raw, dict) else None
            if not isinstance(versions, list) or MODERN not in versions:
                raise Violation(f"server/discover answered without {MODERN} in supportedVersions: {versions!r}")
            client.run(lambda s: _adopt(s, DiscoverResult.model_validate(raw)))
            tools, _ = client.list_tools()
            if not tools:
                raise Violation(f"tools/list at {MODERN} returned no tools")
    except (SessionLost, CallTimeout) as exc:
        raise Violation(f"server/discover broke the connection: {exc}", operation="server/discover") from None


async def _adopt(session: Any, result: Any) -> None:
    session.adopt(result)


@MCP_CHECKS.register(
    "MCP-TOOLS-001", "every declared tool is listed by tools/list (all pages)",
    clause="mcp-servers.yaml servers[].tools; MCP tools/list pagination",
    tags=("tools",),
)
def check_declared_tools_listed(target: McpTarget) -> None:
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


@MCP_CHECKS.register(
    "MCP-TOOLS-002", "the server offers no undeclared tools",
    clause="mcp-servers.yaml servers[].tools (undeclared tools warn; fail with --strict)",
    severity="warning",
    tags=("tools",),
)
def check_no_undeclared_tools(target: McpTarget) -> None:
    """What it does: reports tools the server lists that the spec does not declare: a warning,
    or a failure with ``--strict``.

    Why: an undeclared tool is capability nobody reviewed: no scope, no schema, no audit duty.
    """
    declared = {t.name for t in target.contract.tools}
    extra = sorted(set(target.listed_tools()) - declared)
    if extra:
        message = f"undeclared tool(s) offered: {extra}"
        if target.options.strict:
            raise Violation(message, operation="tools/list")
        raise RuleWarning(message, operation="tools/list")


@MCP_CHECKS.register(
    "MCP-TOOLS-003", "each tool's inputSchema accepts every call the declared parameters allow",
    clause="mcp-servers.yaml servers[].tools[].parameters",
    tags=("tools",), applies="tool")
def check_input_schema_compatible(target: McpTarget, tool: ToolContract) -> None:
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
    from contractkit.conformance.mcp.generate import sample_valid

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
