"""The MCP authorization rules for streamable HTTP, each its own check (stdio: not verified)."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from contractkit.conformance.challenge import bearer
from contractkit.conformance.mcp import eras, refusal, rpc
from contractkit.conformance.mcp.target import McpTarget
from contractkit.conformance.outcomes import Examined, NotVerified, RuleWarning, Violation
from contractkit.conformance.registry import MCP_CHECKS
from contractkit.spec.mcp import ToolContract

WELL_KNOWN = "/.well-known/oauth-protected-resource"


def challenge(exchange: rpc.Exchange) -> dict[str, str] | None:
    """The parameters of a ``Bearer`` challenge in WWW-Authenticate, or None if there is none."""
    return bearer(exchange.headers.get("www-authenticate", ""))


def _expect_401(target: McpTarget, exchange: rpc.Exchange, what: str) -> None:
    refusal.expect(target, exchange, (401,), what)
    if challenge(exchange) is None:
        raise Violation(f"{what}: 401 without a 'WWW-Authenticate: Bearer' challenge",
                        operation="initialize", evidence=exchange.evidence())


@MCP_CHECKS.register(
    "MCP-AUTH-001", "a request without a token gets 401 and a WWW-Authenticate challenge",
    kind="refusal", clause="MCP authorization: 401 + WWW-Authenticate (RFC 6750 §3, RFC 9728 §5.1)", tags=("auth",),
)
def check_no_token(target: McpTarget) -> Examined:
    """What it does: POSTs ``initialize`` with no Authorization header and expects 401 with a
    ``WWW-Authenticate: Bearer ...`` challenge; a GET of the endpoint (the server-to-client SSE
    stream) without a token must not be served either.

    Why: an MCP server that answers anonymous requests exposes engine/'s data to anyone who can
    reach it.
    """
    target.require_bearer()
    # The same request with a token must be served first, or a 401 without one proves nothing
    # (a server that refuses everything refuses this too).
    control = target.positive_control("the 401 without a token", token=target.token())
    _expect_401(target, rpc.post(target, rpc.initialize_message()), "no token")
    stream = target.http.request("GET", target.url or "", headers={"accept": "text/event-stream"},
                                 operation="GET (SSE stream)", timeout=3.0)
    # 405: the server offers no server-to-client stream at all, which serves nothing either
    refusal.expect(target, stream, (401, 405), "a GET of the endpoint (the SSE stream) without a token",
                   operation="GET")
    return Examined(2 + control, "requests", "POST initialize and GET without a token; the same initialize "
                    "with a token was served")


@MCP_CHECKS.register(
    "MCP-AUTH-002", "protected-resource metadata (RFC 9728) is discoverable and names this resource",
    kind="observation", clause="MCP authorization: protected resource metadata (RFC 9728 §3, §5)", tags=("auth",),
)
def check_resource_metadata(target: McpTarget) -> Examined:
    """What it does: follows ``resource_metadata`` from the 401 challenge (or, failing that, the
    well-known URI ``/.well-known/oauth-protected-resource<path>``) and expects a JSON document
    whose ``resource`` is the server's URL and whose ``authorization_servers`` is a non-empty
    list; ``bearer_methods_supported``, if given, must not offer the query string.

    Why: MCP clients discover where to get a token from this document; without it no standards
    client can authenticate.
    """
    target.require_bearer()
    eras.require(target, "resource_metadata")
    first = rpc.post(target, rpc.initialize_message())
    params = challenge(first) or {}
    parts = urlsplit(target.url or "")
    origin = f"{parts.scheme}://{parts.netloc}"
    candidates = [params["resource_metadata"]] if params.get("resource_metadata") else [
        origin + WELL_KNOWN + parts.path.rstrip("/"), origin + WELL_KNOWN]
    found = None
    for url in candidates:
        exchange = target.http.request("GET", url, operation="protected-resource metadata")
        skipped = refusal.unjudged(exchange, f"GET {url}")
        if skipped is not None:
            raise skipped
        if exchange.status == 200 and isinstance(exchange.json_or_none(), dict):
            found = exchange
            break
    if found is None:
        raise Violation("no protected-resource metadata: the challenge names no resource_metadata and "
                        f"{candidates} did not serve a JSON document", operation="metadata",
                        evidence=first.evidence())
    doc = found.json()
    problems = []
    if str(doc.get("resource", "")).rstrip("/").lower() != (target.url or "").rstrip("/").lower():
        problems.append(f"resource is {doc.get('resource')!r}, not this server's URL {target.url!r}")
    servers = doc.get("authorization_servers")
    if not isinstance(servers, list) or not servers or not all(isinstance(s, str) for s in servers):
        problems.append(f"authorization_servers must be a non-empty list of URLs, got {servers!r}")
    if "query" in (doc.get("bearer_methods_supported") or []):
        problems.append("bearer_methods_supported offers 'query', which MCP forbids")
    if problems:
        raise Violation("; ".join(problems), operation="metadata", evidence=found.evidence())
    return Examined(1, "metadata documents", found.url)


@MCP_CHECKS.register(
    "MCP-AUTH-003", "malformed, tampered and expired tokens get 401",
    kind="refusal", clause="MCP authorization: token validation (RFC 6750 §3.1 invalid_token)", tags=("auth",),
)
def check_invalid_tokens(target: McpTarget) -> Examined:
    """What it does: after a positive control (``initialize`` with a valid token is served),
    presents a token that is not a JWT, a valid token with its signature
    altered, and (where the issuer mints short-lived tokens) an expired token; each must get 401
    with a Bearer challenge.

    Why: a server that does not verify signatures and expiry accepts forged and stolen tokens.
    """
    target.require_bearer()
    target.positive_control("refusing forged tokens")
    expired = None
    try:
        expired = target.token(expires_in=1, cache=False)
        minted = time.time()
    except NotVerified:
        minted = 0.0
    valid = target.token()
    head, payload, signature = valid.split(".") if valid.count(".") == 2 else (valid, "", "")
    middle = len(signature) // 2
    flipped = "A" if signature[middle:middle + 1] != "A" else "B"
    tampered = f"{head}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1:]}"
    for label, token in (("a token that is not a JWT", "not-a-jwt"), ("a token with an altered signature",
                                                                       tampered)):
        _expect_401(target, rpc.post(target, rpc.initialize_message(), token=token), label)
    if expired is None:
        return Examined(2, "forged tokens", "not a JWT; altered signature",
                        unchecked="expiry: the issuer would not mint a token lasting 1 s")
    time.sleep(max(0.0, minted + 2.2 - time.time()))
    _expect_401(target, rpc.post(target, rpc.initialize_message(), token=expired), "an expired token")
    return Examined(3, "forged tokens", "not a JWT; altered signature; expired")


FOREIGN_AUDIENCE = "urn:contractkit:verify:foreign-resource"


def other_audiences(target: McpTarget) -> list[str]:
    """Audiences that are not this server's: the other resources the spec under test names (other
    servers, the upstream's service-token audience), then one that names no real resource;
    ``--other-audience`` first when given."""
    own = target.contract.auth_audience
    given = getattr(target.options, "other_audience", None)
    return [a for a in dict.fromkeys((given, *target.contract.foreign_audiences, FOREIGN_AUDIENCE)) if a and a != own]


@MCP_CHECKS.register(
    "MCP-AUTH-004", "a token issued for another audience gets 401",
    kind="refusal", clause="MCP authorization: audience validation (RFC 8707); no token passthrough", tags=("auth",),
)
def check_wrong_audience(target: McpTarget) -> Examined:
    """What it does: after a positive control (the same ``initialize`` with a token for this
    server is served), obtains a token for another resource (another audience the spec under
    test names, else a synthetic one that names no resource) with this server's scopes, and
    expects 401.

    Why: without an audience check, a token given to one service can be replayed against another:
    the confused-deputy attack the MCP authorization spec forbids.
    """
    target.require_bearer()
    eras.require(target, "resource_metadata")
    target.positive_control("refusing a token of another audience")
    token, audience, tried = None, "", []
    for audience in other_audiences(target):
        tried.append(audience)
        token = target.tokens.try_token(tuple(target.contract.auth_scopes), audience)
        if token is None:
            token = target.tokens.try_token((), audience)
        if token is not None:
            target.presented.add(token)
            break
    if token is None:
        raise NotVerified(f"the issuer gave the suite's client no token for another audience (tried {tried})")
    _expect_401(target, rpc.post(target, rpc.initialize_message(), token=token), f"a token for audience {audience!r}")
    return Examined(1, "tokens for another audience", audience)


@MCP_CHECKS.register(
    "MCP-AUTH-005", "a token in the query string is refused",
    kind="refusal",
    clause="MCP authorization: tokens MUST NOT be in the URI query string (OAuth 2.1 §5.1.1)", tags=("auth",),
)
def check_query_token(target: McpTarget) -> Examined:
    """What it does: sends ``initialize`` with a valid token in the Authorization header (the
    positive control: it must be served), then the same with the token as ``?access_token=...``
    and no Authorization header; the server must not serve that.

    Why: query strings end up in logs, proxies and browser history.
    """
    target.require_bearer()
    token = target.token()
    control = target.positive_control("refusing a token in the query string", token=token)
    exchange = rpc.post(target, rpc.initialize_message(), query=f"?access_token={token}")
    if rpc.succeeded(exchange):
        raise Violation("the server accepted a token passed in the query string", operation="initialize",
                        evidence=exchange.evidence())
    # no credentials where they belong: 401 (RFC 6750 §3.1 also allows 400 invalid_request)
    refusal.expect(target, exchange, (400, 401), "a token in the query string only")
    return Examined(1 + control, "requests", "token in the query string only; the same request with the "
                    "token in the header was served")


@MCP_CHECKS.register(
    "MCP-AUTH-006", "a tools/call without the tool's scope gets 403 insufficient_scope",
    kind="refusal",
    clause="mcp-servers.yaml servers[].tools[].scope; RFC 6750 §3.1 insufficient_scope", tags=("auth",), applies="tool")
def check_tool_scope(target: McpTarget, tool: ToolContract) -> Examined:
    """What it does: calls the tool with a token of every scope (the positive control: it must be
    served), then opens a session with a token holding the server's other scopes but not the
    tool's (or, when the server has no other scope, a scope of another server), calls the tool,
    and expects 403 with ``error="insufficient_scope"`` and the needed ``scope`` in the challenge.

    Why: per-tool scopes are how the contract gives an agent read access without write access.
    """
    target.require_bearer()
    if not tool.scope:
        raise NotVerified(f"{tool.name} declares no scope")
    others = tuple(s for s in target.contract.auth_scopes if s != tool.scope)
    token = target.tokens.try_token(others) if others else None
    for scope in () if token else target.contract.foreign_scopes:  # a scope of another server, for this one
        token = target.tokens.try_token((scope,))
        if token:
            break
    if token is None:
        raise NotVerified(f"the issuer gave the suite no token for this server without {tool.scope}")
    target.presented.add(token)
    call = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": tool.name, "arguments": _scope_probe_arguments(target, tool)}}
    full = target.token()
    session_id, version = rpc.open_session(target, full)
    try:
        control = rpc.post(target, call, token=full, session_id=session_id, version=version)
    finally:
        rpc.close_session(target, full, session_id)
    skipped = refusal.unjudged(control, f"the positive control (calling {tool.name} with every scope)")
    if skipped is not None:
        raise skipped
    if not (rpc.succeeded(control) and refusal.control(target, control, subject=tool.name, method=refusal.CALL)):
        raise NotVerified(f"positive control failed: calling {tool.name} with every scope got "
                          f"{control.status or control.error}{rpc.unserved(control)}, not a result, so a 403 "
                          f"without {tool.scope} would prove nothing", evidence=control.evidence())
    # Twice: in a session the weaker token opened, and in one a full token opened (the token of
    # each request counts, not the one that started the session).
    for opener, how in ((token, "in its own session"), (target.token(), "in a session opened with a full token")):
        session_id, version = rpc.open_session(target, opener)
        try:
            exchange = rpc.post(target, call, token=token, session_id=session_id, version=version)
        finally:
            rpc.close_session(target, opener, session_id)
        params = challenge(exchange) or {}
        refusal.expect(target, exchange, (403,), f"calling {tool.name} without {tool.scope} {how}",
                       operation=tool.name, subject=tool.name, method=refusal.CALL)
        if params.get("error") != "insufficient_scope" or tool.scope not in params.get("scope", "").split():
            raise Violation(f"403 without a challenge naming error=\"insufficient_scope\" and scope=\"{tool.scope}\"",
                            operation=tool.name, evidence=exchange.evidence())
    return Examined(3, "tools/call requests", f"without {tool.scope}, in a session of its own and in a full one; "
                    "with every scope it was served")


def _scope_probe_arguments(target: McpTarget, tool: ToolContract) -> dict[str, object]:
    """Valid arguments for the scope probes (three calls of the tool's budget). A tool the safety
    policy does not let the suite call gets no probe at all: a server that ignores scopes and does
    not validate arguments would run whatever arrives."""
    policy = target.policy(tool)
    if not policy.may_call:
        raise NotVerified(policy.refusal())
    try:
        target.client()
    except NotVerified as exc:  # no session at all (refused, rate-limited): the control cannot be sent
        raise NotVerified(f"{exc.message}: the positive control of the scope probe could not be sent") from None
    target.listed(tool)  # a tool the server does not list is MCP-TOOLS-001's finding, not a scope to probe
    if target.remaining(tool.name) < 3:
        raise NotVerified(f"the call budget of {tool.name} (max_calls: {policy.budget}) leaves fewer than the three "
                          "calls the scope probes need")
    return dict(tool.examples[0]) if tool.examples else (target.valid_arguments(tool, 1) or [{}])[0]


@MCP_CHECKS.register(
    "MCP-AUTH-007", "requests with a foreign Origin are refused, and a foreign Host should be (DNS rebinding)",
    kind="refusal",
    clause="MCP transports, streamable HTTP: servers MUST validate the Origin header; Host validation (SHOULD)",
    tags=("auth", "transport"),
)
def check_host_origin(target: McpTarget) -> Examined:
    """What it does: sends ``initialize`` as is (the positive control: it must be served), then
    once with ``Origin: http://evil.example``
    and once with ``Host: evil.example``. Serving the foreign Origin fails (the MCP transport spec
    says MUST); serving the foreign Host is a warning.

    Why: a web page can reach a local MCP server through DNS rebinding unless the server checks
    Origin (and Host).
    """
    target.require_http("Host and Origin validation")
    eras.require(target, "streamable_http")
    token = target.caller_token()
    control = target.positive_control("refusing a foreign Origin or Host", token=token)
    served, refused = {}, {}
    for header, value in (("origin", "http://evil.example"), ("host", "evil.example")):
        exchange = rpc.post(target, rpc.initialize_message(), token=token, headers={header: value})
        if rpc.succeeded(exchange):
            served[header] = exchange
        else:
            refused[header] = exchange
    if "origin" in served:
        also = " (and one with Host: evil.example)" if "host" in served else ""
        raise Violation(f"a request with Origin: http://evil.example was served{also}", operation="initialize",
                        evidence=served["origin"].evidence())
    # a foreign Origin is refused with 403 (the transport spec's MUST); then the Host probe
    refusal.expect(target, refused["origin"], (403,), "a request with Origin: http://evil.example")
    if "host" in served:
        raise RuleWarning("a request with Host: evil.example was served (a foreign Origin is refused with 403)",
                          operation="initialize", evidence=served["host"].evidence())
    # the SDK answers 421 Misdirected Request; 400 and 403 are refusals of a foreign Host too
    refusal.expect(target, refused["host"], (400, 403, 421), "a request with Host: evil.example")
    return Examined(2 + control, "requests", "foreign Origin, foreign Host; the same request without them was served")


@MCP_CHECKS.register(
    "MCP-AUTH-008", "the 401 challenge names the scope to ask for",
    kind="observation", clause="MCP authorization 2025-11-25: scope in WWW-Authenticate (SHOULD)", severity="warning",
    tags=("auth",),
)
def check_challenge_scope(target: McpTarget) -> Examined:
    """What it does: after a positive control (the same ``initialize`` with a token is served),
    checks that the 401 challenge to it without a token carries ``scope="..."`` listing scopes
    the spec declares for the server. Missing is a warning (the MCP spec says SHOULD).

    Why: with the scope in the challenge a client asks for the right token the first time.
    """
    target.require_bearer()
    eras.require(target, "challenge_scope")
    target.positive_control("a challenge to a request without a token", token=target.token())
    exchange = rpc.post(target, rpc.initialize_message())
    if exchange.status != 401:
        raise NotVerified(f"no 401 to inspect (got {exchange.status or exchange.error}); see MCP-AUTH-001")
    scopes = (challenge(exchange) or {}).get("scope", "").split()
    if not scopes:
        raise RuleWarning("the 401 challenge has no scope parameter", operation="initialize",
                          evidence=exchange.evidence())
    unknown = sorted(set(scopes) - set(target.contract.auth_scopes))
    if unknown:
        raise Violation(f"the challenge asks for scopes the spec does not declare: {unknown}",
                        operation="initialize", evidence=exchange.evidence())
    return Examined(1, "challenges", f"scope={' '.join(scopes)!r}; the same request with a token was served")
