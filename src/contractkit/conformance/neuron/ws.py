"""WebSocket rules (``x-websockets``): auth closes before any data, frames, mid-stream failures.

The endpoint's declaration gives everything: its auth methods (handshake header, a first message
shaped as ``auth.message`` says, a query parameter), the close code for auth failures, the
server messages' schema, the stream grammar (``x-stream``: where a message names its type, which
types open, carry deltas, end or fail a turn) and the message that asks for one answer (``turn``).
The same grammar judgement as the SSE stream is applied.
"""

from __future__ import annotations

import contextlib

from contractkit.conformance.ledger import LEDGER, Verdict
from contractkit.conformance.neuron.bad_tokens import expired_token, forged_tokens, reflected
from contractkit.conformance.neuron.frames import Frame, frame_schema_problems, grammar_problems
from contractkit.conformance.neuron.interrupted import judge_interrupted
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.neuron.ws_session import (
    WS_AUTH_METHODS,
    WsEndpoint,
    WsSession,
    converse,
    good_session,
    presented_by,
    split_turns,
)
from contractkit.conformance.neuron.ws_shapes import (
    echoed_token,
)
from contractkit.conformance.outcomes import Examined, NotVerified
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.spec import declarations


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
        if method not in WS_AUTH_METHODS:
            unchecked.append(f"the auth method {method!r} is not one the suite knows ({', '.join(WS_AUTH_METHODS)})")
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
        presented = presented_by(ws, method, token)
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


def _answered(ws: WsEndpoint, session: WsSession, turns: int) -> bool:
    grammar = ws.grammar
    return grammar is not None and len([k for k, _ in session.frames if k in grammar.terminal]) >= turns


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
        raise NotVerified(declarations.STREAM.reason)
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
    if ws.grammar is not None and ws.grammar.type_field is None:
        raise NotVerified(declarations.TYPE_FIELD.reason)

    def run(headers: dict[str, str]) -> tuple[list[Frame], WsSession]:
        session, _ = good_session(neuron, ws, ws.methods[0], 1, headers)
        chunks = split_turns(session.frames, ws.grammar.terminal if ws.grammar else ())
        return (chunks[0] if chunks else []), session  # no frame: judged by whether the fault reached it

    return judge_interrupted(neuron, ws, run)
