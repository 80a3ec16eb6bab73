"""What an AI answer reports it used and cost, and at which model tier: one reader for the usage
rules (NEU-USE-001/002) and for the run's spend budget (``neuron.cost``).

Where usage is reported is the spec's: ``x-ai-operation.usage`` in a whole answer (its body, or its
headers where a pointer is written ``header:<Name>``), ``x-stream.usage``
in each ending frame of a stream (frames typed by ``x-stream.type_field`` where the stream sends
only ``data:`` lines). The tier that prices an answer is looked up in this order:

1. where the spec's ``usage.model_tier`` pointer finds it: in a whole answer, the body; in a
   stream, the ending frame, else any other frame of the same turn (the opening frame, say);
2. the operation's ``x-ai-operation.default_model_tier``;
3. the only tier of ``x-pricing``, when it declares just one (no other tier could price it);
4. else the tier is unknown.

An unknown tier, or one ``x-pricing`` gives no rate, is one decision for both readers: the rule
cannot check that answer's cost (it is not verified for it, with the tier named), and the budget
prices its tokens at the highest rate, so that spend is never under-counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron.frames import Frame, typed_frames
from contractkit.spec.neuron import NeuronSpec, Operation, Usage, pointer_get
from contractkit.spec.pointers import is_header, read

_ABSENT: Any = object()


@dataclass(frozen=True)
class Reading:
    """One answer's (or one ending frame's) usage: token count, cost and tier as reported.

    ``tier`` is None when unknown; ``tier_from`` says where it was found (for messages)."""

    token_count: Any
    cost_usd: Any
    tier: Any
    tier_from: str


def where_reported(op: Operation) -> Usage | None:
    """Where ``op``'s answers report usage: ``x-stream.usage`` for a stream, else ``x-ai-operation.usage``."""
    if op.is_stream:
        grammar = op.grammar
        return grammar.usage if grammar is not None else None
    return op.usage


def readings(op: Operation, exchange: Exchange) -> list[Reading]:
    """The usage a successful answer of ``op`` reports: one per ending frame of a stream, one for a
    whole JSON answer; empty when the answer is not a success or reports nowhere the spec says."""
    usage = where_reported(op)
    if usage is None or not exchange.ok or not 200 <= (exchange.status or 0) < 300:
        return []
    if not op.is_stream and not _describes(op, exchange):
        return []  # usage is read only from an answer the spec describes (not a stray 200 to a 202 operation)
    if op.is_stream:
        return frame_readings(op, typed_frames(exchange, op.grammar))
    body = exchange.json_or_none()
    if not isinstance(body, dict) and not any(is_header(p) for p in (usage.token_count, usage.cost_usd)):
        return []
    return [_reading(usage, body, (), _default_tier(op), exchange.headers)]


def _describes(op: Operation, exchange: Exchange) -> bool:
    """Whether ``op`` (or, for a job's answer, the job operation) declares the answer's status."""
    if op.job is not None and (getattr(exchange, "job_operation", None) is not None
                               or exchange.operation not in (None, op.label)):
        return True  # a job's answer (followed, or labelled with the job operation), described there
    return op.declares(exchange.status or 0)


def frame_readings(op: Any, frames: Sequence[Frame]) -> list[Reading]:
    """The usage of each ending frame of a turn (an SSE stream or a WebSocket turn)."""
    grammar = op.grammar
    if grammar is None or grammar.usage is None:
        return []
    others = [data for _, data in frames]
    return [_reading(grammar.usage, data, others, _default_tier(op)) for kind, data in frames if kind in grammar.ends]


def _default_tier(op: Any) -> Any:
    return (getattr(op, "ai", None) or {}).get("default_model_tier")


def _reading(usage: Usage, data: Any, others: Sequence[Any], default: Any,
             headers: Mapping[str, str] | None = None) -> Reading:
    """Frames have no headers: ``headers`` is a whole answer's, for pointers written ``header:<Name>``."""
    tokens, cost = read(usage.token_count, data, headers), read(usage.cost_usd, data, headers)
    if usage.model_tier is not None:
        found = read(usage.model_tier, data, headers, _ABSENT)
        if found is not _ABSENT:
            return Reading(tokens, cost, found, f"the answer's {usage.model_tier}")
        for other in others:
            found = pointer_get(other, usage.model_tier, _ABSENT)
            if found is not _ABSENT:
                return Reading(tokens, cost, found, f"the turn's {usage.model_tier}")
    if default is not None:
        return Reading(tokens, cost, default, "x-ai-operation.default_model_tier")
    return Reading(tokens, cost, None, "")


def rates(spec: NeuronSpec) -> dict[str, float]:
    """``x-pricing.usd_per_1k_tokens``: the rate of each tier (non-negative numbers only)."""
    raw = spec.pricing.get("usd_per_1k_tokens") or {}
    return {str(k): float(v) for k, v in raw.items() if _amount(v)} if isinstance(raw, dict) else {}


def priced_tier(spec: NeuronSpec, reading: Reading) -> Reading:
    """The reading with the only ``x-pricing`` tier filled in where it names none (step 3 above)."""
    table = rates(spec)
    if reading.tier is None and len(table) == 1:
        return Reading(reading.token_count, reading.cost_usd, next(iter(table)), "the only x-pricing tier")
    return reading


def unpriced_tier(spec: NeuronSpec, reading: Reading) -> str | None:
    """Why the reading's cost cannot be checked against ``x-pricing`` (its tier), or None."""
    reading = priced_tier(spec, reading)
    if reading.tier is None:
        return "the answer names no model tier (usage.model_tier) and the operation declares no default_model_tier"
    if not isinstance(reading.tier, str) or reading.tier not in rates(spec):
        return f"model tier {reading.tier!r} (from {reading.tier_from}) has no x-pricing rate"
    return None


def spend(spec: NeuronSpec, reading: Reading) -> tuple[float, str] | None:
    """What the answer cost in USD for the budget, and how that is known: ``reported`` (its cost),
    or ``priced`` (its tokens at its tier's rate; at the highest rate when the tier is unknown, so
    that spend is never under-counted); None when it reports neither."""
    if _amount(reading.cost_usd):
        return float(reading.cost_usd), "reported"
    reading = priced_tier(spec, reading)
    table = rates(spec)
    if not _amount(reading.token_count) or not table:
        return None
    rate = table.get(reading.tier) if isinstance(reading.tier, str) else None
    return float(reading.token_count) / 1000 * (rate if rate is not None else max(table.values())), "priced"


def _amount(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0
