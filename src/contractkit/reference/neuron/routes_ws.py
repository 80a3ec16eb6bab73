"""``/chat/ws``: streaming chat over WebSocket, as the spec's ``x-websockets`` entry declares.

Auth by the handshake's ``Authorization`` header, by a bearer subprotocol in
``Sec-WebSocket-Protocol`` (``auth.subprotocol``: a prefix and the token, base64url-encoded; the
server selects the real protocol offered with it, never the token), or by a first ``auth``
message within ``auth_timeout_seconds``; on failure the server accepts, then closes with
``failure_close_code`` (1008) and the error code as reason before any data frame. Once
authenticated it sends one ``session`` frame (a connection frame, ``x-stream.connection``), then
answers each ``message`` with the frames of :mod:`frames`; an exhausted rate limit closes with 1013.
The two checks are looked up in ``app.dependency_overrides`` (keys ``authenticate`` /
``authorize`` of :mod:`security`), so a variant changes WebSocket auth the same way it changes
HTTP auth.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import inspect
import json
import secrets
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from contractkit.reference.neuron.contract import MAX_BODY_BYTES
from contractkit.reference.neuron.frames import chat_frames
from contractkit.reference.neuron.middleware import new_request_id
from contractkit.reference.neuron.problems import ProblemError
from contractkit.reference.neuron.security import authenticate, authorize, check_scope, check_token
from contractkit.reference.neuron.state import NeuronState
from contractkit.reference.token_issuer.verifier import VerifiedToken

router = APIRouter()
WS_KEY = "WS /chat/ws"


class _Closed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


async def _receive_text(websocket: WebSocket, timeout: float | None = None) -> str:
    message = await asyncio.wait_for(websocket.receive(), timeout) if timeout else await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        data = message.get("bytes") or b""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _Closed(1003, "unsupported_data") from None
    if len(text.encode("utf-8")) > MAX_BODY_BYTES:
        raise _Closed(1009, "message_too_big")
    return text


def offered_subprotocols(websocket: WebSocket) -> list[str]:
    raw = websocket.headers.get("sec-websocket-protocol") or ""
    return [p.strip() for p in raw.split(",") if p.strip()]


def subprotocol_token(offered: list[str], conf: Any) -> str | None:
    """The token a bearer subprotocol carries (``auth.subprotocol``), or None if none is offered."""
    if not isinstance(conf, dict) or not isinstance(conf.get("token_prefix"), str):
        return None
    prefix = conf["token_prefix"]
    for protocol in offered:
        if protocol.startswith(prefix):
            value = protocol[len(prefix):]
            if conf.get("encoding") != "base64url":
                return value
            try:
                return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return ""
    return None


def selected_subprotocol(offered: list[str], conf: Any) -> str | None:
    """The real protocol to select among the offered ones (never the one carrying the token)."""
    protocols = (conf or {}).get("protocols") or [] if isinstance(conf, dict) else []
    return next((p for p in offered if p in protocols), None)


async def _token(websocket: WebSocket, state: NeuronState, auth_timeout: float) -> VerifiedToken:
    """Header auth if the handshake had one, else a bearer subprotocol, else the first message
    must be ``auth``."""
    overrides = websocket.app.dependency_overrides
    verify = overrides.get(authenticate)
    header = websocket.headers.get("authorization")
    carried = subprotocol_token(offered_subprotocols(websocket), state.contract.ws.get("auth", {}).get("subprotocol"))
    if header is None and carried is not None:
        header = "Bearer " + carried
    if header is None:
        try:
            first = json.loads(await _receive_text(websocket, auth_timeout))
        except (TimeoutError, ValueError):
            raise ProblemError(401, "unauthorized") from None
        if not isinstance(first, dict) or first.get("type") != "auth" or not isinstance(first.get("token"), str):
            raise ProblemError(401, "unauthorized")
        header = "Bearer " + first["token"]
    token = await _maybe_await(verify(websocket)) if verify is not None else check_token(state, header)
    scoped = overrides.get(authorize)
    if scoped is not None:
        return await _maybe_await(scoped(websocket, token))
    return check_scope(token, state.contract.operations[WS_KEY].scope)


def session_frame(token: VerifiedToken) -> dict[str, Any]:
    """The connection frame sent once authenticated, before the first turn."""
    return {"type": "session", "session_id": "ses_" + secrets.token_hex(8), "client_id": token.client_id}


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


@router.websocket("/chat/ws")
async def chat_ws(websocket: WebSocket) -> None:
    state: NeuronState = websocket.app.state.neuron
    op = state.contract.operations[WS_KEY]
    auth_conf: dict[str, Any] = state.contract.ws.get("auth", {})
    await websocket.accept(subprotocol=selected_subprotocol(offered_subprotocols(websocket),
                                                           auth_conf.get("subprotocol")))
    try:
        try:
            token = await _token(websocket, state, float(auth_conf.get("auth_timeout_seconds", 5)))
        except ProblemError as exc:
            raise _Closed(int(auth_conf.get("failure_close_code", 1008)), exc.code) from None
        if "session" in (state.contract.ws.get("x-stream") or {}).get("connection", ()):
            await websocket.send_json(session_frame(token))
        validator = state.contract.validator("ChatWsMessage")
        while True:
            raw = await _receive_text(websocket)
            limited = op.rate_limit is not None and state.settings.rate_limits
            if limited and not state.limiter.hit(token.client_id, op.key, op.rate_limit).allowed:
                raise _Closed(1013, "rate_limited")
            request_id = new_request_id()
            try:
                message = json.loads(raw)
            except ValueError:
                message = None
            if not validator.is_valid(message):
                await websocket.send_json({"type": "error", "code": "validation_error",
                                           "message": "The message is not a valid chat message.",
                                           "request_id": request_id, "retryable": False,
                                           "token_count": 0, "cost_usd": 0.0})
                continue
            async for frame in chat_frames(state, op, request_id, message, dict(websocket.headers)):
                await websocket.send_json(frame)
    except _Closed as closed:
        await websocket.close(code=closed.code, reason=closed.reason)
    except WebSocketDisconnect:
        return
