"""WebSocket rules (``x-websockets``): auth closes before any data, frames, mid-stream failures.

The endpoint's declaration gives everything: its auth methods (handshake header, a first message
shaped as ``auth.message`` says, a query parameter), the close code for auth failures, the
server messages' schema, the stream grammar (``x-stream``: where a message names its type, which
types open, carry deltas, end or fail a turn) and the message that asks for one answer (``turn``).
The same grammar judgement as the SSE stream is applied.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import connect

from contractkit.conformance.curl import curl_command
from contractkit.conformance.ledger import LEDGER, Verdict
from contractkit.conformance.neuron.auth import expired_token, forged_tokens, reflected
from contractkit.conformance.neuron.frames import Frame, frame_schema_problems, grammar_problems
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.neuron.ws_shapes import (
    echoed_token,
    is_connection_frame,
    subprotocol_credentials,
    take_subprotocols,
)
from contractkit.conformance.outcomes import Evidence, Examined, NotVerified, Violation
from contractkit.conformance.redaction import REDACTOR, redact
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.spec import declarations
from contractkit.spec.neuron import StreamGrammar, pointer_get
from contractkit.spec.security import scopes_of

_MAX_FRAMES = 2000
_MAX_FRAME_BYTES = 1024 * 1024
_IDLE_S = 5.0
TOKEN_PLACEHOLDER = "{token}"


@dataclass
class WsEndpoint:
    path: str
    decl: dict[str, Any]

    @property
    def label(self) -> str:
        return f"WS {self.path}"

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


def _credentials(ws: WsEndpoint, method: str, token: str) -> tuple[dict[str, str], list[dict[str, Any]],
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


def _bad_credentials(neuron: NeuronTarget, ws: WsEndpoint) -> list[tuple[str, str, str]]:
    """(what, method, token) that must each be refused."""
    fake = type("Op", (), {"scopes": ws.scopes})()
    bad = [("malformed token", "not-a-token")] + [(w, t) for w, t in forged_tokens(neuron, fake)]  # type: ignore[arg-type]
    if neuron.tokens.available:
        with contextlib.suppress(NotVerified):
            bad.append(("expired token", expired_token(neuron, fake)))  # type: ignore[arg-type]
        others = [s for s in neuron.spec.all_scopes if s not in ws.scopes]
        if others:
            with contextlib.suppress(NotVerified):
                bad.append(("token without the scope", neuron.tokens.token(others)))
    return [(f"{what} by {method}", method, token) for what, token in bad for method in ws.methods]


@NEURON_CHECKS.register("NEU-WS-001", "WebSocket auth failures close with the declared code before any data frame",
                        kind="refusal",
                        clause="docs/extensions.md#x-websockets (auth.failure_close_code); RFC 6455 section 7.4",
                        applies="websocket")
def ws_auth(neuron: NeuronTarget, ws: WsEndpoint) -> Examined:
    """What it does: for every declared auth method, first opens the WebSocket with a valid token
    by that method and asks for an answer (the positive control); then with a malformed, forged,
    expired or unscoped token by that method, and with a turn message before any auth; each must
    be closed with the declared code before any data frame. A handshake refused with 401/403 is
    accepted too. A method whose control failed, or that the suite does not know, is named as not
    examined.

    Why: a socket that streams first and checks later has already leaked the answer.
    """
    if reason := declarations.gap("NEU-WS-001", neuron.spec, ws):
        raise NotVerified(reason)
    turn = ws.turn_message()
    unchecked, controlled = [], []
    for method in ws.methods:
        if method not in AUTH_METHODS:
            unchecked.append(f"the auth method {method!r} is not one the suite knows ({', '.join(AUTH_METHODS)})")
            continue
        try:
            control, _ = good_session(neuron, ws, method, 1)
        except NotVerified as exc:
            unchecked.append(exc.message)
            continue
        if LEDGER.control(ws.label, f"ws:{method}", control, ok=_answered(ws, control, 1)):
            controlled.append(method)
        else:
            unchecked.append(f"positive control by {method} failed: with a valid token the socket gave no complete "
                             f"turn ({control.handshake_status or control.close_code or control.error})")
    if not controlled:
        raise NotVerified("; ".join(unchecked))
    cases = 0
    for what, method, token in _bad_credentials(neuron, ws):
        presented = _credentials(ws, method, token)
        if method not in controlled or presented is None:
            continue
        headers, messages, query = presented
        session = converse(neuron, ws, headers=headers, messages=[*messages, turn], turns=1, query=query)
        _expect_refused(ws, session, what, method)
        cases += 1
    before_auth = [m for m in controlled if m != "header"]
    if before_auth:
        _expect_refused(ws, converse(neuron, ws, messages=[turn], turns=1), "a turn message before any auth",
                        before_auth[0])
        cases += 1
    return Examined(cases, "refused connections", f"after a positive control by {', '.join(controlled)}",
                    "; ".join(unchecked))


AUTH_METHODS = ("header", "first_message", "query", "subprotocol")
_SILENT = -1  # connected, then neither data nor a close: the server's answer, not a lost connection


def _expect_refused(ws: WsEndpoint, session: WsSession, what: str, method: str) -> None:
    """Closed with the declared code (or a 401/403 handshake) before any data frame; a 429 handshake or
    a connection that failed is rate-limited/unanswered (recorded in the ledger, not a refusal)."""
    data = [k for k, _ in session.frames]
    if data:
        raise session.violation(f"{what}: the server sent {data[:3]} instead of closing with {ws.close_code}")
    silent = session.error is not None and session.error.startswith(("no frame", "no terminal frame"))
    got = session.handshake_status or session.close_code or (_SILENT if silent else None)
    verdict = LEDGER.refused(ws.label, f"ws:{method}", session, {401, 403, ws.close_code}, got=got)
    if verdict is Verdict.OTHER:
        seen = f"closed with {session.close_code}" if session.close_code else (
            f"handshake answered {session.handshake_status}" if session.handshake_status else session.error)
        raise session.violation(f"{what}: expected close code {ws.close_code}, {seen}")


def good_session(neuron: NeuronTarget, ws: WsEndpoint, method: str, turns: int,
                 extra_headers: dict[str, str] | None = None) -> tuple[WsSession, str]:
    """A connection authenticated by ``method`` with a token of the endpoint's scopes, asking ``turns``
    answers; NotVerified when the spec does not say how to authenticate that way."""
    token = neuron.tokens.token(ws.scopes)
    REDACTOR.add(token)
    presented = _credentials(ws, method, token)
    if presented is None:
        raise NotVerified(f"{ws.label} offers {method} auth but does not say how "
                          "(auth.message / query_parameter / subprotocol)")
    headers, messages, query = presented
    turn = ws.turn_message()
    session = converse(neuron, ws, headers={**headers, **(extra_headers or {})},
                       messages=[*messages] + [turn] * turns, turns=turns, query=query)
    return session, token


def _answered(ws: WsEndpoint, session: WsSession, turns: int) -> bool:
    grammar = ws.grammar
    return grammar is not None and len([k for k, _ in session.frames if k in grammar.terminal]) >= turns


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


@NEURON_CHECKS.register("NEU-WS-002", "WebSocket turns: declared frames, ordered, exactly one terminal frame each",
                        kind="observation",
                        clause="docs/extensions.md#x-websockets (server_messages, x-stream)", applies="websocket")
def ws_frames(neuron: NeuronTarget, ws: WsEndpoint) -> Examined:
    """What it does: authenticates by every declared method, asks for answers and checks each
    turn: every frame valid against ``server_messages`` (whatever its combinator) and of a type
    ``x-stream`` names, the grammar of ``x-stream``; the token is never echoed in a frame.

    Why: browsers (experience/) render these frames as they arrive.
    """
    grammar = ws.grammar
    if grammar is None:
        raise NotVerified(f"{ws.label} declares no x-stream")
    if reason := declarations.gap("NEU-WS-002", neuron.spec, ws):
        raise NotVerified(reason)
    turns = max(1, neuron.profile.stream_turns)
    union = ws.decl.get("server_messages")
    frames_seen, unchecked = 0, []
    if not isinstance(union, dict):
        unchecked.append("the endpoint declares no server_messages schema, so frames were not validated")
    for method in ws.methods:
        try:
            session, token = good_session(neuron, ws, method, turns)
        except NotVerified as exc:
            unchecked.append(exc.message)
            continue
        chunks = split_turns(session.frames, grammar.terminal)
        lost = session.error is not None and not session.error.startswith(("no frame", "no terminal frame"))
        if not session.frames and (session.handshake_status is not None or lost):  # refused or unanswered
            unchecked.append(f"authenticated by {method}, the connection was "
                             + (f"refused with HTTP {session.handshake_status}" if session.handshake_status
                                else f"not answered ({session.error})"))
            continue
        if session.close_code and len(chunks) < turns:
            raise session.violation(f"authenticated by {method}, the connection was refused or closed early "
                                    f"({session.handshake_status or session.close_code} {session.close_reason})")
        problems = frame_schema_problems(neuron.spec, session.connection + session.frames, union=union,
                                         declared=grammar.names)
        if len([c for c in chunks if c[-1][0] in grammar.terminal]) < turns:
            problems.append(f"{turns} turns asked, {len(chunks)} answered with a terminal frame"
                            + (f" ({session.error})" if session.error else ""))
        for chunk in chunks:
            problems += grammar_problems(chunk, grammar)
        if problems:
            raise session.violation(f"authenticated by {method}: {problems[0]}")
        where = reflected_in_frames(session, token)
        if where:
            raise session.violation(f"the token came back in a frame: {where}")
        echoed = echoed_token(ws.auth, session.subprotocol)
        if echoed:
            raise session.violation(echoed)
        frames_seen += len(session.frames)
    if not frames_seen:
        raise NotVerified("; ".join(unchecked) or "no frame was received")
    return Examined(frames_seen, "frames", f"by {', '.join(ws.methods)}", "; ".join(unchecked))


def reflected_in_frames(session: WsSession, token: str) -> str | None:
    for raw in session.raw:
        fake = type("E", (), {"text": raw, "headers": {}})()
        if reflected(fake, [token]):  # type: ignore[arg-type]
            return raw[:80]
    return None


@NEURON_CHECKS.register("NEU-WS-003", "A provider failure mid-stream ends the WebSocket turn with an error frame",
                        kind="fault", clause="docs/extensions.md#x-websockets (x-stream errors); "
                               "docs/extensions.md#x-fault-injection (stream_interrupted)",
                        tags=("disruptive",), applies="websocket")
def ws_midstream_failure(neuron: NeuronTarget, ws: WsEndpoint) -> Examined:
    """What it does: breaks the provider's stream after a few tokens during a WebSocket turn;
    the turn must end with exactly one error frame and the socket must not just drop. The
    failure counts only when it is seen to happen.

    Why: the browser must be able to tell a broken answer from a finished one.
    """
    from contractkit.conformance.neuron.sse import judge_interrupted

    if ws.grammar is not None and ws.grammar.type_field is None:
        raise NotVerified(declarations.TYPE_FIELD.reason)

    def run(headers: dict[str, str]) -> tuple[list[Frame], WsSession]:
        session, _ = good_session(neuron, ws, ws.methods[0], 1, headers)
        chunks = split_turns(session.frames, ws.grammar.terminal if ws.grammar else ())
        return (chunks[0] if chunks else []), session  # no frame: judged by whether the fault reached it

    return judge_interrupted(neuron, ws, run)


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
