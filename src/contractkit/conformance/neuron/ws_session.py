"""WebSocket sessions with a declared endpoint (``x-websockets``): the endpoint as the spec gives it,
one connection and what it saw, presenting a token by a declared method, and turns split by their
terminal frames. The WebSocket rules (NEU-WS) and the usage rules (NEU-USE-002) talk through it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import connect

from contractkit.conformance.curl import curl_command
from contractkit.conformance.neuron.frames import Frame
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.neuron.ws_shapes import is_connection_frame, subprotocol_credentials, take_subprotocols
from contractkit.conformance.outcomes import Evidence, NotVerified, Violation
from contractkit.conformance.redaction import REDACTOR, redact
from contractkit.spec import declarations
from contractkit.spec.declarations import Socket
from contractkit.spec.neuron import StreamGrammar, pointer_get
from contractkit.spec.security import scopes_of

_MAX_FRAMES = 2000
_MAX_FRAME_BYTES = 1024 * 1024
_IDLE_S = 5.0
TOKEN_PLACEHOLDER = "{token}"


@dataclass(frozen=True)
class WsEndpoint(Socket):
    """A WebSocket of ``x-websockets`` (the declarations table's ``Socket``: path, declaration, label)
    with what a session needs of it: scopes, auth methods, the turn message, the stream grammar."""

    def __str__(self) -> str:
        return self.label

    @property
    def scopes(self) -> tuple[str, ...]:
        return scopes_of(self.decl.get("security"))  # the first alternative's: alternatives are OR

    @property
    def auth(self) -> dict[str, Any]:
        return self.decl.get("auth") or {}

    @property
    def methods(self) -> list[str]:
        return list(self.auth.get("methods") or ["header"])

    @property
    def close_code(self) -> int | None:
        """The declared ``auth.failure_close_code``; None when undeclared (NEU-WS-001 is then not verified)."""
        code = self.auth.get("failure_close_code")
        return code if isinstance(code, int) and not isinstance(code, bool) else None

    @property
    def ai(self) -> dict[str, Any] | None:
        return self.decl.get("x-ai-operation")

    @property
    def grammar(self) -> StreamGrammar | None:
        return StreamGrammar.read(self.decl.get("x-stream"))

    def kind_of(self, data: Any) -> str:
        grammar = self.grammar
        value = pointer_get(data, grammar.type_field) if grammar and grammar.type_field is not None else None
        return str(value) if value is not None else "?"

    def auth_message(self, token: str) -> dict[str, Any] | None:
        """The first message that authenticates, from ``auth.message`` with the token in place."""
        template = self.auth.get("message")
        return _fill(template, token) if isinstance(template, dict) else None

    def turn_message(self) -> dict[str, Any]:
        """The client message that asks for one answer: ``turn``, else the first client example."""
        turn = self.decl.get("turn")
        if isinstance(turn, dict):
            return dict(turn)
        examples = (self.decl.get("examples") or {}).get("client") or []
        for example in examples:
            if isinstance(example, dict) and TOKEN_PLACEHOLDER not in json.dumps(example):
                return dict(example)
        raise NotVerified(f"{self.label} declares no turn message (turn) to ask for an answer with")


def _fill(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        return {k: _fill(v, token) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, token) for v in node]
    return token if node == TOKEN_PLACEHOLDER else node


@dataclass
class WsSession:
    """What one connection saw: frames received and how it closed."""

    url: str
    label: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str = ""
    handshake_status: int | None = None
    error: str | None = None
    connection: list[Frame] = field(default_factory=list)  # x-stream.connection frames, in no turn
    subprotocol: str | None = None

    def violation(self, message: str) -> Violation:
        return Violation(message, evidence=self.evidence(), operation=self.label)

    def evidence(self, *notes: str) -> Evidence:
        headers = self.headers
        sent = "\n".join([f"WebSocket {self.url}"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
                         + [f"> {m[:300]}" for m in self.sent])
        got = "\n".join([f"< {r[:300]}" for r in self.raw[:20]]
                        + [f"handshake refused: HTTP {self.handshake_status}" if self.handshake_status else "",
                           f"closed: {self.close_code} {self.close_reason}" if self.close_code else "",
                           f"error: {self.error}" if self.error else ""]).strip()
        repro = "websocat " + curl_command("GET", self.url, headers).split(" ", 4)[-1]
        return Evidence(redact(sent), redact(got), redact(repro), [redact(n) for n in notes])


def endpoints_of(spec: Any) -> list[WsEndpoint]:
    return [WsEndpoint(path, decl) for path, decl in spec.websockets.items()]


def converse(neuron: NeuronTarget, ws: WsEndpoint, *, headers: dict[str, str] | None = None,
             messages: list[dict[str, Any]] = (), turns: int = 0, wait_s: float | None = None,  # type: ignore[assignment]
             query: dict[str, str] | None = None) -> WsSession:
    """Connect, send ``messages``, read frames until ``turns`` terminal frames or the close."""
    url = neuron.ws_url(ws.path) + (f"?{urlencode(query)}" if query else "")
    headers = {**neuron.extra_headers, **(headers or {})}
    session = WsSession(url, ws.label, headers)
    headers, subprotocols = take_subprotocols(headers)
    grammar = ws.grammar
    terminal = grammar.terminal if grammar else ()
    timeout = wait_s or neuron.options.request_timeout
    deadline = time.monotonic() + timeout + 5
    try:
        with connect(url, additional_headers=headers, open_timeout=timeout, close_timeout=2,
                     max_size=_MAX_FRAME_BYTES, subprotocols=subprotocols) as conn:  # type: ignore[arg-type]
            session.subprotocol = conn.subprotocol
            for message in messages:
                text = json.dumps(message)
                session.sent.append(text)
                conn.send(text)
            seen_terminal = 0
            while len(session.frames) + len(session.connection) < _MAX_FRAMES:
                remaining = deadline - time.monotonic()
                if session.frames:  # mid-turn, frames flow; a long silence is the end of what we get
                    remaining = min(remaining, _IDLE_S)
                if remaining <= 0:
                    session.error = f"no terminal frame or close within {timeout:g} s"
                    break
                try:
                    raw = conn.recv(timeout=remaining)
                except TimeoutError:
                    session.error = (f"no frame for {_IDLE_S:g} s after {len(session.frames)} frames, and no "
                                     "terminal frame" if session.frames else f"no frame or close within {timeout:g} s")
                    break
                text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
                session.raw.append(text)
                try:
                    data = json.loads(text)
                except ValueError:
                    data = None
                kind = ws.kind_of(data)
                (session.connection if is_connection_frame(grammar, kind) else session.frames).append((kind, data))
                if kind in terminal:
                    seen_terminal += 1
                    if turns and seen_terminal >= turns:
                        break
    except ConnectionClosed as closed:
        rcvd = closed.rcvd
        session.close_code = rcvd.code if rcvd else None
        session.close_reason = rcvd.reason if rcvd else ""
    except InvalidStatus as exc:
        session.handshake_status = exc.response.status_code
    except (InvalidHandshake, OSError, TimeoutError) as exc:
        session.error = f"{type(exc).__name__}: {exc}"
    transport_failed = session.error is not None and not session.frames and session.handshake_status is None
    neuron.client.count_transport(session.error if transport_failed else None)
    return session


def presented_by(ws: WsEndpoint, method: str, token: str) -> tuple[dict[str, str], list[dict[str, Any]],
                                                                    dict[str, str]] | None:
    """(handshake headers, first messages, query) presenting ``token`` by ``method``; None if the spec
    does not say how (a first-message method without ``auth.message``)."""
    if method == "header":
        return {"Authorization": f"Bearer {token}"}, [], {}
    if method == "first_message":
        message = ws.auth_message(token)
        return ({}, [message], {}) if message is not None else None
    if method == "query":
        name = ws.auth.get("query_parameter")
        return ({}, [], {str(name): token}) if name else None
    if method == "subprotocol":
        return subprotocol_credentials(ws.auth, token)
    return None


WS_AUTH_METHODS = ("header", "first_message", "query", "subprotocol")


def good_session(neuron: NeuronTarget, ws: WsEndpoint, method: str, turns: int,
                 extra_headers: dict[str, str] | None = None) -> tuple[WsSession, str]:
    """A connection authenticated by ``method`` with a token of the endpoint's scopes, asking ``turns``
    answers; NotVerified when the spec does not say how to authenticate that way."""
    token = neuron.tokens.token(ws.scopes)
    REDACTOR.add(token)
    presented = presented_by(ws, method, token)
    if presented is None:
        raise NotVerified(f"{ws.label} offers {method} auth but does not say how "
                          "(auth.message / query_parameter / subprotocol)")
    headers, messages, query = presented
    turn = ws.turn_message()
    session = converse(neuron, ws, headers={**headers, **(extra_headers or {})},
                       messages=[*messages] + [turn] * turns, turns=turns, query=query)
    return session, token


def split_turns(frames: list[Frame], terminal: tuple[str, ...]) -> list[list[Frame]]:
    turns, current = [], []
    for frame in frames:
        current.append(frame)
        if frame[0] in terminal:
            turns.append(current)
            current = []
    if current:
        turns.append(current)
    return turns


def ws_turn_for_usage(neuron: NeuronTarget, ws: WsEndpoint) -> tuple[Any, list[Frame], WsSession]:
    """One turn for NEU-USE-002: (the question as a body for the twin, the turn's frames, the session)."""
    if ws.grammar is not None and ws.grammar.type_field is None:
        raise NotVerified(declarations.TYPE_FIELD.reason)
    session, _ = good_session(neuron, ws, ws.methods[0], 1)
    twin_id = (ws.ai or {}).get("stream_of")
    twin = neuron.spec.operation(twin_id) if twin_id else None
    fields = set(((twin.request_schema if twin else None) or {}).get("properties") or {})
    body = {k: v for k, v in ws.turn_message().items() if k in fields}
    return body, session.frames, session
