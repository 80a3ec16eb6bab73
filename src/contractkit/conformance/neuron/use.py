"""Usage rules: every AI answer reports usage priced by ``x-pricing``; a stream reports the same
usage and text as its whole-answer twin.

Where usage lives is the spec's: ``x-ai-operation.usage`` for a whole answer, ``x-stream.usage``
for a stream's ending frame. Consistency between a stream and its twin (``stream_of``) needs a
deterministic target: the twin is asked twice and only compared when both answers agree.
"""

from __future__ import annotations

import contextlib
from typing import Any

from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron.common import fail
from contractkit.conformance.neuron.frames import amounts_problem, delta_text, stream_frames, usage_problem
from contractkit.conformance.neuron.jobs import answer_of
from contractkit.conformance.neuron.requests import RequestParts
from contractkit.conformance.neuron.schema_run import schema_run
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.neuron.turns import stream_turns
from contractkit.conformance.neuron.usage import Reading, priced_tier, readings, unpriced_tier, where_reported
from contractkit.conformance.neuron.ws_session import WsEndpoint, ws_turn_for_usage
from contractkit.conformance.outcomes import Examined, NotVerified
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.conformance.selection import describe, within
from contractkit.spec import declarations
from contractkit.spec.neuron import Operation, Usage, pointer_get
from contractkit.spec.pointers import read


def _readings(neuron: NeuronTarget, op: Operation) -> list[tuple[Exchange, Reading]]:
    """(exchange, usage reading) of every successful answer of ``op`` the suite has."""
    if where_reported(op) is None:
        raise NotVerified(declarations.USAGE.reason)
    if op.is_stream:
        exchanges = stream_turns(neuron, op)
    else:
        exchanges = [answer_of(neuron, op, neuron.call(op))]
        with contextlib.suppress(NotVerified):
            if op.job is None:  # an async operation's schema-run answers are acceptances, not answers
                exchanges += [s.exchange for s in schema_run(neuron, op).positive()]
    return [(exchange, reading) for exchange in exchanges for reading in readings(op, exchange)]


@NEURON_CHECKS.register("NEU-USE-001", "Every AI answer reports usage priced by x-pricing",
                        kind="observation",
                        clause="docs/extensions.md#x-pricing; docs/extensions.md#x-ai-operation (usage)", applies="ai")
def usage_priced(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: for every successful AI answer (and stream ending frame), the token count
    must be a non-negative integer and the cost equal ``tokens / 1000`` times the rate of the
    answer's model tier in ``x-pricing``, rounded as declared. The tier is the one the answer (or
    any frame of its stream) names where ``usage.model_tier`` says, else the operation's
    ``default_model_tier``; an answer whose tier is unknown or unpriced is not examined (named in
    the result). Not verified without ``x-pricing`` or without the spec saying where usage is.

    Why: engine/ bills customers and watches budgets from these two numbers.
    """
    if reason := declarations.gap("NEU-USE-001", neuron.spec, op):
        raise NotVerified(reason)
    answers = _readings(neuron, op)
    if not answers:
        raise NotVerified(f"no successful answer of {op.label} to read usage from")
    checked, unpriced = 0, []
    for exchange, reading in answers:
        shape = amounts_problem(reading.token_count, reading.cost_usd)
        if shape is not None:
            raise fail(shape, exchange)
        why = unpriced_tier(neuron.spec, reading)
        if why is not None:
            unpriced.append(why)
            continue
        reading = priced_tier(neuron.spec, reading)
        problem = usage_problem(neuron.spec, reading.tier, reading.token_count, reading.cost_usd)
        if problem:
            raise fail(f"{problem} (tier from {reading.tier_from})", exchange)
        checked += 1
    if not checked:
        raise NotVerified(f"no answer's cost could be checked: {unpriced[0]}")
    unchecked = f"{len(unpriced)} answers: {unpriced[0]}" if unpriced else ""
    return Examined(checked, "priced answers", "", unchecked)


def twin_of(neuron: NeuronTarget, turn: Any) -> Operation:
    twin_id = (getattr(turn, "ai", None) or {}).get("stream_of")
    twin = neuron.spec.operation(twin_id) if twin_id else None
    if twin is None:
        raise NotVerified(declarations.TWIN.reason)
    if not within([twin], neuron.options):
        raise NotVerified(f"its whole-answer twin {twin.label} is outside {describe(neuron.options)}")
    if twin.usage is None:
        raise NotVerified(declarations.TWIN.reason)
    return twin


def deterministic_reference(neuron: NeuronTarget, twin: Operation, parts: RequestParts) -> dict[str, Any]:
    """The twin's answer for ``parts`` if it is the same twice, else NotVerified."""
    usage = twin.usage
    assert usage is not None
    first, second = (neuron.call(twin, parts=parts) for _ in range(2))
    a, b = first.json_or_none(), second.json_or_none()
    if first.status != 200 or not isinstance(a, dict) or not isinstance(b, dict):
        raise NotVerified(f"{twin.label} did not answer 200 with JSON (got {first.status})")
    pointers = [usage.token_count, usage.cost_usd] + [p for p in (usage.model_tier, twin.answer_text) if p]
    if any(read(p, a, first.headers) != read(p, b, second.headers) for p in pointers):
        raise NotVerified(f"the target is not deterministic ({twin.label} answered the same request differently), "
                          "so stream and whole-answer usage cannot be compared")
    return answer_view(a, first.headers, pointers)


def answer_view(body: dict[str, Any], headers: Any, pointers: list[str]) -> dict[str, Any]:
    """The answer's body with the values of its header pointers under their own keys, so that
    ``read`` finds them again without the headers."""
    return {**body, **{p: read(p, body, headers) for p in pointers if p.lower().startswith("header:")}}


def _read_view(view: dict[str, Any], pointer: str) -> Any:
    return view.get(pointer) if pointer.lower().startswith("header:") else pointer_get(view, pointer)


def twin_request(neuron: NeuronTarget, twin: Operation, parts: RequestParts) -> RequestParts:
    """The twin's request for the same question: same body, path parameters matched by name."""
    own = neuron.request(twin)
    shared = {k: v for k, v in parts.path_params.items() if "{" + k + "}" in twin.path}
    return RequestParts({**own.path_params, **shared}, own.query, own.headers, parts.body)


def compare(reference: dict[str, Any], twin: Operation, ending: Any, usage: Usage, text: str | None) -> str | None:
    """What differs between a stream's ending frame (and text) and the whole answer, if anything."""
    twin_usage = twin.usage
    assert twin_usage is not None
    for name, mine, theirs in (("token count", usage.token_count, twin_usage.token_count),
                               ("cost", usage.cost_usd, twin_usage.cost_usd)):
        if pointer_get(ending, mine) != _read_view(reference, theirs):
            return f"the stream reports {name} {pointer_get(ending, mine)!r}, the whole answer " \
                   f"{_read_view(reference, theirs)!r}"
    whole = _read_view(reference, twin.answer_text) if twin.answer_text else None
    if isinstance(whole, str) and text is not None and text != whole:
        return "the streamed text differs from the whole answer's text for the same request"
    return None


@NEURON_CHECKS.register("NEU-USE-002", "A streamed answer reports the same usage as the whole answer",
                        kind="observation",
                        clause="docs/extensions.md#x-ai-operation (stream_of, usage, answer_text)", applies="turns")
def usage_consistent(neuron: NeuronTarget, turn: Any) -> Examined:
    """What it does: sends the same question to a stream (an SSE operation or a WebSocket turn)
    and to its whole-answer twin (``x-ai-operation.stream_of``); on a deterministic target the
    ending frame's usage and the concatenated delta text must equal the whole answer's usage and
    text. On a target that answers the same request differently twice, not verified.

    Why: a stream that under-reports usage makes streamed chats free.
    """
    twin = twin_of(neuron, turn)
    grammar = turn.grammar
    if grammar is None or grammar.usage is None:
        raise NotVerified(declarations.USAGE.reason)
    if isinstance(turn, WsEndpoint):
        body, frames, evidence = ws_turn_for_usage(neuron, turn)
        parts = twin_request(neuron, twin, RequestParts(body=body))
    else:
        parts = neuron.request(turn)
        exchange = neuron.call(turn, parts=parts)
        frames, evidence = stream_frames(exchange, turn), exchange
        parts = twin_request(neuron, twin, parts)
    reference = deterministic_reference(neuron, twin, parts)
    ending = next((d for k, d in frames if k in grammar.ends), None)
    if ending is None:
        raise NotVerified(f"the stream of {turn.label} ended without an ending frame to compare")
    problem = compare(reference, twin, ending, grammar.usage, delta_text(frames, grammar))
    if problem:
        raise fail(problem, evidence) if isinstance(evidence, Exchange) else evidence.violation(problem)
    return Examined(1, "stream and whole-answer pairs", f"{turn.label} vs {twin.label}")
