"""Hostile and broken MCP endpoints, as raw ASGI apps served on loopback by the tests.

Each one breaks the suite's assumptions in one way a real server (or a proxy in front of it) can:
it refuses everything, trickles its answer, sends a huge or garbage body, stops answering after
``initialize``, or floods notifications instead of answering. Imported by name (tests/ is not a
package); serve one with ``contractkit.servers.serving(app)``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

INIT_RESULT = {"protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
               "serverInfo": {"name": "hostile", "version": "1"}}


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _start(send: Send, status: int, content_type: str = "application/json",
                 extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", content_type.encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})


def _method(body: bytes) -> tuple[str, Any]:
    try:
        message = json.loads(body)
    except ValueError:
        return "", None
    return (str(message.get("method", "")), message.get("id")) if isinstance(message, dict) else ("", None)


def refusing(status: int) -> App:
    """Every request gets ``status`` (401 with a Bearer challenge, 404, 429 with Retry-After ...)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await _body(receive)
        extra = []
        if status == 401:
            extra.append((b"www-authenticate", b'Bearer error="invalid_token"'))
        if status == 429:
            extra.append((b"retry-after", b"0"))
        await _start(send, status, extra=extra)
        await send({"type": "http.response.body", "body": b'{"error": "refused"}'})

    return app


def trickle(byte_every_s: float = 1.0) -> App:
    """A 200 whose body arrives one byte per ``byte_every_s``, never ending."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await _body(receive)
        await _start(send, 200)
        while True:
            await send({"type": "http.response.body", "body": b" ", "more_body": True})
            await anyio.sleep(byte_every_s)

    return app


def huge(megabytes: int = 50) -> App:
    """A 200 with a JSON body of ``megabytes`` MB, sent as fast as it is read."""
    chunk = b'"' + b"x" * (1024 * 1024 - 2) + b'"'

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await _body(receive)
        await _start(send, 200)
        await send({"type": "http.response.body", "body": b"[", "more_body": True})
        for index in range(megabytes):
            await send({"type": "http.response.body", "body": (b"," if index else b"") + chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"]"})

    return app


def garbage() -> App:
    """A 200 labelled JSON whose body is not JSON (nor anything else)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await _body(receive)
        await _start(send, 200)
        await send({"type": "http.response.body", "body": bytes(range(256)) * 8})

    return app


def hang_after_initialize() -> App:
    """Answers ``initialize`` properly, accepts notifications, then never answers anything again."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method, request_id = _method(await _body(receive))
        if scope["method"] == "POST" and method == "initialize":
            await _start(send, 200, extra=[(b"mcp-session-id", b"hostile-session")])
            reply = {"jsonrpc": "2.0", "id": request_id, "result": INIT_RESULT}
            await send({"type": "http.response.body", "body": json.dumps(reply).encode()})
            return
        if scope["method"] == "POST" and method.startswith("notifications/"):
            await _start(send, 202)
            await send({"type": "http.response.body", "body": b""})
            return
        await anyio.sleep(3600)

    return app


def notification_flood() -> App:
    """Answers every POST with an event stream of progress notifications that never carries the result."""
    event = b'data: {"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", ' \
            b'"data": "' + b"n" * 200 + b'"}}\n\n'

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await _body(receive)
        await _start(send, 200, "text/event-stream")
        while True:
            await send({"type": "http.response.body", "body": event * 50, "more_body": True})
            await anyio.sleep(0.001)

    return app
