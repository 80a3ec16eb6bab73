"""Lifecycle checks: protocol version negotiation, and the stateless revision where it is offered."""

from __future__ import annotations

from typing import Any

from contractkit.conformance.mcp.client import CallTimeout, SessionLost
from contractkit.conformance.mcp.target import McpTarget
from contractkit.conformance.outcomes import Examined, NotVerified, Violation
from contractkit.conformance.registry import MCP_CHECKS
from contractkit.errors import TargetError

MODERN = "2026-07-28"
DEFAULT_VERSIONS = ("2025-11-25",)
UNKNOWN_VERSION = "1999-01-01"


@MCP_CHECKS.register(
    "MCP-INIT-001", "initialize negotiates every declared protocol version",
    clause="MCP lifecycle (2025-06-18, 2025-11-25): version negotiation; mcp-servers.yaml servers[].protocol_versions",
    tags=("protocol",),
)
def check_version_negotiation(target: McpTarget) -> Examined:
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
        except (Violation, TargetError):
            raise
        except Exception as exc:  # the SDK raises MCPError / validation errors for refused handshakes
            problems.append(f"{version}: {type(exc).__name__}: {exc}")
    if problems:
        raise Violation("; ".join(problems), operation="initialize")
    return Examined(len(versions) + 1, "handshakes", f"declared {', '.join(versions)}, plus {UNKNOWN_VERSION}")


@MCP_CHECKS.register(
    "MCP-INIT-002", "the stateless 2026-07-28 revision works where the server offers it",
    clause="MCP 2026-07-28: server/discover and stateless requests",
    tags=("protocol",),
)
def check_modern_revision(target: McpTarget) -> Examined:
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
            except (SessionLost, CallTimeout, TargetError):
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
            return Examined(2, "requests", f"server/discover, then tools/list at {MODERN} ({len(tools)} tools)")
    except (SessionLost, CallTimeout) as exc:
        raise Violation(f"server/discover broke the connection: {exc}", operation="server/discover") from None


async def _adopt(session: Any, result: Any) -> None:
    session.adopt(result)
