"""SSE rules: per-event schemas, the stream's grammar, and the mid-stream failure.

The stream's frames and their meaning come from the spec: ``x-sse-events`` (each event's data
schema) and ``x-stream`` (which events open, carry deltas, end or report an error).
"""

from __future__ import annotations

from typing import Any

from contractkit.conformance.neuron.common import fail
from contractkit.conformance.neuron.frames import (
    Frame,
    frame_schema_problems,
    grammar_of,
    grammar_problems,
    stream_frames,
)
from contractkit.conformance.neuron.interrupted import judge_interrupted
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.neuron.turns import stream_turns
from contractkit.conformance.outcomes import Examined, NotVerified
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.spec import declarations
from contractkit.spec.neuron import Operation


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
        raise NotVerified(declarations.SSE_EVENTS.reason)
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
