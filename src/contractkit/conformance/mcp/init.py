"""Lifecycle checks: protocol version negotiation per era, and the stateless revision.

MCP has two eras. The handshake era (2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25) negotiates
a version through ``initialize``; the stateless revision (2026-07-28) is discovered with
``server/discover`` and is never negotiated through ``initialize``. What the spec under test
declares in ``protocol_versions`` is what is required: MCP-INIT-001 checks the declared handshake
versions, MCP-INIT-002 the stateless one. ``eras.py`` says which rules an older era lacks.
"""

from __future__ import annotations

from typing import Any

from contractkit.conformance.mcp.client import CallTimeout, HttpRefused, SessionLost
from contractkit.conformance.mcp.eras import HANDSHAKE, KNOWN, MODERN
from contractkit.conformance.mcp.target import McpTarget
from contractkit.conformance.outcomes import Examined, NotVerified, Violation
from contractkit.conformance.registry import MCP_CHECKS
from contractkit.errors import TargetError

UNKNOWN_VERSION = "1999-01-01"
DISCOVER_TIMEOUT_S = 5.0


def _handshake(target: McpTarget, version: str) -> tuple[str | None, str | None]:
    """Propose ``version``; (the version answered, or None; what is wrong with the session, or None)."""
    try:
        with target.new_client() as client:
            result = client.initialize(version)
            answered = result.protocol_version
            if version == UNKNOWN_VERSION:
                return answered, None
            if answered != version:
                return answered, None
            if result.server_info is None or not result.server_info.name:
                return answered, f"{version}: initialize result has no serverInfo.name"
            if result.capabilities is None or result.capabilities.tools is None:
                return answered, f"{version}: initialize result declares no 'tools' capability"
            try:
                tools, _ = client.list_tools()
            except Violation:  # pages that loop or never end: MCP-TOOLS-001's finding; pages were served
                return answered, None
            if not tools:
                return answered, f"{version}: tools/list returned no tools after a successful initialize"
            return answered, None
    except HttpRefused as exc:  # no answer about versions at all: nothing to judge
        raise target.refused_session(exc.status) from None
    except (SessionLost, CallTimeout) as exc:
        return None, f"{version}: {exc}"
    except (Violation, TargetError):
        raise
    except Exception as exc:  # the SDK raises MCPError / validation errors for refused handshakes
        return None, f"{version}: {type(exc).__name__}: {str(exc)[:200]}"


@MCP_CHECKS.register(
    "MCP-INIT-001", "initialize negotiates every declared protocol version",
    kind="observation", clause="MCP lifecycle (2024-11-05 to 2025-11-25): version negotiation; "
           "mcp-servers.yaml servers[].protocol_versions",
    tags=("protocol",),
)
def check_version_negotiation(target: McpTarget) -> Examined:
    """What it does: opens a fresh session per declared handshake-era protocol version, proposes
    that version in ``initialize`` and expects the server to answer with the same one, with
    ``serverInfo`` and a ``tools`` capability, and to list its tools in that session. It also
    proposes a version that does not exist (``1999-01-01``), which the server must answer with a
    real protocol version it supports, never by echoing it. A spec that declares no versions
    gets the second half only (the rule is then partial); one that declares only the stateless
    2026-07-28 revision is MCP-INIT-002's (not verified here).

    Why: a server that silently answers another version than the one a client proposed and the
    contract promises breaks every client pinned to that version.

    Example: the spec declares ``['2025-06-18', '2025-11-25']`` but the server always answers
    ``2025-03-26``.
    """
    declared = target.contract.protocol_versions
    versions = [v for v in declared if v in HANDSHAKE]
    unknown = [v for v in declared if v not in KNOWN]
    if declared and not versions and not unknown:
        raise NotVerified(f"the spec declares only {', '.join(declared)}, which is not negotiated through "
                          "initialize (see MCP-INIT-002)")
    problems = [f"the spec declares {v}, which is no MCP protocol version" for v in unknown]
    for version in versions:
        answered, problem = _handshake(target, version)
        if problem:
            problems.append(problem)
        elif answered != version:
            problems.append(f"proposed {version}, the server answered {answered}")
    answered, problem = _handshake(target, UNKNOWN_VERSION)
    if problem:
        problems.append(problem)
    elif answered == UNKNOWN_VERSION:
        problems.append(f"proposing {UNKNOWN_VERSION} (no such version) was echoed back instead of answered "
                        "with a version the server supports")
    elif answered not in KNOWN:
        problems.append(f"proposing {UNKNOWN_VERSION} got {answered!r}, which is no MCP protocol version")
    if problems:
        raise Violation("; ".join(problems), operation="initialize")
    detail = (f"declared {', '.join(versions)}" if versions else "the spec declares no handshake version") \
        + f"; {UNKNOWN_VERSION} answered with {answered}"
    unchecked = "" if versions else "the spec declares no protocol_versions: no version is required"
    return Examined(len(versions) + 1, "handshakes", detail, unchecked=unchecked)


@MCP_CHECKS.register(
    "MCP-INIT-002", "the stateless 2026-07-28 revision works where the server offers it",
    kind="observation", clause="MCP 2026-07-28: server/discover and stateless requests",
    tags=("protocol",),
)
def check_modern_revision(target: McpTarget) -> Examined:
    """What it does: sends ``server/discover`` at 2026-07-28 on a fresh connection, waiting at
    most 5 s. A server that does not offer the revision (an error, no answer, a closed
    connection) is "not verified: it does not offer the stateless revision", unless the spec
    declares 2026-07-28: then it fails. A server that offers it must list 2026-07-28 among
    ``supportedVersions`` and serve ``tools/list`` at that revision.

    Why: clients of the SDK 2.x try the stateless revision first; a server that advertises it must
    honour it, and one whose spec promises it must offer it.
    """
    declared = MODERN in target.contract.protocol_versions
    from mcp_types import DiscoverResult

    with target.new_client() as client:
        client.on_trouble = None  # an old server may drop the connection on an unknown method
        try:
            raw = client.run(lambda s: s.send_discover(MODERN), timeout=min(target.timeout, DISCOVER_TIMEOUT_S))
        except TargetError:
            raise
        except Exception as exc:
            why = f"{type(exc).__name__}: {str(exc)[:160]}" if not isinstance(exc, SessionLost | CallTimeout) \
                else str(exc)
            if declared:
                raise Violation(f"the spec declares {MODERN} but server/discover failed: {why}",
                                operation="server/discover") from None
            raise NotVerified(f"the server does not offer the stateless {MODERN} revision (server/discover: {why})"
                              ) from None
        versions = raw.get("supportedVersions") if isinstance(raw, dict) else None
        if not isinstance(versions, list) or MODERN not in versions:
            if not declared and isinstance(versions, list):
                raise NotVerified(f"the server does not offer {MODERN} (supportedVersions {versions!r})")
            raise Violation(f"server/discover answered without {MODERN} in supportedVersions: {versions!r}",
                            operation="server/discover")
        try:
            client.run(lambda s: _adopt(s, DiscoverResult.model_validate(raw)))
            tools, _ = client.list_tools()
        except (SessionLost, CallTimeout) as exc:
            raise Violation(f"tools/list at {MODERN} broke the connection: {exc}", operation="tools/list") from None
        except Violation as exc:  # pages that loop or never end: MCP-TOOLS-001's finding; pages were served
            return Examined(2, "requests", f"server/discover, then tools/list at {MODERN} (its pages: {exc.message}; "
                            "see MCP-TOOLS-001)")
        if not tools:
            raise Violation(f"tools/list at {MODERN} returned no tools")
    return Examined(2, "requests", f"server/discover, then tools/list at {MODERN} ({len(tools)} tools)")


async def _adopt(session: Any, result: Any) -> None:
    session.adopt(result)
