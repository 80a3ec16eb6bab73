"""WebSocket rules (``x-websockets``): auth closes with 1008 before any data, frames, failures.

The endpoint's declaration gives everything: its auth methods (handshake header, first
``auth`` message), the close code for auth failures, the server frames' schemas and the
terminal frame types. The same frame grammar as the SSE stream is applied.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import connect

from contractkit.conformance.curl import curl_command
from contractkit.conformance.neuron.auth import expired_token, forged_tokens, reflected
from contractkit.conformance.neuron.fb import driver_for
from contractkit.conformance.neuron.frames import frame_schema_problems, grammar_problems
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import Evidence, NotVerified, Violation
from contractkit.conformance.redaction import REDACTOR, redact
from contractkit.conformance.registry import NEURON_CHECKS

_MAX_FRAMES = 2000
_MAX_FRAME_BYTES = 1024 * 1024
_IDLE_S = 5.0


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
        return tuple(sorted({s for req in self.decl.get("security") or [] for ss in req.values() for s in ss}))

    @property
    def auth(self) -> dict[str, Any]:
        return self.decl.get("auth") or {}

    @property
    def close_code(self) -> int:
        return int(self.auth.get("failure_close_code", 1008))

    @property
    def terminal(self) -> list[str]:
        return list(self.decl.get("terminal_messages") or ["done", "error"])


@dataclass
class WsSession:
    """What one connection saw: frames received and how it closed."""

    url: str
    sent: list[str] = field(default_factory=list)
    frames: list[tuple[str, Any]] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str = ""
    handshake_status: int | None = None
    error: str | None = None

    def evidence(self, headers: dict[str, str] | None = None, *notes: str) -> Evidence:
        sent = "\n".join([f"WebSocket {self.url}"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
                         + [f"> {m[:300]}" for m in self.sent])
        got = "\n".join([f"< {r[:300]}" for r in self.raw[:20]]
                        + [f"handshake refused: HTTP {self.handshake_status}" if self.handshake_status else "",
                           f"closed: {self.close_code} {self.close_reason}" if self.close_code else "",
                           f"error: {self.error}" if self.error else ""]).strip()
        repro = "websocat " + curl_command("GET", self.url, headers).split(" ", 4)[-1]
        return Evidence(redact(sent), redact(got), redact(repro), [redact(n) for n in notes])


def endpoints(neuron: NeuronTarget) -> list[WsEndpoint]:
    return endpoints_of(neuron.spec)


def endpoints_of(spec: Any) -> list[WsEndpoint]:
    return [WsEndpoint(path, decl) for path, decl in spec.websockets.items()]


def server_schemas(neuron: NeuronTarget, ws: WsEndpoint) -> dict[str, Any]:
    out: dict[str, Any] = {}
    options = (ws.decl.get("server_messages") or {}).get("oneOf") or []
    for ref in options:
        schema = neuron.spec.deref(ref) or {}
        const = ((schema.get("properties") or {}).get("type") or {}).get("const")
        if const:
            out[const] = ref
    return out


def converse(neuron: NeuronTarget, ws: WsEndpoint, *, headers: dict[str, str] | None = None,
             messages: list[dict[str, Any]] = (), turns: int = 0, wait_s: float | None = None) -> WsSession:  # type: ignore[assignment]
    """Connect, send ``messages``, read frames until ``turns`` terminal frames or the close."""
    url = neuron.ws_url(ws.path)
    session = WsSession(url)
    timeout = wait_s or neuron.options.request_timeout
    deadline = time.monotonic() + timeout + 5
    try:
        with connect(url, additional_headers=headers or {}, open_timeout=timeout, close_timeout=2,
                     max_size=_MAX_FRAME_BYTES) as conn:
            for message in messages:
                text = json.dumps(message)
                session.sent.append(text)
                conn.send(text)
            seen_terminal = 0
            while len(session.frames) < _MAX_FRAMES:
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
                session.frames.append((str(data.get("type")) if isinstance(data, dict) else "?", data))
                if session.frames[-1][0] in ws.terminal:
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
    return session


def _bad_credentials(neuron: NeuronTarget, ws: WsEndpoint) -> list[tuple[str, dict[str, str], list[dict]]]:
    """(what, handshake headers, first messages) that must each be refused."""
    methods = ws.auth.get("methods") or ["header"]
    fake = type("Op", (), {"scopes": ws.scopes})()
    cases: list[tuple[str, dict[str, str], list[dict]]] = []
    bad = [("malformed token", "not-a-token")] + [(w, t) for w, t in forged_tokens(neuron, fake)]  # type: ignore[arg-type]
    if neuron.tokens.available:
        with contextlib.suppress(NotVerified):
            bad.append(("expired token", expired_token(neuron, fake)))  # type: ignore[arg-type]
        others = [s for s in neuron.spec.all_scopes if s not in ws.scopes]
        if others:
            bad.append(("token without the scope", neuron.tokens.token(others)))
    for what, token in bad:
        if "header" in methods:
            cases.append((f"{what} in the handshake", {"Authorization": f"Bearer {token}"}, []))
        if "first_message" in methods:
            cases.append((f"{what} in the first message", {}, [{"type": "auth", "token": token}]))
    if "first_message" in methods:
        cases.append(("a chat message before any auth", {}, [{"type": "message", "message": "hello"}]))
    return cases


@NEURON_CHECKS.register("NEU-WS-001", "WebSocket auth failures close with 1008 before any data frame",
                        clause="x-websockets.*.auth (failure_close_code) and description")
def ws_auth(neuron: NeuronTarget) -> None:
    """What it does: opens the WebSocket with a malformed, forged, expired or unscoped token
    (in the handshake header and in the first ``auth`` message) and with a chat message before
    any auth; each must be closed with the declared code (1008) before any data frame. A
    handshake refused with 401/403 is accepted too.

    Why: a socket that streams first and checks later has already leaked the answer.
    """
    eps = endpoints(neuron)
    if not eps:
        raise NotVerified("the spec declares no x-websockets endpoint")
    for ws in eps:
        for what, headers, messages in _bad_credentials(neuron, ws):
            chat = {"type": "message", "message": "What should I do next for Acme?"}
            session = converse(neuron, ws, headers=headers, messages=[*messages, chat], turns=1)
            data = [k for k, _ in session.frames]
            if data:
                raise Violation(f"{what}: the server sent {data[:3]} instead of closing with {ws.close_code}",
                                evidence=session.evidence(headers), operation=ws.label)
            if session.handshake_status in (401, 403):
                continue
            if session.close_code != ws.close_code:
                got = f"closed with {session.close_code}" if session.close_code else (session.error or "no close")
                raise Violation(f"{what}: expected close code {ws.close_code}, {got}",
                                evidence=session.evidence(headers), operation=ws.label)


def _good_session(neuron: NeuronTarget, ws: WsEndpoint, method: str, turns: int,
                  extra_headers: dict[str, str] | None = None) -> tuple[WsSession, dict[str, str]]:
    token = neuron.tokens.token(ws.scopes)
    headers = dict(extra_headers or {})
    messages: list[dict[str, Any]] = []
    if method == "header":
        headers["Authorization"] = f"Bearer {token}"
    else:
        messages.append({"type": "auth", "token": token})
    examples = (ws.decl.get("examples") or {}).get("client") or [{"type": "message", "message": "Hello"}]
    for i in range(turns):
        messages.append(dict(examples[i % len(examples)]))
    session = converse(neuron, ws, headers=headers, messages=messages, turns=turns)
    REDACTOR.add(token)
    return session, headers


def _split_turns(frames: list[tuple[str, Any]], terminal: list[str]) -> list[list[tuple[str, Any]]]:
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
                        clause="x-websockets.*.server_messages, terminal_messages")
def ws_frames(neuron: NeuronTarget) -> None:
    """What it does: authenticates by every declared method, sends chat messages and checks
    each turn: frames valid against ``server_messages``, ``start`` first, consecutive delta
    indexes, exactly one terminal frame with usage; the token is never echoed in a frame.

    Why: browsers (experience/) render these frames as they arrive.
    """
    eps = endpoints(neuron)
    if not eps:
        raise NotVerified("the spec declares no x-websockets endpoint")
    turns = max(1, neuron.profile.stream_turns)
    for ws in eps:
        schemas = server_schemas(neuron, ws)
        for method in ws.auth.get("methods") or ["header"]:
            session, headers = _good_session(neuron, ws, method, turns)
            answered = len(_split_turns(session.frames, ws.terminal))
            if session.handshake_status or (session.close_code and answered < turns):
                raise Violation(f"authenticated by {method}, the connection was refused or closed early "
                                f"({session.handshake_status or session.close_code} {session.close_reason})",
                                evidence=session.evidence(headers), operation=ws.label)
            problems = frame_schema_problems(neuron.spec, schemas, session.frames) if schemas else []
            chunks = _split_turns(session.frames, ws.terminal)
            if len(chunks) < turns:
                problems.append(f"{turns} messages sent, {len(chunks)} answered with a terminal frame"
                                + (f" ({session.error})" if session.error else ""))
            for chunk in chunks:
                problems += grammar_problems(chunk, ws.terminal)
            if problems:
                raise Violation(f"authenticated by {method}: {problems[0]}", evidence=session.evidence(headers),
                                operation=ws.label)
            where = reflected_in_frames(session, headers)
            if where:
                raise Violation(f"the token came back in a frame: {where}", evidence=session.evidence(headers),
                                operation=ws.label)


def reflected_in_frames(session: WsSession, headers: dict[str, str]) -> str | None:
    sent = [headers.get("Authorization", "").partition(" ")[2]]
    sent += [json.loads(m).get("token", "") for m in session.sent if '"auth"' in m]
    for raw in session.raw:
        fake = type("E", (), {"text": raw, "headers": {}})()
        if reflected(fake, [s for s in sent if s]):  # type: ignore[arg-type]
            return raw[:80]
    return None


@NEURON_CHECKS.register("NEU-WS-003", "A provider failure mid-stream ends the WebSocket turn with an error frame",
                        clause="x-websockets.*.terminal_messages; x-fault-injection.modes.stream_interrupted",
                        tags=("disruptive",))
def ws_midstream_failure(neuron: NeuronTarget) -> None:
    """What it does: breaks the provider's stream after a few tokens during a WebSocket turn;
    the turn must end with exactly one ``error`` frame (usage included) and the socket must not
    just drop.

    Why: the browser must be able to tell a broken answer from a finished one.
    """
    eps = endpoints(neuron)
    if not eps:
        raise NotVerified("the spec declares no x-websockets endpoint")
    driver = driver_for(neuron)
    for ws in eps:
        with driver.fault("stream_interrupted") as fault_headers:
            session, headers = _good_session(neuron, ws, (ws.auth.get("methods") or ["header"])[0], 1, fault_headers)
        chunks = _split_turns(session.frames, ws.terminal)
        if not chunks:
            raise Violation(f"no frame at all under a mid-stream failure ({session.error or session.close_code})",
                            evidence=session.evidence(headers), operation=ws.label)
        frames = chunks[0]
        problems = grammar_problems(frames, ws.terminal)
        deltas = sum(1 for k, _ in frames if k == "delta")
        last_kind, last = frames[-1]
        if not problems and last_kind != "error" and not (deltas == 0 and isinstance(last, dict)
                                                           and last.get("fallback") is True):
            problems.append(f"the provider failed after {deltas} deltas but the turn ended with {last_kind!r}")
        if problems:
            raise Violation(f"under a mid-stream failure: {problems[0]}", evidence=session.evidence(headers),
                            operation=ws.label)


def ws_usage_consistent(neuron: NeuronTarget, ws: WsEndpoint) -> None:
    """NEU-USE-002 on the WebSocket: a turn reports the usage and text of the whole answer."""
    from contractkit.conformance.neuron.sse import deterministic_reference

    eps = [ws]
    twins = [op for op in neuron.spec.operations if op.ai and not op.is_stream
             and "message" in ((op.request_schema or {}).get("properties") or {})]
    if not twins:
        raise NotVerified("no whole-answer operation takes a chat message to compare the WebSocket with")
    for ws in eps:
        examples = (ws.decl.get("examples") or {}).get("client") or [{"type": "message", "message": "Hello"}]
        message = {k: v for k, v in examples[0].items() if k != "type"}
        reference = deterministic_reference(neuron, twins[0], message, twin=twins[0])
        session, headers = _good_session(neuron, ws, (ws.auth.get("methods") or ["header"])[0], 1)
        done = next((d for k, d in session.frames if k == "done" and isinstance(d, dict)), None)
        if done is None:
            raise NotVerified(f"the WebSocket turn ended without a done frame ({session.error or session.close_code})")
        for key in ("token_count", "cost_usd"):
            if done.get(key) != reference.get(key):
                raise Violation(f"the WebSocket turn reports {key} {done.get(key)!r}, the whole answer "
                                f"{reference.get(key)!r}", evidence=session.evidence(headers), operation=ws.label)
        text = "".join(str(d.get("text", "")) for k, d in session.frames if k == "delta" and isinstance(d, dict))
        if isinstance(reference.get("reply"), str) and text != reference["reply"]:
            raise Violation("the WebSocket text differs from the whole answer's reply for the same message",
                            evidence=session.evidence(headers), operation=ws.label)
