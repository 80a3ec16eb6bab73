"""Pure ASGI middleware: a request id on every answer, and the 64 KiB body limit.

The request id is taken from a well-formed incoming ``X-Request-ID`` or minted; it is stored in
``scope["state"]`` so handlers, problem bodies and stream frames all use the same one.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from contractkit.reference.neuron.contract import MAX_BODY_BYTES
from contractkit.reference.neuron.problems import PROBLEM_TYPE, problem_body

_RID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


class RequestContextMiddleware:
    """Sets the request id, adds ``X-Request-ID`` to every HTTP answer, refuses oversized bodies."""

    def __init__(self, app: Any, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _RID.match(incoming) else new_request_id()
        scope.setdefault("state", {})["request_id"] = rid
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_body:
            await _send_too_large(send, rid)
            return

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                raw = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                raw.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": raw}
            await send(message)

        await self.app(scope, receive, send_with_id)


async def _send_too_large(send: Any, rid: str) -> None:
    body = json.dumps(problem_body(413, "payload_too_large", rid, "The request body is larger than 64 KiB.")).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", PROBLEM_TYPE.encode()), (b"content-length", str(len(body)).encode()),
        (b"x-request-id", rid.encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
