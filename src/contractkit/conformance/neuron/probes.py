"""How a readiness answer shows a degraded provider (``x-probe.degraded``).

A readiness probe may tell by its HTTP status (``status: [503]``), by a value in its answer
(``pointer`` + ``values``, the pointer in the answer-pointer syntax: a body field or a header),
or by both. When both are declared both must agree: a service whose status says ready while
its body says degraded tells its orchestrator the wrong thing.
"""

from __future__ import annotations

from typing import Any

from contractkit.conformance.http import Exchange
from contractkit.spec.neuron import Operation
from contractkit.spec.pointers import read_answer

_ABSENT = object()


def degraded_statuses(rule: dict[str, Any]) -> set[int]:
    """The statuses ``x-probe.degraded.status`` names (one or a list)."""
    raw = rule.get("status")
    values = raw if isinstance(raw, list) else [raw] if raw is not None else []
    return {int(v) for v in values if isinstance(v, int) and not isinstance(v, bool)}


def degraded_state(ready: Operation, exchange: Exchange) -> bool | None:
    """True when every declared marker shows degradation, False when none does, None when the
    answer does not say (a marker absent, or the markers disagree). With a status declared too,
    an answer without the pointer's field is told by its status alone: a degraded status's
    declared answer (an error body, say) need not carry the healthy answer's field."""
    rule = (ready.probe or {}).get("degraded") or {}
    if not exchange.ok:
        return None
    shown: list[bool] = []
    statuses = degraded_statuses(rule)
    if statuses:
        shown.append((exchange.status or 0) in statuses)
    if rule.get("pointer") is not None:
        value = read_answer(rule.get("pointer"), exchange, _ABSENT)
        if value is _ABSENT and not statuses:
            return None
        if value is not _ABSENT:
            shown.append(value in (rule.get("values") or []))
    if not shown or len(set(shown)) > 1:
        return None
    return shown[0]
