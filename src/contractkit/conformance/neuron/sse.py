"""SSE rules: per-event schemas, the stream's grammar, and the mid-stream failure.

The stream's frames and their meaning come from the spec: ``x-sse-events`` (each event's data
schema) and ``x-stream`` (which events open, carry deltas, end or report an error).
"""

from __future__ import annotations

import contextlib
from typing import Any

from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron.common import fail
from contractkit.conformance.neuron.event_stream import parse_sse
from contractkit.conformance.neuron.frames import Frame, frame_schema_problems, grammar_problems
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import Examined, NotVerified
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.spec.neuron import Operation, StreamGrammar, pointer_get


def stream_frames(exchange: Exchange, op: Operation) -> list[Frame]:
    """(type, JSON data) of each event: the type is the SSE ``event`` field, or, where the spec's
    ``x-stream.type_field`` says so, a field of the data (streams that send only ``data:`` lines)."""
    grammar = op.grammar
    field = grammar.type_field if grammar is not None else None
    if field is None:
        return [(kind, data) for kind, data, _ in parse_sse(exchange)]
    return [(str(pointer_get(data, field, kind)), data) for kind, data, _ in parse_sse(exchange)]


def grammar_of(op: Operation) -> StreamGrammar:
    grammar = op.grammar
    if grammar is None:
        raise NotVerified(f"{op.label} declares no x-stream (which events open, carry deltas, end, or fail)")
    return grammar


def stream_turns(neuron: NeuronTarget, op: Operation) -> list[Exchange]:
    """Streams answered with 200: the suite's own turns plus the schema phase's valid ones."""
    from contractkit.conformance.neuron.sch import schema_run

    key = f"stream_turns:{op.label}"
    if key not in neuron.notes:
        own = [neuron.call(op) for _ in range(neuron.profile.stream_turns)]
        with contextlib.suppress(NotVerified):
            own += [s.exchange for s in schema_run(neuron, op).positive()]
        neuron.notes[key] = own
    turns = neuron.notes[key]
    ok = [e for e in turns if e.ok and e.status == 200]  # no answer proves nothing either way
    if not ok:
        raise NotVerified(f"no stream of {op.label} was answered with 200 "
                          f"(got {sorted({str(e.status or e.error) for e in turns})})")
    return ok


@NEURON_CHECKS.register("NEU-SSE-001", "Every SSE event is declared and matches its schema",
                        kind="observation",
                        clause="docs/extensions.md#x-sse-events-and-x-stream (x-sse-events); WHATWG HTML 9.2 "
                               "(server-sent events)", applies="stream")
def sse_event_schemas(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: parses each stream (httpx-sse) and validates every event's ``data`` against
    the schema ``x-sse-events`` declares for its ``event`` type; undeclared types fail, and so
    does a 200 stream that carries no event at all.

    Why: a client's stream parser is written against these schemas.
    """
    events = op.event_schemas
    if not events:
        raise NotVerified(f"{op.label} streams text/event-stream but declares no x-sse-events")
    turns = stream_turns(neuron, op)
    count = 0
    for exchange in turns:
        if "text/event-stream" not in exchange.content_type:
            raise fail(f"a 200 stream answered with content-type {exchange.content_type!r}", exchange)
        frames = stream_frames(exchange, op)
        if not frames:
            raise fail("a 200 stream carried no event at all", exchange)
        problems = frame_schema_problems(neuron.spec, frames, per_type=events)
        if problems:
            raise fail(problems[0], exchange, *problems[1:3])
        count += len(frames)
    return Examined(count, "events", f"in {len(turns)} streams")


@NEURON_CHECKS.register("NEU-SSE-002", "SSE streams: an opening frame, ordered deltas, exactly one terminal frame",
                        kind="observation",
                        clause="docs/extensions.md#x-sse-events-and-x-stream (x-stream)", applies="stream")
def sse_order(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: checks each stream's grammar as ``x-stream`` declares it: an opening event
    first, delta indexes consecutive from 0, exactly one terminal event (an ending or an error
    event), usage on the ending event, and nothing after it.

    Why: without its terminal frame a client cannot tell a finished answer from a broken one,
    nor bill it.
    """
    grammar = grammar_of(op)
    turns = stream_turns(neuron, op)
    for exchange in turns:
        problems = grammar_problems(stream_frames(exchange, op), grammar)
        if problems:
            raise fail(problems[0], exchange, *problems[1:3])
    return Examined(len(turns), "streams", "grammar of x-stream")


@NEURON_CHECKS.register("NEU-SSE-003", "A provider failure mid-stream ends the stream with an error event",
                        kind="fault", clause="docs/extensions.md#x-sse-events-and-x-stream (errors); "
                               "docs/extensions.md#x-fault-injection (stream_interrupted)",
                        tags=("disruptive",), applies="stream")
def sse_midstream_failure(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: breaks the provider's stream after a few tokens and checks that the stream
    ends with exactly one error event, not silently or with a normal ending. The failure counts
    only when it is seen to happen.

    Why: a stream that just stops looks like a complete, shorter answer.
    """
    return judge_interrupted(neuron, op, lambda headers: _interrupted_frames(neuron, op, headers))


def _interrupted_frames(neuron: NeuronTarget, op: Operation, headers: dict[str, str]) -> tuple[list[Frame], Any]:
    exchange = neuron.call(op, headers=headers)
    if not exchange.ok or exchange.status != 200:
        return [], exchange  # judged by judge_interrupted: a failure only if the fault reached the request
    return stream_frames(exchange, op), exchange


def judge_interrupted(neuron: NeuronTarget, op: Any, run: Any) -> Examined:
    """Cause ``stream_interrupted`` around ``run(headers) -> (frames, evidence)`` and judge the turn."""
    from contractkit.conformance.ledger import LEDGER
    from contractkit.conformance.neuron.fb import driver_for

    grammar = op.grammar if hasattr(op, "grammar") else None
    if grammar is None:
        raise NotVerified(f"{op.label} declares no x-stream")
    driver = driver_for(neuron)
    with driver.fault("stream_interrupted") as window:
        frames, evidence = run(window.headers)
    if window.reached is False:
        raise window.not_seen()
    if not frames:
        if window.reached is None:
            raise NotVerified("the turn gave no frame at all, so the mid-stream failure was not seen to happen")
        raise _violation(evidence, "no frame at all under a mid-stream failure that reached the provider")
    problems = grammar_problems(frames, grammar)
    last_kind, last = frames[-1] if frames else ("", None)
    deltas = sum(1 for k, _ in frames if k in grammar.deltas)
    degraded = grammar.fallback is not None and isinstance(last, dict) and _marker(last, grammar.fallback)
    if window.reached is None and last_kind in grammar.ends and not degraded and not problems:
        if neuron.options.fault_injection:
            raise _violation(evidence, "the turn ended normally although the fault-injection header asked for a "
                                       "mid-stream failure (--fault-injection says the hook is on)")
        raise NotVerified("the mid-stream failure was not seen to happen (the turn ended normally)")
    window.attribute(evidence, True)  # the double saw the call, or the turn did not end normally
    LEDGER.count(evidence)
    if problems:
        raise _violation(evidence, f"under a mid-stream failure: {problems[0]}")
    if last_kind not in grammar.errors and not (deltas == 0 and degraded):
        raise _violation(evidence, f"the provider failed after {deltas} deltas but the turn ended with "
                                   f"{last_kind!r}, not an error frame ({' or '.join(grammar.errors)})")
    return Examined(len(frames), "frames", "of a turn whose provider failed mid-stream")


def _marker(data: dict[str, Any], pointer: str) -> bool:
    from contractkit.spec.neuron import pointer_get

    return pointer_get(data, pointer) is True


def _violation(evidence: Any, message: str) -> Exception:
    if isinstance(evidence, Exchange):
        return fail(message, evidence)
    return evidence.violation(message)
