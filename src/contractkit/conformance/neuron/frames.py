"""The frame grammar shared by the SSE stream and the WebSocket: judged once, for both.

A turn is one ``start``, then ``delta`` frames with consecutive indexes from 0, then exactly one
terminal frame (``done`` or ``error``) carrying usage, and nothing after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contractkit.spec.neuron import NeuronSpec


def frame_schema_problems(spec: NeuronSpec, schemas: dict[str, Any], frames: Sequence[tuple[str, Any]]) -> list[str]:
    """Frames whose type is undeclared or whose data does not match the type's schema."""
    problems = []
    for i, (kind, data) in enumerate(frames):
        if kind not in schemas:
            problems.append(f"frame {i}: type {kind!r} is not declared (declared: {', '.join(schemas)})")
        elif data is None:
            problems.append(f"frame {i} ({kind}): its data is not JSON")
        else:
            errors = spec.errors(schemas[kind], data)
            if errors:
                problems.append(f"frame {i} ({kind}): {errors[0]}")
    return problems


def grammar_problems(frames: Sequence[tuple[str, Any]], terminal: Sequence[str]) -> list[str]:
    """Violations of start -> delta* -> exactly one terminal frame with usage."""
    if not frames:
        return ["the stream carried no frame at all"]
    problems = []
    kinds = [k for k, _ in frames]
    if kinds[0] != "start":
        problems.append(f"the first frame is {kinds[0]!r}, not 'start'")
    terminals = [i for i, k in enumerate(kinds) if k in terminal]
    if not terminals:
        problems.append(f"no terminal frame ({' or '.join(terminal)}): the stream ended without one")
    elif len(terminals) > 1:
        problems.append(f"{len(terminals)} terminal frames, exactly one expected")
    elif terminals[0] != len(kinds) - 1:
        problems.append(f"frames follow the terminal {kinds[terminals[0]]!r} frame")
    if terminals:
        data = frames[terminals[0]][1]
        if not isinstance(data, dict) or not isinstance(data.get("token_count"), int) \
                or not isinstance(data.get("cost_usd"), int | float):
            problems.append("the terminal frame carries no usage (token_count, cost_usd)")
    expected = 0
    for kind, data in frames:
        if kind == "delta":
            index = data.get("index") if isinstance(data, dict) else None
            if index != expected:
                problems.append(f"delta index {index!r} where {expected} was expected")
                break
            expected += 1
    return problems


def usage_problem(spec: NeuronSpec, tier: Any, token_count: Any, cost: Any) -> str | None:
    """Whether ``cost`` is ``token_count`` priced by ``x-pricing`` for ``tier``."""
    if not isinstance(token_count, int) or token_count < 0:
        return f"token_count {token_count!r} is not a non-negative integer"
    if not isinstance(cost, int | float) or cost < 0:
        return f"cost_usd {cost!r} is not a non-negative number"
    pricing = spec.pricing
    rates = pricing.get("usd_per_1k_tokens") or {}
    if tier not in rates:
        return None if not rates else f"model_tier {tier!r} has no x-pricing rate"
    decimals = int(pricing.get("rounding_decimals", 6))
    expected = round(token_count / 1000 * float(rates[tier]), decimals)
    if abs(expected - float(cost)) > 10 ** -decimals * 1.01:
        return f"cost_usd {cost} for {token_count} tokens at tier {tier!r}; x-pricing gives {expected}"
    return None
