"""Small MCP servers that count what the suite does to them, as raw ASGI apps served on loopback.

``Plain`` speaks just enough MCP over streamable HTTP (initialize, tools/list, ping, tools/call,
notifications, DELETE) and records every ``tools/call`` it receives. It never validates
arguments: whatever arrives runs. Its knobs play one degeneracy or one misbehaviour each:
``is_error`` (every call is a tool error), ``stream_on_call`` (a call is answered by an event
stream of notifications that never carries the result), ``turn_after``/``turn_to`` (after that
many requests, every request gets that HTTP status), ``status_for`` (every request of a method
gets an HTTP status, a 429 with ``retry_after``) and ``slow_call_s`` (every call takes that
long). Imported by name (tests/ is not a package).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import anyio
from hostile import INIT_RESULT, Receive, Scope, Send, _body, _start

NOTE = (b'data: {"jsonrpc": "2.0", "method": "notifications/message", '
        b'"params": {"level": "info", "data": "working"}}\n\n')


def tool(name: str, *, annotations: dict[str, Any] | None = None) -> dict[str, Any]:
    """A tool taking one required string ``key``, as tools/list advertises it."""
    listed: dict[str, Any] = {"name": name, "description": f"{name} a key.",
                              "inputSchema": {"type": "object", "required": ["key"],
                                              "properties": {"key": {"type": "string", "maxLength": 20}}}}
    if annotations:
        listed["annotations"] = annotations
    return listed


@dataclass
class Plain:
    """The server's state and knobs; the instance is the ASGI app."""

    tools: list[dict[str, Any]]
    is_error: bool = False
    stream_on_call: bool = False
    slow_call_s: float = 0.0
    turn_after: int | None = None
    turn_to: int = 401
    status_for: dict[str, int] = field(default_factory=dict)  # method -> the HTTP status every such request gets
    retry_after: str = "0"  # the Retry-After of a 429 from status_for
    calls: list[tuple[str, Any]] = field(default_factory=list)
    store: list[Any] = field(default_factory=list)
    requests: int = 0
    note_events: int = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await _body(receive)
        self.requests += 1
        if self.turn_after is not None and self.requests > self.turn_after:
            extra = [(b"www-authenticate", b'Bearer error="invalid_token"')] if self.turn_to == 401 else []
            await _start(send, self.turn_to, extra=extra)
            await send({"type": "http.response.body", "body": b'{"error": "gone"}'})
            return
        try:
            message = json.loads(body) if body else {}
        except ValueError:
            message = {}
        method = str(message.get("method", "")) if isinstance(message, dict) else ""
        if scope["method"] != "POST" or method.startswith("notifications/") or "id" not in message:
            await _start(send, {"GET": 405, "DELETE": 200}.get(scope["method"], 202))
            await send({"type": "http.response.body", "body": b""})
            return
        if method in self.status_for:
            status = self.status_for[method]
            extra = {401: [(b"www-authenticate", b'Bearer error="invalid_token"')],
                     429: [(b"retry-after", self.retry_after.encode())]}.get(status, [])
            await _start(send, status, extra=extra)
            await send({"type": "http.response.body", "body": b'{"error": "refused"}'})
            return
        if method == "tools/call":
            await self._call(message, send)
            return
        result: Any = {"initialize": INIT_RESULT, "tools/list": {"tools": self.tools}, "ping": {}}.get(method)
        reply = ({"jsonrpc": "2.0", "id": message["id"], "result": result} if result is not None else
                 {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "no such method"}})
        await _start(send, 200, extra=[(b"mcp-session-id", b"plain-session")])
        await send({"type": "http.response.body", "body": json.dumps(reply).encode()})

    async def _call(self, message: dict[str, Any], send: Send) -> None:
        params = message.get("params") or {}
        name, arguments = params.get("name"), params.get("arguments")
        self.calls.append((name, arguments))
        self.store.append(arguments)  # never validated: whatever arrives is written
        if self.stream_on_call:
            await _start(send, 200, "text/event-stream")
            while True:
                self.note_events += 1
                await send({"type": "http.response.body", "body": NOTE, "more_body": True})
                await anyio.sleep(0.05)
        if self.slow_call_s:
            await anyio.sleep(self.slow_call_s)
        text = "refused" if self.is_error else json.dumps("ok")
        reply = {"jsonrpc": "2.0", "id": message["id"],
                 "result": {"content": [{"type": "text", "text": text}], "isError": self.is_error}}
        await _start(send, 200)
        await send({"type": "http.response.body", "body": json.dumps(reply).encode()})


def spec(tools: list[tuple[str, str]], *, server: str = "plain-mcp", auth: str = "authentication: {type: none}",
         extra: str = "") -> str:
    """An mcp-servers document for a ``Plain`` server: ``tools`` are (name, extra YAML lines of the tool)."""
    lines = ["format: contractkit/mcp-servers@1", "version: 1.0.0", "servers:", f"  - name: {server}",
             "    transports: {streamable_http: {path: /mcp}}", f"    {auth}"]
    lines += [f"    {line}" for line in extra.splitlines() if line.strip()]
    lines.append("    tools:")
    for name, more in tools:
        lines += [f"      - name: {name}", f"        description: {name} a key.",
                  "        parameters: {type: object, required: [key], properties: {key: {type: string, "
                  "maxLength: 20}}}",
                  "        returns: {type: string}", "        examples: [{arguments: {key: k-1}}]"]
        lines += [f"        {line}" for line in more.splitlines() if line.strip()]
    return "\n".join(lines) + "\n"
