"""Small helpers the neuron/ checks share: request bodies, expectations, challenge parsing."""

from __future__ import annotations

import re
from typing import Any

from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import NotVerified, Violation
from contractkit.spec.neuron import Operation

_PARAM = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def any_body(neuron: NeuronTarget, operation: Operation) -> Any:
    """A request body good enough to reach the auth layer: the valid one when possible."""
    try:
        return neuron.valid_body(operation)
    except NotVerified:
        body = operation.example_body
        if isinstance(body, dict) and operation.takes_customer:
            return {**body, "customer_id": neuron.unknown_customer()}
        return body if body is not None else ({} if operation.request_schema else None)


def require_answer(exchange: Exchange, what: str) -> None:
    """A transport failure is itself a violation of the rule being checked."""
    if not exchange.ok:
        raise Violation(f"{what}: no HTTP answer ({exchange.error})", evidence=exchange.evidence(),
                        operation=exchange.operation)


def challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer error="x", scope="y"`` -> ("bearer", {"error": "x", "scope": "y"})."""
    scheme, _, rest = header.strip().partition(" ")
    params = {m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3)) for m in _PARAM.finditer(rest)}
    return scheme.lower(), params


def json_body(exchange: Exchange) -> Any:
    return exchange.json_or_none()


def fail(message: str, exchange: Exchange | None = None, *notes: str) -> Violation:
    return Violation(message, evidence=exchange.evidence(*notes) if exchange else None,
                     operation=exchange.operation if exchange else None)
