"""The MCP servers' HTTP front door: an OAuth2 resource server as the MCP authorization spec requires.

``ResourceServerGuard`` wraps the SDK's streamable HTTP app. The SDK's own bearer auth has gaps
this kit's contract closes (see docs/mcp.md): scopes are per tool here, challenges name the
needed ``scope``, a missing token is not called ``invalid_token``, and the query string is never
a place for a token. In order, for the MCP endpoint:

1. ``access_token`` in the query string: 400 ``invalid_request`` (tokens go in the header only);
2. no bearer token: 401 ``WWW-Authenticate: Bearer resource_metadata="...", scope="..."``;
3. invalid, expired or another audience's token (RFC 8707): 401 ``error="invalid_token"``;
4. a token with none of the server's scopes, or a ``tools/call`` whose tool scope it lacks:
   403 ``error="insufficient_scope"`` naming the scope;
5. over the declared rate limit for the caller: 429 with ``Retry-After``.

The protected-resource metadata (RFC 9728) is served at
``/.well-known/oauth-protected-resource<mcp path>`` and at the root well-known path. Host and
Origin checks against DNS rebinding are the SDK's (``TransportSecuritySettings``), configured by
``app.py``. The verified caller's client id is put in the ASGI scope for the audit log; the token
itself goes no further than this module.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contractkit.reference.token_issuer.verifier import InvalidTokenError, TokenVerifier, VerifiedToken, bearer_token

CALLER_KEY = "contractkit.caller"
METADATA_PREFIX = "/.well-known/oauth-protected-resource"
MAX_BODY = 4 * 1024 * 1024
RATE_LIMITED = -32029  # server-defined range; not -32000, which SDK clients use for "connection closed"


class RateLimiter:
    """A sliding-window log per key: at most ``requests`` in any ``window_s`` seconds."""

    def __init__(self, requests: int, window_s: float) -> None:
        self.requests = requests
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def admit(self, key: str) -> float | None:
        """None if admitted, else the seconds until the caller may try again."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.requests:
                return max(0.0, hits[0] + self.window_s - now)
            hits.append(now)
            return None


@dataclass
class GuardPolicy:
    """What the guard enforces; the self-test's broken variants switch single duties off."""

    enforce_auth: bool = True  # False: anonymous requests are served (presented tokens still checked)
    enforce_tool_scopes: bool = True
    serve_metadata: bool = True
    refuse_query_tokens: bool = True
    challenge_scope: bool = True


@dataclass
class ResourceServerGuard:
    app: ASGIApp
    server_name: str
    mcp_path: str
    verifier: TokenVerifier
    authorization_servers: list[str]
    server_scopes: tuple[str, ...]
    tool_scopes: dict[str, str]
    rate_limiter: RateLimiter | None = None
    rate_key: str = "client_id"
    resource_url: str | None = None
    policy: GuardPolicy = field(default_factory=GuardPolicy)
    on_denied: Callable[[str, str, str, Any], None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"].rstrip("/") or "/"
        if path in (METADATA_PREFIX, METADATA_PREFIX + self.mcp_path) and self.policy.serve_metadata:
            await _send_json(send, 200, self._metadata(scope), {"cache-control": "max-age=300"})
            return
        if path != self.mcp_path.rstrip("/") or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return

        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if self.policy.refuse_query_tokens and "access_token" in query:
            await self._challenge(send, scope, 400, "invalid_request",
                                  "bearer tokens are accepted in the Authorization header only")
            return
        token = bearer_token(_header(scope, b"authorization"))
        if token is None and not self.policy.enforce_auth:
            await self.app(scope, receive, send)
            return
        if token is None:
            await self._challenge(send, scope, 401, None, "a bearer token is required")
            return
        try:
            verified: VerifiedToken = await anyio.to_thread.run_sync(self.verifier.verify, token)
        except InvalidTokenError as exc:
            await self._challenge(send, scope, 401, "invalid_token", exc.reason)
            return
        if self.server_scopes and not verified.scopes & set(self.server_scopes):
            await self._challenge(send, scope, 403, "insufficient_scope",
                                  "the token holds none of this server's scopes")
            return
        if self.rate_limiter is not None:
            key = {"global": "*", "token": token}.get(self.rate_key, verified.client_id)
            wait = self.rate_limiter.admit(key)
            if wait is not None:
                retry = str(max(1, math.ceil(wait)))
                body = {"jsonrpc": "2.0", "id": None,
                        "error": {"code": RATE_LIMITED, "message": "rate limit exceeded, retry later"}}
                await _send_json(send, 429, body, {"retry-after": retry})
                return

        body = b""
        if scope["method"] == "POST":
            body, too_large = await read_body(receive)
            if too_large:
                await _send_json(send, 413, {"error": "request body too large"})
                return
            needed = self._missing_tool_scope(body, verified)
            if needed is not None:
                tool, scope_name, arguments = needed
                if self.on_denied:
                    self.on_denied(verified.client_id, tool, "denied", arguments)
                await self._challenge(send, scope, 403, "insufficient_scope",
                                      f"the tool {tool} needs the scope {scope_name}", scopes=[scope_name])
                return
        scope[CALLER_KEY] = verified.client_id
        await self.app(scope, replay(body, receive) if scope["method"] == "POST" else receive, send)

    def _missing_tool_scope(self, body: bytes, token: VerifiedToken) -> tuple[str, str, Any] | None:
        if not self.policy.enforce_tool_scopes:
            return None
        try:
            message = json.loads(body)
        except ValueError:
            return None
        for item in message if isinstance(message, list) else [message]:
            if not isinstance(item, dict) or item.get("method") != "tools/call":
                continue
            params = item.get("params") if isinstance(item.get("params"), dict) else {}
            tool = params.get("name")
            needed = self.tool_scopes.get(tool) if isinstance(tool, str) else None
            if needed and needed not in token.scopes:
                return tool, needed, params.get("arguments")
        return None

    def _base_url(self, scope: Scope) -> str:
        host = _header(scope, b"host") or "{}:{}".format(*scope.get("server", ("127.0.0.1", 80)))
        return f"{scope.get('scheme', 'http')}://{host}"

    def _metadata_url(self, scope: Scope) -> str:
        return self._base_url(scope) + METADATA_PREFIX + self.mcp_path

    def _metadata(self, scope: Scope) -> dict[str, Any]:
        return {
            "resource": self.resource_url or self._base_url(scope) + self.mcp_path,
            "authorization_servers": self.authorization_servers,
            "scopes_supported": list(self.server_scopes),
            "bearer_methods_supported": ["header"],
            "resource_name": self.server_name,
        }

    async def _challenge(self, send: Send, scope: Scope, status: int, error: str | None, description: str,
                         scopes: Iterable[str] | None = None) -> None:
        parts = [f'realm="{self.server_name}"']
        if error:
            parts.append(f'error="{error}"')
            parts.append(f'error_description="{description}"')
        if self.policy.serve_metadata:
            parts.append(f'resource_metadata="{self._metadata_url(scope)}"')
        if self.policy.challenge_scope:
            parts.append(f'scope="{" ".join(scopes or self.server_scopes)}"')
        body = {"error": error or "unauthorized", "error_description": description}
        await _send_json(send, status, body, {"www-authenticate": "Bearer " + ", ".join(parts)})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body (``b""`` and True past ``MAX_BODY``), read whole so it can be judged, then replayed."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks), False


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel giving ``body`` once, then the real one (a stream waits on it for the disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send_json(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})
