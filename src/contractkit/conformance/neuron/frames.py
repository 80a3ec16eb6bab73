"""The frame grammar shared by the SSE stream and the WebSocket: judged once, for both.

What the frames mean comes from the spec's ``x-stream`` (``StreamGrammar``): a turn is one
opening frame, then delta frames (with consecutive indexes from 0 where the spec says where the
index is), then exactly one terminal frame (an ending or an error frame), nothing after it, and
the ending frame carries usage where the spec says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron.event_stream import parse_sse
from contractkit.conformance.outcomes import NotVerified
from contractkit.spec import declarations
from contractkit.spec.neuron import NeuronSpec, Operation, StreamGrammar, Usage, pointer_get

Frame = tuple[str, Any]


def typed_frames(exchange: Exchange, grammar: StreamGrammar | None) -> list[Frame]:
    """(type, JSON data) of each SSE event: the type is the ``event`` field, or, where the spec's
    ``x-stream.type_field`` says so, a field of the data (streams that send only ``data:`` lines)."""
    field = grammar.type_field if grammar is not None else None
    if field is None:
        return [(kind, data) for kind, data, _ in parse_sse(exchange)]
    return [(str(pointer_get(data, field, kind)), data) for kind, data, _ in parse_sse(exchange)]


def frame_schema_problems(spec: NeuronSpec, frames: Sequence[Frame], *, per_type: dict[str, Any] | None = None,
                          union: Any = None, declared: Sequence[str] = ()) -> list[str]:
    """Frames whose type is undeclared or whose data does not match its schema.

    ``per_type`` maps a frame type to its schema (SSE's ``x-sse-events``); ``union`` is one schema
    every frame must match whatever its combinator (a WebSocket's ``server_messages``).
    """
    names = list(per_type or ()) or list(declared)
    problems = []
    for i, (kind, data) in enumerate(frames):
        if names and kind not in names:
            problems.append(f"frame {i}: type {kind!r} is not declared (declared: {', '.join(names)})")
            continue
        if data is None:
            problems.append(f"frame {i} ({kind}): its data is not JSON")
            continue
        schema = (per_type or {}).get(kind, union)
        errors = spec.errors(schema, data) if isinstance(schema, dict) else []
        if errors:
            problems.append(f"frame {i} ({kind}): {errors[0]}")
    return problems


def grammar_problems(frames: Sequence[Frame], grammar: StreamGrammar) -> list[str]:
    """Violations of opening -> deltas -> exactly one terminal frame (with usage when it ends well).
    Connection frames (``x-stream.connection``) belong to no turn and are left out."""
    frames = [f for f in frames if f[0] not in grammar.connection]
    if not frames:
        return ["the stream carried no frame at all"]
    problems = []
    kinds = [k for k, _ in frames]
    if kinds[0] not in grammar.opens:
        problems.append(f"the first frame is {kinds[0]!r}, not an opening frame ({' or '.join(grammar.opens)})")
    terminals = [i for i, k in enumerate(kinds) if k in grammar.terminal]
    if not terminals:
        problems.append(f"no terminal frame ({' or '.join(grammar.terminal)}): the stream ended without one")
    elif len(terminals) > 1:
        problems.append(f"{len(terminals)} terminal frames, exactly one expected")
    elif terminals[0] != len(kinds) - 1:
        problems.append(f"frames follow the terminal {kinds[terminals[0]]!r} frame")
    if terminals and kinds[terminals[0]] in grammar.ends and grammar.usage is not None:
        problem = usage_shape(frames[terminals[0]][1], grammar.usage)
        if problem:
            problems.append(f"the ending frame {problem}")
    if grammar.index is not None:
        expected = 0
        for kind, data in frames:
            if kind in grammar.deltas:
                index = pointer_get(data, grammar.index)
                if index != expected:
                    problems.append(f"delta index {index!r} where {expected} was expected")
                    break
                expected += 1
    return problems


def usage_shape(data: Any, usage: Usage) -> str | None:
    """Whether ``data`` reports a non-negative integer token count and cost where ``usage`` says."""
    tokens, cost = pointer_get(data, usage.token_count), pointer_get(data, usage.cost_usd)
    if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 0:
        return f"reports no token count at {usage.token_count} (got {tokens!r})"
    if not isinstance(cost, int | float) or isinstance(cost, bool) or cost < 0:
        return f"reports no cost at {usage.cost_usd} (got {cost!r})"
    return None


def amounts_problem(token_count: Any, cost: Any) -> str | None:
    """Whether the token count is a non-negative integer and the cost a non-negative number."""
    if not isinstance(token_count, int) or isinstance(token_count, bool) or token_count < 0:
        return f"token_count {token_count!r} is not a non-negative integer"
    if not isinstance(cost, int | float) or isinstance(cost, bool) or cost < 0:
        return f"cost_usd {cost!r} is not a non-negative number"
    return None


def usage_problem(spec: NeuronSpec, tier: Any, token_count: Any, cost: Any) -> str | None:
    """Whether ``cost`` is ``token_count`` priced by ``x-pricing`` for ``tier``."""
    problem = amounts_problem(token_count, cost)
    if problem:
        return problem
    pricing = spec.pricing
    rates = pricing.get("usd_per_1k_tokens") or {}
    if tier not in rates:
        return f"model tier {tier!r} has no x-pricing rate"
    exact = token_count / 1000 * float(rates[tier])
    decimals = pricing.get("rounding_decimals")
    if isinstance(decimals, int):
        expected = round(exact, decimals)
        if abs(expected - float(cost)) > 10 ** -decimals * 1.01:
            return f"cost_usd {cost} for {token_count} tokens at tier {tier!r}; x-pricing gives {expected}"
        return None
    # no rounding declared: the exact price, or it rounded to any number of decimals, is right
    if any(abs(round(exact, d) - float(cost)) <= 1e-12 for d in range(13)) or abs(exact - float(cost)) <= 1e-9:
        return None
    return (f"cost_usd {cost} for {token_count} tokens at tier {tier!r}; x-pricing gives {exact} (rounded to any "
            "number of decimals: the spec declares no rounding_decimals)")


def delta_text(frames: Sequence[Frame], grammar: StreamGrammar) -> str | None:
    """The text the deltas carry, concatenated; None when the spec does not say where it is."""
    if grammar.text is None:
        return None
    return "".join(str(pointer_get(d, grammar.text, "")) for k, d in frames if k in grammar.deltas)


def stream_frames(exchange: Exchange, op: Operation) -> list[Frame]:
    """(type, JSON data) of each event of ``op``'s stream (``frames.typed_frames``)."""
    return typed_frames(exchange, op.grammar)


def grammar_of(op: Operation) -> StreamGrammar:
    grammar = op.grammar
    if grammar is None:
        raise NotVerified(declarations.STREAM.reason)
    return grammar
