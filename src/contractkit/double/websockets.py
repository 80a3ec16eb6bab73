"""One ``x-websockets`` endpoint, served: auth by the declared methods, then turns in the grammar.

Auth is the handshake's ``Authorization`` header, a bearer subprotocol (``auth.subprotocol``: the
token after its prefix; the double selects one of its ``protocols``), the query parameter, or a
first message shaped as ``auth.message`` (its ``{token}`` placeholder holds the token) within
``auth_timeout_seconds``; any failure closes with ``failure_close_code`` before a data frame. Once
authenticated, the double sends each connection frame (``x-stream.connection``) once; they belong
to no turn. Each client message valid
against ``client_messages`` is one turn (:mod:`.turns`); an invalid one closes the socket with the
spec's own close code for it (a declared 4xxx code other than the auth failure's), else 1008.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from contractkit.double.auth import AuthFailure
from contractkit.double.faults import FAULTS
from contractkit.double.http_ops import SLOW_EXTRA_S, provider_wait
from contractkit.double.turns import turn_frames, ws_schema_of
from contractkit.errors import ConfigError

if TYPE_CHECKING:
    from contractkit.double.app import NeuronDouble
    from contractkit.double.facts import WsEndpoint

TRY_AGAIN_LATER = 1013
INTERNAL_ERROR = 1011
POLICY_VIOLATION = 1008


class _Close(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def token_in(template: Any, message: Any) -> str | None:
    """The token a first message carries where ``template`` has ``{token}``; None if it is not that message."""
    if isinstance(template, str):
        if "{token}" not in template:
            return "" if message == template else None
        prefix, _, suffix = template.partition("{token}")
        if isinstance(message, str) and message.startswith(prefix) and message.endswith(suffix) \
                and len(message) > len(prefix) + len(suffix):
            return message[len(prefix): len(message) - len(suffix)]
        return None
    if isinstance(template, dict):
        if not isinstance(message, dict):
            return None
        found = ""
        for key, sub in template.items():
            token = token_in(sub, message.get(key))
            if token is None:
                return None
            found = found or token
        return found
    return "" if message == template else None


def endpoint(double: NeuronDouble, ws: WsEndpoint) -> Callable[[WebSocket], Awaitable[None]]:
    auth = ws.auth
    failure_code = int(auth.get("failure_close_code", POLICY_VIOLATION))
    codes = [int(c) for c in (ws.raw.get("close_codes") or {}) if str(c).isdigit()]
    invalid_code = next((c for c in codes if 4000 <= c < 5000 and c != failure_code), POLICY_VIOLATION)
    schema_of = ws_schema_of(double.answers, ws.raw.get("server_messages") or {}, ws.grammar.type_field
                             if ws.grammar else None)
    client_schema = ws.raw.get("client_messages")

    async def handle(websocket: WebSocket) -> None:
        await websocket.accept(subprotocol=selected_protocol(offered_protocols(websocket), auth.get("subprotocol")))
        try:
            authorization = await _authenticate(double, ws, websocket, failure_code)
            client = double.client_of(authorization)
            for kind in ws.grammar.connection if ws.grammar is not None else ():
                frame = double.answers.frame(ws.grammar, schema_of(kind), kind)
                await websocket.send_text(json.dumps(frame, separators=(",", ":")))
            while True:
                text = await _receive(websocket)
                try:
                    message = json.loads(text)
                except ValueError:
                    message = None
                if client_schema and not double.answers.gen.valid(client_schema, message):
                    raise _Close(invalid_code, "invalid message")
                await _turn(double, ws, websocket, client, message, schema_of)
        except _Close as closed:
            await websocket.close(closed.code, closed.reason)
        except WebSocketDisconnect:
            return

    return handle


def offered_protocols(websocket: WebSocket) -> list[str]:
    """The subprotocols the handshake offers (``Sec-WebSocket-Protocol``), in order."""
    return [p.strip() for p in (websocket.headers.get("sec-websocket-protocol") or "").split(",") if p.strip()]


def subprotocol_token(offered: list[str], conf: Any) -> str | None:
    """The token an offered bearer subprotocol carries after ``auth.subprotocol.token_prefix``
    (decoded when its ``encoding`` is base64url; '' when it does not decode); None when none is offered."""
    prefix = conf.get("token_prefix") if isinstance(conf, dict) else None
    if not isinstance(prefix, str) or not prefix:
        return None
    carried = next((p[len(prefix):] for p in offered if p.startswith(prefix)), None)
    if carried is None or conf.get("encoding") != "base64url":
        return carried
    try:
        return base64.urlsafe_b64decode(carried + "=" * (-len(carried) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


def selected_protocol(offered: list[str], conf: Any) -> str | None:
    """The protocol the double selects: the first offered one of ``auth.subprotocol.protocols``,
    never the one that carries the token."""
    protocols = conf.get("protocols") if isinstance(conf, dict) else None
    return next((p for p in offered if isinstance(protocols, list) and p in protocols), None)


async def _receive(websocket: WebSocket, timeout: float | None = None) -> str:
    message = await asyncio.wait_for(websocket.receive(), timeout) if timeout else await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        text = (message.get("bytes") or b"").decode("utf-8", "replace")
    return text


async def _authenticate(double: NeuronDouble, ws: WsEndpoint, websocket: WebSocket, failure_code: int) -> str | None:
    """The caller's ``Authorization`` value once its token is good; _Close with the failure code otherwise."""
    if ws.scopes is None or not double.keeps("authenticate") or not double.keeps("ws_authenticate"):
        return websocket.headers.get("authorization")
    auth = ws.auth
    methods = auth.get("methods") or ["header"]
    query_name = auth.get("query_parameter")
    authorization = None
    carried = subprotocol_token(offered_protocols(websocket), auth.get("subprotocol")) \
        if "subprotocol" in methods else None
    if "header" in methods and websocket.headers.get("authorization"):
        authorization = websocket.headers["authorization"]
    elif carried is not None:
        authorization = "Bearer " + carried
    elif "query" in methods and query_name and websocket.query_params.get(str(query_name)):
        authorization = "Bearer " + websocket.query_params[str(query_name)]
    elif "first_message" in methods and auth.get("message") is not None:
        try:
            first = json.loads(await _receive(websocket, float(auth.get("auth_timeout_seconds", 5))))
        except (TimeoutError, ValueError):
            raise _Close(failure_code, "unauthorized") from None
        token = token_in(auth["message"], first)
        if not token:
            raise _Close(failure_code, "unauthorized")
        authorization = "Bearer " + token
    if authorization is None:
        raise _Close(failure_code, "unauthorized")
    try:
        double.auth.verify(authorization, ws.scopes if double.keeps("enforce_scope") else ())
    except AuthFailure as refused:
        raise _Close(failure_code, refused.error or "unauthorized") from None
    return authorization


async def _turn(double: NeuronDouble, ws: WsEndpoint, websocket: WebSocket, client: str, message: Any,
                schema_of: Callable[[str], Any]) -> None:
    """One answer to one client message, with the fault chosen for it."""
    label = ws.label
    try:
        fault, source = double.plan.choose(label, websocket.headers, "ws")
    except ConfigError as exc:
        raise _Close(POLICY_VIOLATION, exc.one_line()[:120]) from None
    key = hashlib.sha256(json.dumps(message, sort_keys=True).encode()).hexdigest()[:16]
    call = double.record.start(label, "WS", ws.path, client, key, fault, source)
    sent = 0
    try:
        if double.over_limit(client, label, ws.rate_limit) is not None:
            call.status = TRY_AGAIN_LATER
            raise _Close(TRY_AGAIN_LATER, "rate limited")
        played = FAULTS[fault] if fault else None
        if (played is not None and played.acts_on == "transport") or fault == "truncated_body":
            call.stream = "cut"
            await double.abort(websocket.scope)
            raise WebSocketDisconnect(1006)
        if fault == "rate_limited":
            raise _Close(TRY_AGAIN_LATER, "rate limited")
        if fault == "server_error":
            raise _Close(INTERNAL_ERROR, "internal error")
        deadline = (ws.ai.get("deadline_ms") or 0) / 1000 or None
        if fault == "slow":
            await double.sleep((deadline or 2.0) + SLOW_EXTRA_S)
        degraded = False
        if played is not None and played.acts_on == "provider":
            double.health.failure()
            if fault == "provider_timeout":
                await double.sleep(provider_wait(double, deadline))
            degraded = fault != "stream_interrupted"
        family = ws.ai.get("stream_of") or label
        values = list(message.values()) if isinstance(message, dict) else []
        tier = double.facts.tier(ws.ai, values, ws.grammar.usage if ws.grammar else None)
        answer = double.answers.answer(family, None, tier, degraded)
        call.degraded = degraded
        if not degraded and fault != "stream_interrupted":
            double.health.success()
        if ws.grammar is None:
            raise _Close(INTERNAL_ERROR, "the spec declares no x-stream")
        frames = turn_frames(double.answers, ws.grammar, schema_of, answer, fault,
                             terminal=double.keeps("terminal_frame"), defects=double.defects)
        call.stream = "abandoned"
        for _kind, frame in frames:
            if fault == "stream_cut" and sent >= double.settings.cut_after_frames:
                call.stream = "cut"
                await double.abort(websocket.scope)
                raise WebSocketDisconnect(1006)
            if fault == "slow_tokens" and sent:
                await double.sleep(double.settings.slow_token_s)
            if fault == "malformed_json" and sent == 1:
                await websocket.send_text("{\"not json")
            await websocket.send_text(json.dumps(frame, separators=(",", ":")))
            sent += 1
        call.status = 101
        if fault in ("ws_no_terminal", "stream_no_terminal") or not double.keeps("terminal_frame"):
            call.stream = "cut"
            raise _Close(1000, "")
        call.stream = "error" if frames and frames[-1][0] in ws.grammar.errors else "complete"
    finally:
        call.frames = sent
        double.record.finish(call)
