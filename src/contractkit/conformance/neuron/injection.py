"""Causing provider faults on a live target, and telling an answer that shows one: the run's fault
driver (the double, or the target's own hook once probed) and the signs of a fault the rules read."""

from __future__ import annotations

import threading

from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron.faults import FaultDriver, FaultWindow, fault_driver
from contractkit.conformance.neuron.frames import stream_frames
from contractkit.conformance.neuron.jobs import is_failed_job
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import NotVerified
from contractkit.conformance.selection import within
from contractkit.spec.neuron import Operation, pointer_get
from contractkit.spec.pointers import read_answer

_LOCK = threading.Lock()  # guards the run's fault driver, decided once and kept in neuron.notes


def shows_fault(op: Operation, exchange: Exchange) -> bool | None:
    """Whether an answer shows a provider failure: a degraded answer, a 503, a 5xx, an error frame.

    None when the spec does not say how a degraded answer is marked, so it cannot be told.
    """
    status = exchange.status or 0
    if not exchange.ok or status >= 500 or is_failed_job(exchange):
        return True
    if op.is_stream:
        grammar = op.grammar
        if grammar is None:
            return None
        frames = [f for f in stream_frames(exchange, op) if f[0] not in grammar.connection]
        last = frames[-1] if frames else None
        if last is None:
            return True
        if last[0] in grammar.errors:
            return True
        return None if grammar.fallback is None else pointer_get(last[1], grammar.fallback) is True
    if op.fallback_marker is None:
        return None
    return read_answer(op.fallback_marker, exchange) is True


def driver_for(neuron: NeuronTarget) -> FaultDriver:
    """The run's fault driver; for the header hook, first check that the target honours it."""
    with _LOCK:
        cached = neuron.notes.get("fault_driver")
        if isinstance(cached, NotVerified):
            raise cached
        if cached is not None:
            return cached
        try:
            driver = fault_driver(neuron.spec, neuron.options.provider_double, neuron.options.request_timeout)
            if driver.header and not neuron.options.fault_injection:
                _probe_hook(neuron, driver)
        except NotVerified as exc:
            neuron.notes["fault_driver"] = exc
            raise
        neuron.notes["fault_driver"] = driver
        return driver


def provider_error_once(neuron: NeuronTarget, driver: FaultDriver) -> tuple[Operation, Exchange, FaultWindow]:
    """One call to the first whole-answer AI operation while the provider fails: what the probe of
    the hook and the readiness rule both start from."""
    ops = within([op for op in neuron.spec.operations if op.ai and not op.is_stream], neuron.options)
    if not ops or "provider_error" not in driver.modes:
        raise NotVerified("no whole-answer AI operation" + (" within the run's filter" if neuron.options.filtered
                                                            else "") + ", or no provider_error fault, to cause a "
                          "failure with")
    op = ops[0]
    with driver.fault("provider_error") as window:
        exchange = neuron.call(op, headers=window.headers)
    return op, exchange, window


def _probe_hook(neuron: NeuronTarget, driver: FaultDriver) -> None:
    op, exchange, _ = provider_error_once(neuron, driver)
    if exchange.ok and (exchange.status or 0) < 300 and shows_fault(op, exchange) is not True:
        raise NotVerified(f"the target ignores {driver.header} (its hook is off) and no --provider-double was "
                          "given; enable the hook on staging and pass --fault-injection, or use --provider-double")
