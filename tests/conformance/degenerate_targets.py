"""Degenerate neuron/ targets: real servers on 127.0.0.1 that do one thing to every request.

Each plays a target the suite must never mistake for a conforming one: a wrong base URL (404 to
everything), an auth layer that refuses valid tokens too (401), a gateway that forbids (403), a
target always rate-limited (429 with Retry-After) or broken (500), one that answers ``{}`` or an
empty body with 200, one that resets connections, one that serves each token's first request and
429s the rest, and one whose AI operation answers a repeated question from a cache without calling
the provider. The first ones are tiny ASGI apps (``answer_everything``); the last two wrap the
reference neuron/ (``TokenOnce``, ``CachedAnswers``); the reset target is ``hostile_servers``'s.
"""

from __future__ import annotations

import json
from typing import Any

import jwt

from contractkit.reference.neuron.problems import PROBLEM_TYPE, problem_body

RETRY_AFTER = b"0"  # a valid Retry-After the suite need not sleep on: the matrix stays quick
_CHALLENGES = {401: b'Bearer error="invalid_token"', 403: b'Bearer error="insufficient_scope"'}


async def _drain(receive: Any) -> None:
    """Read the request body to its end (a client still sending would see a reset otherwise)."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return


def _problem(status: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = json.dumps(problem_body(status, {404: "not_found", 429: "rate_limited"}.get(status, "refused"),
                                   "degenerate-0001", "Answered the same way to every request.")).encode()
    headers = [(b"content-type", PROBLEM_TYPE.encode()), (b"x-request-id", b"degenerate-0001")]
    if status in (429, 503):
        headers.append((b"retry-after", RETRY_AFTER))
    if status in _CHALLENGES:
        headers.append((b"www-authenticate", _CHALLENGES[status]))
    return headers, body


async def deny_websocket(status: int, receive: Any, send: Any) -> None:
    """Refuse a WebSocket handshake with an HTTP answer of ``status`` (ASGI websocket denial response)."""
    await receive()  # websocket.connect
    headers, body = _problem(status)
    await send({"type": "websocket.http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "websocket.http.response.body", "body": body})


def answer_everything(status: int, body: bytes | None = None) -> Any:
    """An ASGI app answering every HTTP request with ``status`` (a problem body unless ``body`` is given)
    and every WebSocket with that status too (or, for a 2xx, accepting and sending ``body`` once)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": message["type"] + ".complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] == "websocket":
            if status >= 300:
                await deny_websocket(status, receive, send)
                return
            await receive()
            await send({"type": "websocket.accept"})
            if body:
                await send({"type": "websocket.send", "text": body.decode()})
            await send({"type": "websocket.close", "code": 1000})
            return
        await _drain(receive)
        if body is None:
            headers, raw = _problem(status)
        else:
            headers, raw = [(b"content-type", b"application/json")], body
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(raw)).encode())]})
        await send({"type": "http.response.body", "body": raw})

    return app


class TokenOnce:
    """Serves each valid token's first successful request (the reference answers it) and answers 429
    with Retry-After to everything else: other requests with that token, invalid or missing tokens
    (never shown to the reference's auth layer), every WebSocket. Positive controls succeed; every
    probe after them is rate-limited, which proves nothing."""

    def __init__(self, app: Any, public_key: Any, audiences: list[str]) -> None:
        self.app = app
        self.public_key = public_key
        self.audiences = audiences
        self.served: set[str] = set()

    def _fresh(self, scope: dict[str, Any]) -> str | None:
        headers = dict(scope.get("headers") or [])
        token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")[2].strip()
        if not token or token in self.served:
            return None
        try:
            jwt.decode(token, self.public_key, algorithms=["RS256"], audience=self.audiences)
        except jwt.PyJWTError:
            return None
        return token

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await deny_websocket(429, receive, send)
            return
        token = self._fresh(scope)
        if token is None:
            await _refuse(receive, send)
            return
        replaced = False

        async def once(message: dict[str, Any]) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start":
                replaced = not 200 <= int(message["status"]) < 300
                if replaced:
                    headers, body = _problem(429)
                    await send({"type": "http.response.start", "status": 429,
                                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
                    await send({"type": "http.response.body", "body": body})
                    return
                self.served.add(token)
            if not replaced:
                await send(message)

        await self.app(scope, receive, once)


async def _refuse(receive: Any, send: Any) -> None:
    await _drain(receive)
    headers, body = _problem(429)
    await send({"type": "http.response.start", "status": 429,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class CachedAnswers:
    """Answers a repeated request to ``path`` (same token, same body) from a cache of its first 2xx
    answer, without calling the app (so without calling the provider): the way a cache in front of
    one AI operation hides a provider failure from that operation only."""

    def __init__(self, app: Any, path: str) -> None:
        self.app = app
        self.path = path
        self.cache: dict[tuple[bytes, bytes], list[dict[str, Any]]] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") != self.path:
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message)
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        body = b"".join(m.get("body", b"") for m in chunks)
        key = (dict(scope.get("headers") or []).get(b"authorization", b""), body)
        if key in self.cache:
            for message in self.cache[key]:
                await send(message)
            return
        pending = list(chunks)

        async def replay() -> dict[str, Any]:
            return pending.pop(0) if pending else await receive()

        recorded: list[dict[str, Any]] = []

        async def record(message: dict[str, Any]) -> None:
            recorded.append(message)
            await send(message)

        await self.app(scope, replay, record)
        if recorded and 200 <= int(recorded[0].get("status", 0)) < 300:
            self.cache[key] = recorded
