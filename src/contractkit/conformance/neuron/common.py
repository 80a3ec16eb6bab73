"""Small helpers the neuron/ checks share: request bodies, expectations, challenge parsing."""

from __future__ import annotations

from contractkit.conformance.challenge import challenge
from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import NotVerified, Violation
from contractkit.spec.neuron import Operation

__all__ = ["challenge", "fail", "positive_control", "require_answer"]  # challenge: conformance/challenge.py


def positive_control(neuron: NeuronTarget, operation: Operation) -> Exchange:
    """The valid request with a token of the operation's scopes must succeed before a refusal means
    anything: a target that refuses everything (404, 429, a broken token) proves nothing by refusing.

    Done once per operation and run; raises NotVerified with what the control got instead.
    """
    key = f"positive_control:{operation.label}"
    cached = neuron.notes.get(key)
    if cached is None:
        try:
            cached = neuron.call(operation)
        except NotVerified as exc:
            cached = exc
        neuron.notes[key] = cached
    if isinstance(cached, NotVerified):
        raise NotVerified(f"no positive control: {cached.message}")
    if not cached.ok or not 200 <= (cached.status or 0) < 300:
        got = cached.error if not cached.ok else f"HTTP {cached.status}"
        raise NotVerified(f"positive control failed: the valid request with a token of the operation's scopes "
                          f"got {got}, so a refusal would prove nothing")
    return cached


def require_answer(exchange: Exchange, what: str) -> None:
    """A transport failure is itself a violation of the rule being checked."""
    if not exchange.ok:
        raise Violation(f"{what}: no HTTP answer ({exchange.error})", evidence=exchange.evidence(),
                        operation=exchange.operation)


def fail(message: str, exchange: Exchange | None = None, *notes: str) -> Violation:
    return Violation(message, evidence=exchange.evidence(*notes) if exchange else None,
                     operation=exchange.operation if exchange else None)
