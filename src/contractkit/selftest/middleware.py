"""Small ASGI middlewares that break one behaviour of a working app: the self-test's scalpels.

Each wraps the reference neuron/ and edits what it answers on the wire, so a variant is the
reference plus one deliberate defect, whatever framework the defect would live in.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

# (path, status, headers, body JSON) -> (status, headers, body JSON) or None to leave it alone
JsonEdit = Callable[[str, int, dict[str, str], Any], tuple[int, dict[str, str], Any] | None]


class EditJsonResponses:
    """Buffers JSON answers (not streams) and lets ``edit`` rewrite status, headers and body."""

    def __init__(self, app: ASGIApp, edit: JsonEdit, *, delay: Callable[[str, Any], float] | None = None) -> None:
        self.app = app
        self.edit = edit
        self.delay = delay

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []
        path = scope.get("path", "")

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            headers = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
            if "json" not in headers.get("content-type", ""):
                if start:
                    await send(start)
                    start = {}
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            await self._finish(path, start, headers, b"".join(chunks), send)

        await self.app(scope, receive, capture)

    async def _finish(self, path: str, start: Message, headers: dict[str, str], raw: bytes, send: Any) -> None:
        status = int(start["status"])
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        edited = self.edit(path, status, dict(headers), body) if body is not None else None
        if edited is not None:
            status, headers, body = edited
            raw = json.dumps(body).encode()
        headers["content-length"] = str(len(raw))
        if self.delay is not None:
            await asyncio.sleep(self.delay(path, body))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.encode(), v.encode()) for k, v in headers.items()]})
        await send({"type": "http.response.body", "body": raw})


class FilterStreamChunks:
    """Drops or rewrites chunks of streamed (SSE) answers on ``path``."""

    def __init__(self, app: ASGIApp, path: str, rewrite: Callable[[bytes], bytes]) -> None:
        self.app = app
        self.path = path
        self.rewrite = rewrite

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") != self.path:
            await self.app(scope, receive, send)
            return

        async def edit(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [(k, v) for k, v in message.get("headers", [])
                                                  if k.lower() != b"content-length"]}
            elif message["type"] == "http.response.body" and message.get("body"):
                message = {**message, "body": self.rewrite(message["body"])}
            await send(message)

        await self.app(scope, receive, edit)


class EchoRequestHeader:
    """Adds ``X-Debug-<name>`` with the request's header value to answers of the given statuses."""

    def __init__(self, app: ASGIApp, header: str, statuses: set[int]) -> None:
        self.app = app
        self.header = header.lower().encode()
        self.statuses = statuses

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = next((v for k, v in scope.get("headers", []) if k.lower() == self.header), None)

        async def edit(message: Message) -> None:
            if message["type"] == "http.response.start" and value and message["status"] in self.statuses:
                message = {**message, "headers": [*message.get("headers", []), (b"x-debug-" + self.header, value)]}
            await send(message)

        await self.app(scope, receive, edit)


def sse_events(chunk: bytes) -> list[bytes]:
    """A chunk split into its events (sse-starlette sends one or more per chunk)."""
    return [e for e in chunk.replace(b"\r\n", b"\n").split(b"\n\n") if e.strip()]


class EditWebSocketFrames:
    """Rewrites the JSON text frames a WebSocket endpoint sends (``edit`` returns None to drop one)."""

    def __init__(self, app: ASGIApp, edit: Callable[[Any], Any]) -> None:
        self.app = app
        self.edit = edit

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return

        async def edit(message: Message) -> None:
            if message["type"] == "websocket.send" and message.get("text"):
                try:
                    frame = json.loads(message["text"])
                except ValueError:
                    frame = None
                if frame is not None:
                    frame = self.edit(frame)
                    if frame is None:
                        return
                    message = {"type": "websocket.send", "text": json.dumps(frame)}
            await send(message)

        await self.app(scope, receive, edit)


class SetResponseHeader:
    """Sets a header on answers of the given statuses (to break a declared header's schema)."""

    def __init__(self, app: ASGIApp, name: str, value: str, statuses: set[int]) -> None:
        self.app = app
        self.name = name.lower().encode()
        self.value = value.encode()
        self.statuses = statuses

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def edit(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in self.statuses:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != self.name]
                message = {**message, "headers": [*headers, (self.name, self.value)]}
            await send(message)

        await self.app(scope, receive, edit)


class ReplaceAnswers:
    """Lets the app handle each HTTP request on ``paths``, then answers a problem of ``status`` instead.

    With ``only_success`` the app's own refusals (401, 403, 404, 422, ...) go through and only the
    answers it would have served (2xx, streams included) are replaced: a target whose auth layer
    works but that serves nothing. Without it every answer on ``paths`` is replaced. A 429 or 503
    carries ``Retry-After``, so the refusal is well-formed and only its vacuity is in question.
    """

    def __init__(self, app: ASGIApp, status: int, *, paths: set[str] | None = None, only_success: bool = False,
                 code: str | None = None) -> None:
        self.app = app
        self.status = status
        self.paths = paths
        self.only_success = only_success
        self.code = code or {404: "not_found", 429: "rate_limited", 503: "service_unavailable"}.get(status, "refused")

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or (self.paths is not None and scope.get("path") not in self.paths):
            await self.app(scope, receive, send)
            return
        replacing = False

        async def edit(message: Message) -> None:
            nonlocal replacing
            if message["type"] == "http.response.start":
                replacing = not self.only_success or 200 <= int(message["status"]) < 300
                if not replacing:
                    await send(message)
                return
            if not replacing:
                await send(message)
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                await self._refuse(scope, send)

        await self.app(scope, receive, edit)

    async def _refuse(self, scope: Scope, send: Any) -> None:
        from contractkit.reference.neuron.middleware import new_request_id
        from contractkit.reference.neuron.problems import PROBLEM_TYPE, problem_body

        rid = (scope.get("state") or {}).get("request_id") or new_request_id()
        raw = json.dumps(problem_body(self.status, self.code, rid, "Refused by the self-test's target.")).encode()
        headers = [(b"content-type", PROBLEM_TYPE.encode()), (b"content-length", str(len(raw)).encode()),
                   (b"x-request-id", rid.encode())]
        if self.status in (429, 503):
            headers.append((b"retry-after", b"1"))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": raw})
