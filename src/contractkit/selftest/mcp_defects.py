"""The building blocks of the MCP self-test's broken variants: ASGI wrappers and lax verifiers.

Each block breaks one duty the way real servers and proxies get it wrong: a rewritten answer, a
header moved, a check skipped. ``mcp_variants`` applies them to a reference server through its
config's extension points (``wrap_http``, ``verifier_factory``, ``customize``); nothing here is
imported by the reference servers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

import jwt

from contractkit.reference.mcp.resource_server import read_body, replay
from contractkit.reference.token_issuer.verifier import InvalidTokenError, TokenVerifier, VerifiedToken

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def _method(body: bytes) -> str:
    try:
        message = json.loads(body)
    except ValueError:
        return ""
    return str(message.get("method", "")) if isinstance(message, dict) else ""


def _header(scope: Scope, name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == name), "")


def rewrite_answers(app: App, method: str, rewrite: Callable[[bytes], bytes]) -> App:
    """Pass ``rewrite`` over the body of every answer to a ``method`` request (JSON or event stream)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await app(scope, receive, send)
            return
        body, _ = await read_body(receive)
        if _method(body) != method:
            await app(scope, replay(body, receive), send)
            return

        async def send_rewritten(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [(k, v) for k, v in message.get("headers", [])
                                                  if k.lower() != b"content-length"]}
            elif message["type"] == "http.response.body":
                message = {**message, "body": rewrite(message.get("body", b""))}
            await send(message)

        await app(scope, replay(body, receive), send_rewritten)

    return wrapped


def answer_initialize_with(version: str) -> Callable[[App], App]:
    """Whatever version a client proposes, ``initialize`` answers ``version``."""
    pattern = re.compile(rb'"protocolVersion"\s*:\s*"[^"]*"')
    replacement = b'"protocolVersion":"' + version.encode() + b'"'
    return lambda app: rewrite_answers(app, "initialize", lambda body: pattern.sub(replacement, body))


def fail_tools_list_at(version: str) -> Callable[[App], App]:
    """``tools/list`` at ``version`` (the MCP-Protocol-Version header) gets a JSON-RPC internal error."""

    def wrap(app: App) -> App:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if (scope["type"] == "http" and _header(scope, b"mcp-protocol-version") == version
                    and _header(scope, b"mcp-method") == "tools/list"):
                body, _ = await read_body(receive)
                request_id = (json.loads(body) if body else {}).get("id")
                reply = {"jsonrpc": "2.0", "id": request_id, "error": {"code": -32603, "message": "internal error"}}
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": json.dumps(reply).encode()})
                return
            await app(scope, receive, send)

        return wrapped

    return wrap


def query_token_to_header(app: App) -> App:
    """A proxy that "helpfully" moves ``?access_token=`` into the Authorization header."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            token = (query.pop("access_token", None) or [None])[0]
            if token:
                headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
                headers.append((b"authorization", f"Bearer {token}".encode()))
                scope = {**scope, "headers": headers, "query_string": urlencode(query, doseq=True).encode()}
        await app(scope, receive, send)

    return wrapped


def challenge_scope(scope_value: str) -> Callable[[App], App]:
    """Every 401 challenge asks for ``scope_value`` instead of the server's scopes."""
    pattern = re.compile(rb'scope="[^"]*"')

    def wrap(app: App) -> App:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            async def send_changed(message: Message) -> None:
                if message["type"] == "http.response.start" and message.get("status") == 401:
                    message = {**message, "headers": [
                        (k, pattern.sub(b'scope="' + scope_value.encode() + b'"', v)
                         if k.lower() == b"www-authenticate" else v) for k, v in message.get("headers", [])]}
                await send(message)

            await app(scope, receive, send_changed)

        return wrapped

    return wrap


class CallerTokenHolder:
    """Remembers the bearer token of the last request, for a server that passes it upstream."""

    def __init__(self) -> None:
        self.token = ""

    def wrap(self, app: App) -> App:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                value = _header(scope, b"authorization")
                if value.lower().startswith("bearer "):
                    self.token = value[7:]
            await app(scope, receive, send)

        return wrapped

    async def service_token(self) -> str:
        return self.token


class LaxVerifier(TokenVerifier):
    """A verifier that skips one check: the signature (``check="signature"``) or the audience."""

    def __init__(self, audience: str, *, check: str, jwks_url: str) -> None:
        super().__init__(audience, jwks_url=jwks_url)
        self.skip = check

    def verify(self, token: str | None) -> VerifiedToken:
        if self.skip != "signature":
            return self._without_audience(token)
        try:
            # without the signature PyJWT skips every other check unless each is asked for
            claims = jwt.decode(token or "", audience=self.audience, options={
                "verify_signature": False, "verify_aud": True, "verify_exp": True, "require": ["exp", "aud"]})
        except jwt.PyJWTError:
            raise InvalidTokenError("the token is invalid") from None
        return _verified(claims, self.audience)

    def _without_audience(self, token: str | None) -> VerifiedToken:
        try:
            header = jwt.get_unverified_header(token or "")
            claims = jwt.decode(token or "", self._key_for(str(header.get("kid", ""))), algorithms=["RS256"],
                                options={"verify_aud": False, "require": ["exp"]})
        except jwt.PyJWTError:
            raise InvalidTokenError("the token is invalid") from None
        return _verified(claims, self.audience)


def _verified(claims: dict[str, Any], audience: str) -> VerifiedToken:
    scope = claims.get("scope", "")
    return VerifiedToken(client_id=str(claims.get("client_id") or claims.get("sub") or ""),
                         scopes=frozenset(scope.split() if isinstance(scope, str) else scope),
                         audience=audience, expires_at=int(claims.get("exp", 0)), claims=claims)
