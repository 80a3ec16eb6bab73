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


TOOL = {"name": "lookup", "description": "Look a key up.",
        "inputSchema": {"type": "object", "required": ["key"], "properties": {"key": {"type": "string"}}}}


def _huge_text(megabytes: int) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": "x" * (megabytes * 1024 * 1024)}]}


def goes_silent(after: int = 1, *, tool_result_mb: int = 0, echo_version: bool = False,
                hang_on: tuple[str, ...] = ()) -> App:
    """Speaks MCP properly (initialize, tools/list, ping, tools/call) for its first ``after``
    requests (notifications, GET and DELETE not counted), then never answers again. ``after=1``:
    it answers initialize and nothing else. ``tool_result_mb``: every tools/call result carries
    that many MB of text. ``echo_version``: initialize answers whatever version was proposed.
    ``hang_on``: methods it never answers (an old server meeting a new method, say)."""
    call_result = _huge_text(tool_result_mb) if tool_result_mb else {"content": [{"type": "text", "text": "v"}]}
    served = 0

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal served
        if scope["type"] != "http":
            return
        body = await _body(receive)
        method, request_id = _method(body)
        if scope["method"] != "POST" or method.startswith("notifications/"):
            # no server-to-client stream (GET: 405), sessions end (DELETE), notifications accepted
            await _start(send, {"GET": 405, "DELETE": 200}.get(scope["method"], 202))
            await send({"type": "http.response.body", "body": b""})
            return
        served += 1
        if served > after or method in hang_on:
            await anyio.sleep(3600)
            return
        init = dict(INIT_RESULT)
        if echo_version and method == "initialize":
            init["protocolVersion"] = (json.loads(body).get("params") or {}).get("protocolVersion")
        result: Any = {"initialize": init, "tools/list": {"tools": [TOOL]}, "ping": {},
                       "tools/call": call_result}.get(method)
        reply = ({"jsonrpc": "2.0", "id": request_id, "result": result} if result is not None else
                 {"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": "no such method"}})
        await _start(send, 200, extra=[(b"mcp-session-id", b"hostile-session")])
        await send({"type": "http.response.body", "body": json.dumps(reply).encode()})

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


def serve(app: App) -> Any:
    """``serving(app)`` that does not wait for the app's hung handlers when the test is done."""
    from contractkit.servers import serving

    return serving(app, timeout_graceful_shutdown=0.5)


def redirecting(to_url: str) -> App:
    """307 for every request, to ``to_url`` (a server moved from /mcp to /mcp/, or behind a proxy)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await _body(receive)
        await _start(send, 307, extra=[(b"location", to_url.encode())])
        await send({"type": "http.response.body", "body": b""})

    return app
