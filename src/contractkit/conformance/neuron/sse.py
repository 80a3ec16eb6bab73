"""SSE rules (per-event schemas, frame order, mid-stream failure) and usage rules.

The stream's grammar comes from the spec (``x-sse-events``, ``x-sse-terminal-events``); usage
is priced by ``x-pricing``. Usage consistency between a stream and the whole answer needs a
deterministic target: the suite asks the whole-answer operation twice and only compares when
both answers agree, otherwise the rule is not verified.
"""

from __future__ import annotations

import contextlib
from typing import Any

from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron.common import fail, require_answer
from contractkit.conformance.neuron.event_stream import parse_sse
from contractkit.conformance.neuron.fb import driver_for
from contractkit.conformance.neuron.frames import frame_schema_problems, grammar_problems, usage_problem
from contractkit.conformance.neuron.sch import schema_run
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import NotVerified
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.spec.neuron import Operation

_MESSAGES = ("What should I do next for Acme?", "Summarise the last three tickets.", "Draft a short follow-up.",
             "Which renewal risks stand out?", "List two upsell ideas.")


def sse_spec(op: Operation) -> tuple[dict[str, Any], list[str]]:
    media = op.sse_response or {}
    events = media.get("x-sse-events") or {}
    terminal = media.get("x-sse-terminal-events") or ["done", "error"]
    if not events:
        raise NotVerified(f"{op.label} streams text/event-stream but declares no x-sse-events")
    return events, list(terminal)


def stream_turns(neuron: NeuronTarget, op: Operation) -> list[Exchange]:
    """Streams answered with 200: the suite's own turns plus the schema phase's valid ones."""
    key = f"stream_turns:{op.label}"
    if key not in neuron.notes:
        own = []
        for i in range(neuron.profile.stream_turns):
            body = neuron.valid_body(op)
            if isinstance(body, dict) and "message" in body:
                body["message"] = _MESSAGES[i % len(_MESSAGES)]
            own.append(neuron.call(op, body=body))
        with contextlib.suppress(NotVerified):
            own += [s.exchange for s in schema_run(neuron, op).positive()]
        neuron.notes[key] = own
    turns = neuron.notes[key]
    for exchange in turns:
        require_answer(exchange, "stream")
    ok = [e for e in turns if e.status == 200]
    if not ok:
        raise NotVerified(f"no stream of {op.label} was answered with 200 "
                          f"(got {sorted({e.status for e in turns})})")
    return ok


def _frames(exchange: Exchange) -> list[tuple[str, Any]]:
    return [(kind, data) for kind, data, _ in parse_sse(exchange)]


@NEURON_CHECKS.register("NEU-SSE-001", "Every SSE event is declared and matches its schema",
                        clause="x-sse-events (per-event schemas of text/event-stream)", applies="stream")
def sse_event_schemas(neuron: NeuronTarget, op: Operation) -> None:
    """What it does: parses each stream (httpx-sse) and validates every event's ``data`` against
    the schema ``x-sse-events`` declares for its ``event`` type; undeclared types fail.

    Why: a client's stream parser is written against these schemas.
    """
    events, _ = sse_spec(op)
    for exchange in stream_turns(neuron, op):
        if "text/event-stream" not in exchange.content_type:
            raise fail(f"a 200 stream answered with content-type {exchange.content_type!r}", exchange)
        problems = frame_schema_problems(neuron.spec, events, _frames(exchange))
        if problems:
            raise fail(problems[0], exchange, *problems[1:3])


@NEURON_CHECKS.register("NEU-SSE-002", "SSE streams: start, ordered deltas, exactly one terminal event with usage",
                        clause="paths./chat/stream description; x-sse-terminal-events", applies="stream")
def sse_order(neuron: NeuronTarget, op: Operation) -> None:
    """What it does: checks each stream's grammar: ``start`` first, ``delta`` indexes
    consecutive from 0, exactly one terminal event (``done`` or ``error``) carrying
    ``token_count`` and ``cost_usd``, and nothing after it.

    Why: without its terminal frame a client cannot tell a finished answer from a broken one,
    nor bill it.
    """
    _, terminal = sse_spec(op)
    for exchange in stream_turns(neuron, op):
        problems = grammar_problems(_frames(exchange), terminal)
        if problems:
            raise fail(problems[0], exchange, *problems[1:3])


@NEURON_CHECKS.register("NEU-SSE-003", "A provider failure mid-stream ends the stream with an error event",
                        clause="paths./chat/stream description; x-fault-injection.modes.stream_interrupted",
                        tags=("disruptive",), applies="stream")
def sse_midstream_failure(neuron: NeuronTarget, op: Operation) -> None:
    """What it does: breaks the provider's stream after a few tokens and checks that the stream
    ends with exactly one terminal ``error`` event (usage included), not silently or with ``done``.

    Why: a stream that just stops looks like a complete, shorter answer.
    """
    _, terminal = sse_spec(op)
    driver = driver_for(neuron)
    with driver.fault("stream_interrupted") as headers:
        exchange = neuron.call(op, body=neuron.valid_body(op), headers=headers)
    require_answer(exchange, "stream under a mid-stream failure")
    if exchange.status != 200:
        raise fail(f"the stream was answered {exchange.status}, so no mid-stream failure could happen", exchange)
    frames = _frames(exchange)
    problems = grammar_problems(frames, terminal)
    if problems:
        raise fail(f"under a mid-stream failure: {problems[0]}", exchange)
    last_kind, last = frames[-1]
    deltas = sum(1 for k, _ in frames if k == "delta")
    if last_kind != "error" and not (deltas == 0 and isinstance(last, dict) and last.get("fallback") is True):
        raise fail(f"the provider failed after {deltas} deltas but the stream ended with {last_kind!r}, not 'error'",
                   exchange)


def _answers_with_usage(neuron: NeuronTarget, op: Operation) -> list[tuple[Exchange, Any, Any, Any]]:
    """(exchange, tier, token_count, cost) of every successful answer of ``op`` the suite has."""
    out = []
    if op.is_stream:
        for exchange in stream_turns(neuron, op):
            frames = _frames(exchange)
            start = next((d for k, d in frames if k == "start" and isinstance(d, dict)), {})
            for kind, data in frames:
                if kind in ("done", "error") and isinstance(data, dict):
                    out.append((exchange, start.get("model_tier"), data.get("token_count"), data.get("cost_usd")))
        return out
    exchanges = [neuron.call(op, body=neuron.valid_body(op))]
    with contextlib.suppress(NotVerified):
        exchanges += [s.exchange for s in schema_run(neuron, op).positive()]
    for exchange in exchanges:
        body = exchange.json_or_none()
        if exchange.status == 200 and isinstance(body, dict):
            out.append((exchange, body.get("model_tier"), body.get("token_count"), body.get("cost_usd")))
    return out


@NEURON_CHECKS.register("NEU-USE-001", "Every AI answer reports usage priced by x-pricing",
                        clause="x-pricing; components.schemas.CostUsd (token_count / 1000 x rate, rounded)", applies="ai")
def usage_priced(neuron: NeuronTarget, op: Operation) -> None:
    """What it does: for every successful AI answer (and stream terminal frame), ``token_count``
    must be a non-negative integer and ``cost_usd`` equal ``token_count / 1000`` times the
    tier's ``x-pricing`` rate, rounded as declared.

    Why: engine/ bills customers and watches budgets from these two numbers.
    """
    answers = _answers_with_usage(neuron, op)
    if not answers:
        raise NotVerified(f"no successful answer of {op.label} to read usage from")
    for exchange, tier, tokens, cost in answers:
        problem = usage_problem(neuron.spec, tier, tokens, cost)
        if problem:
            raise fail(problem, exchange)


def whole_answer_twin(neuron: NeuronTarget, op: Operation) -> Operation | None:
    """The non-streamed operation taking the same request as the stream (``/chat`` for ``/chat/stream``)."""
    for other in neuron.spec.operations:
        if other is not op and not other.is_stream and other.ai and other.request_schema == op.request_schema:
            return other
    return None


def deterministic_reference(neuron: NeuronTarget, op: Operation, body: Any,
                            twin: Operation | None = None) -> dict[str, Any]:
    """The twin's answer for ``body`` if it is the same twice, else NotVerified."""
    twin = twin or whole_answer_twin(neuron, op)
    if twin is None:
        raise NotVerified(f"no whole-answer operation takes the same request as {op.label}")
    first, second = (neuron.call(twin, body=body) for _ in range(2))
    a, b = first.json_or_none(), second.json_or_none()
    if first.status != 200 or not isinstance(a, dict) or not isinstance(b, dict):
        raise NotVerified(f"{twin.label} did not answer 200 with JSON (got {first.status})")
    keys = ("token_count", "cost_usd", "model_tier")
    if any(a.get(k) != b.get(k) for k in keys) or a.get("reply") != b.get("reply"):
        raise NotVerified(f"the target is not deterministic ({twin.label} answered the same request differently), "
                          "so stream and whole-answer usage cannot be compared")
    return a


@NEURON_CHECKS.register("NEU-USE-002", "A streamed answer reports the same usage as the whole answer",
                        clause="DESIGN: usage consistent between stream and total; x-pricing", applies="turns")
def usage_consistent(neuron: NeuronTarget, turn: Any) -> None:
    """What it does: sends the same request to a stream (an SSE operation or a WebSocket turn)
    and to its whole-answer twin; on a deterministic target the terminal frame's usage and the
    concatenated deltas must equal the whole answer's usage and reply. On a target that answers
    the same request differently twice, the rule is not verified.

    Why: a stream that under-reports usage makes streamed chats free.
    """
    from contractkit.conformance.neuron.ws import WsEndpoint, ws_usage_consistent

    if isinstance(turn, WsEndpoint):
        return ws_usage_consistent(neuron, turn)
    return stream_usage_consistent(neuron, turn)


def stream_usage_consistent(neuron: NeuronTarget, op: Operation) -> None:
    """What it does: sends the same request to the SSE stream (and the same message over the
    WebSocket) and to the whole-answer twin (``/chat``); on a deterministic target the terminal
    frame's ``token_count``/``cost_usd`` and the concatenated deltas must equal the whole
    answer's usage and reply. On a target that answers the same request differently twice,
    the rule is not verified.

    Why: a stream that under-reports usage makes streamed chats free.
    """
    body = neuron.valid_body(op)
    reference = deterministic_reference(neuron, op, body)
    exchange = neuron.call(op, body=body)
    require_answer(exchange, "stream")
    frames = _frames(exchange)
    done = next((d for k, d in frames if k == "done" and isinstance(d, dict)), None)
    if done is None:
        raise NotVerified("the stream ended without a done frame to compare")
    for key in ("token_count", "cost_usd"):
        if done.get(key) != reference.get(key):
            raise fail(f"the stream reports {key} {done.get(key)!r}, the whole answer {reference.get(key)!r}",
                       exchange)
    text = "".join(str(d.get("text", "")) for k, d in frames if k == "delta" and isinstance(d, dict))
    if isinstance(reference.get("reply"), str) and text != reference["reply"]:
        raise fail("the streamed text differs from the whole answer's reply for the same request", exchange)
