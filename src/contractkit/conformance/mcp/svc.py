"""The service-token rules: engine/ is called with the server's own token, of exactly its declared
scopes, never with the caller's."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from contractkit.conformance.http import bounded_client, deadline
from contractkit.conformance.mcp.target import McpTarget
from contractkit.conformance.outcomes import Evidence, Examined, NotVerified, Violation
from contractkit.conformance.registry import MCP_CHECKS


def _engine_receipts(target: McpTarget) -> list[dict[str, Any]]:
    """Clear the engine double's receipts, call every tool once, and return what it received."""
    base = (target.options.engine_double or "").rstrip("/")
    if not base:
        raise NotVerified("no engine double given (--engine-double URL): what the server sends engine/ is unseen")
    try:
        with bounded_client(target.timeout) as http:  # each exchange within --timeout in total
            with deadline(target.timeout):
                http.delete(base + "/_double/received").raise_for_status()
            for name, args in target.sample_calls():
                target.attempt(name, args)
            with deadline(target.timeout):
                response = http.get(base + "/_double/received")
            response.raise_for_status()
            receipts = response.json()["receipts"]
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise NotVerified(f"the engine double at {base} did not answer as expected: {type(exc).__name__}") from None
    if not receipts:
        raise NotVerified(f"the server made no call to the engine double at {base}: is it pointed there?")
    return receipts


@MCP_CHECKS.register(
    "MCP-SVC-001", "engine/ is called with a service token of exactly the declared scopes",
    kind="observation", clause="mcp-servers.yaml servers[].service_token (scopes, audience)", tags=("service-token",),
)
def check_service_token_scopes(target: McpTarget) -> Examined:
    """What it does: with the server pointed at the kit's engine double, calls each tool and reads
    what the double received: every request must carry a valid token for the declared audience
    whose scopes are exactly the declared ``service_token.scopes``, no more, no fewer.

    Why: least privilege. A server holding more of engine/ than it needs turns any of its bugs
    into a bigger breach.
    """
    declared = target.contract.service_token_scopes
    if declared is None:
        raise NotVerified("the spec declares no service_token for this server")
    receipts = _engine_receipts(target)
    problems = []
    for r in receipts:
        if r.get("client_id") is None:
            problems.append(f"{r.get('method')} {r.get('path')}: no valid service token ({r.get('outcome')})")
            continue
        scopes = sorted(r.get("scopes") or [])
        if set(scopes) != set(declared):
            problems.append(f"{r.get('path')}: token scopes {scopes}, declared {sorted(declared)}")
        audience = target.contract.service_token_audience
        if audience and r.get("audience") != audience:
            problems.append(f"{r.get('path')}: token audience {r.get('audience')!r}, declared {audience!r}")
    if problems:
        raise Violation("; ".join(sorted(set(problems))[:5]), operation="service token",
                        evidence=Evidence(notes=[f"{len(receipts)} request(s) received by the engine double"]))
    return Examined(len(receipts), "engine requests", f"scopes {sorted(declared)}")


@MCP_CHECKS.register(
    "MCP-SVC-002", "the caller's token is never passed through to engine/",
    kind="observation",
    clause="MCP authorization: token passthrough is forbidden; mcp-servers.yaml service_token", tags=("service-token",),
)
def check_no_passthrough(target: McpTarget) -> Examined:
    """What it does: with the server pointed at the kit's engine double, calls each tool with the
    suite's token and checks that no request the double received carried that token (compared by
    SHA-256 fingerprint) or the suite's client identity.

    Why: passing the caller's token upstream makes the MCP server a confused deputy and bypasses
    engine/'s own audience and scope checks.
    """
    if not target.needs_token:
        raise NotVerified("the suite presents no token to this server (stdio or no bearer auth), "
                          "so there is nothing that could be passed through")
    target.caller_token()
    receipts = _engine_receipts(target)
    prints = {hashlib.sha256(t.encode()).hexdigest() for t in target.presented}
    caller = target.credentials.client_id if target.credentials else None
    passed = [r for r in receipts if r.get("token_sha256") in prints or (caller and r.get("client_id") == caller)]
    if passed:
        raise Violation(f"{len(passed)} request(s) to engine/ carried the caller's token or identity "
                        f"(e.g. {passed[0].get('method')} {passed[0].get('path')})", operation="service token")
    return Examined(len(receipts), "engine requests", f"compared with {len(prints)} token(s) the suite presented")
