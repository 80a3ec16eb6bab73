"""The helpdesk server over streamable HTTP, as an OAuth2 resource server.

Bearer tokens are RS256 JWTs from an issuer's JWKS, checked by our own verifier (signature, expiry,
audience ``helpdesk-mcp``) and handed to the SDK's bearer middleware (``token_verifier=`` plus
``AuthSettings``), which also serves the RFC 9728 metadata. The SDK has server-wide scopes only, so
a small ASGI layer in front reads the JSON-RPC body and answers 403 ``insufficient_scope`` to a
``tools/call`` whose tool needs a scope the token lacks (the scope per tool is in our contract).
The 401 challenge is the SDK's; ours adds the scope hint the MCP authorization spec recommends.
"""

from __future__ import annotations

import json
import math
import time
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import anyio
import jwt
from helpdesk_audit import AuditLog
from helpdesk_tools import SPEC_PATH, CallLog, Helpdesk
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from starlette.types import ASGIApp, Message, Receive, Scope, Send

AUDIENCE = "helpdesk-mcp"
MAX_BODY = 1 << 20


def tool_scopes() -> dict[str, str]:
    """Each tool's scope, from our contract."""
    import yaml

    server = yaml.safe_load(SPEC_PATH.read_text())["servers"][0]
    return {t["name"]: t["scope"] for t in server["tools"]}


class JwtVerifier:
    """Verifies the issuer's JWTs; ``check_audience=False`` is a planted defect."""

    def __init__(self, jwks_url: str, *, check_audience: bool = True) -> None:
        self.jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300, timeout=5)
        self.check_audience = check_audience

    def decode(self, token: str) -> dict[str, Any] | None:
        try:
            key = self.jwks.get_signing_key_from_jwt(token).key
            return jwt.decode(token, key, algorithms=["RS256"], audience=AUDIENCE if self.check_audience else None,
                              options={"verify_aud": self.check_audience, "require": ["exp", "aud"]})
        except (jwt.PyJWTError, ValueError):
            return None

    async def verify_token(self, token: str) -> AccessToken | None:
        claims = await anyio.to_thread.run_sync(self.decode, token)
        if claims is None:
            return None
        return AccessToken(token=token, client_id=str(claims.get("client_id") or claims.get("sub")),
                           scopes=str(claims.get("scope", "")).split(), expires_at=int(claims["exp"]),
                           resource=AUDIENCE)


class SlidingWindow:
    """At most ``requests`` per ``window_s`` per key; ``admit`` returns 0, or the seconds to wait."""

    def __init__(self, requests: int, window_s: float) -> None:
        self.requests, self.window_s = requests, window_s
        self.seen: dict[str, deque[float]] = {}

    def admit(self, key: str) -> float:
        now = time.monotonic()
        times = self.seen.setdefault(key, deque())
        while times and now - times[0] >= self.window_s:
            times.popleft()
        if len(times) >= self.requests:
            return self.window_s - (now - times[0])
        times.append(now)
        return 0.0


class ToolScopeGuard:
    """ASGI layer: the rate limit per client, per-tool scopes on tools/call (403 insufficient_scope,
    audited as denied), a scope hint on 401."""

    def __init__(self, app: ASGIApp, verifier: JwtVerifier, metadata_url: str, calls: CallLog, audit: AuditLog,
                 *, enforce: bool = True, limit: SlidingWindow | None = None) -> None:
        self.app, self.verifier, self.metadata_url, self.calls = app, verifier, metadata_url, calls
        self.audit, self.limit = audit, limit
        self.scopes = tool_scopes()
        self.enforce = enforce

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, self._with_scope_hint(send))
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                await _respond(send, 413, {"error": "request too large"})
                return
        claims = await self._claims(scope)
        if claims is not None and self.limit is not None:
            wait = self.limit.admit(str(claims.get("client_id") or claims.get("sub")))
            if wait > 0:
                await _respond(send, 429, {"error": "rate_limited"}, headers={"retry-after": str(math.ceil(wait))})
                return
        call = _called_tool(body)
        if call is not None:
            tool, arguments, request_id = call
            self.calls.record(tool, "http")
            needed = self.scopes.get(tool)
            if self.enforce and needed and claims is not None and needed not in str(claims.get("scope", "")).split():
                challenge = (f'Bearer error="insufficient_scope", scope="{needed}", '
                             f'resource_metadata="{self.metadata_url}"')
                self.audit.write(str(claims.get("client_id")), tool, arguments, "denied", request_id)
                await _respond(send, 403, {"error": "insufficient_scope", "error_description": f"needs {needed}"},
                               headers={"www-authenticate": challenge})
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, self._with_scope_hint(send))

    async def _claims(self, scope: Scope) -> dict[str, Any] | None:
        """The valid token's claims, or None (no token or a bad one: the SDK's 401 answers it)."""
        token = bearer_of(dict(scope["headers"]).get(b"authorization", b"").decode("latin-1"))
        return None if token is None else await anyio.to_thread.run_sync(self.verifier.decode, token)

    def _with_scope_hint(self, send: Send) -> Send:
        hint = " ".join(sorted(set(self.scopes.values())))

        async def patched(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                headers = [(k, v + f', scope="{hint}"'.encode() if k.lower() == b"www-authenticate" else v)
                           for k, v in message.get("headers", [])]
                message = {**message, "headers": headers}
            await send(message)

        return patched


def bearer_of(header: str) -> str | None:
    return header[7:].strip() or None if header.lower().startswith("bearer ") else None


def _called_tool(body: bytes) -> tuple[str, Any, Any] | None:
    """(tool, arguments, request id) of a tools/call in the body, or None."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    messages = data if isinstance(data, list) else [data]
    for m in messages:
        if isinstance(m, dict) and m.get("method") == "tools/call" and isinstance(m.get("params"), dict):
            return str(m["params"].get("name")), m["params"].get("arguments"), m.get("id")
    return None


async def _respond(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    raw = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
               *((k.encode(), v.encode()) for k, v in (headers or {}).items())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


def build_http_app(base_url: str, issuer_url: str, jwks_url: str, *, defects: Iterable[str] = (),
                   calls: CallLog | None = None, audit_path: Path | None = None) -> tuple[ASGIApp, Helpdesk]:
    """The ASGI app serving the helpdesk at ``base_url + /mcp``; the Helpdesk holds state and call counts."""
    defects = frozenset(defects)
    verifier = JwtVerifier(jwks_url, check_audience="audience-unchecked" not in defects)
    auth = AuthSettings(issuer_url=issuer_url, resource_server_url=f"{base_url}/mcp", validate_token_resource=False)
    audit = AuditLog(audit_path, skip_tool="get_ticket" if "unaudited-get" in defects else None,
                     redact_values="audit-leaks" not in defects)

    def caller(request: Any) -> str:
        token = bearer_of(request.headers.get("authorization", "")) if request is not None else None
        claims = verifier.decode(token) if token else None
        return str((claims or {}).get("client_id", "anonymous"))

    helpdesk = Helpdesk(defects, calls, audit=audit, caller=caller, token_verifier=verifier, auth=auth)
    app = helpdesk.server.streamable_http_app(streamable_http_path="/mcp", json_response="json-response" in defects,
                                              stateless_http="stateless" in defects)
    metadata_url = f"{base_url}/.well-known/oauth-protected-resource/mcp"
    limit = None if "no-rate-limit" in defects else SlidingWindow(*rate_limit())
    guard = ToolScopeGuard(app, verifier, metadata_url, helpdesk.calls, audit, enforce="scope-unchecked" not in defects,
                           limit=limit)
    return guard, helpdesk


def rate_limit() -> tuple[int, float]:
    """(requests, window seconds) from our contract."""
    import yaml

    declared = yaml.safe_load(SPEC_PATH.read_text())["servers"][0]["rate_limit"]
    return int(declared["requests"]), float(declared["window_seconds"])
