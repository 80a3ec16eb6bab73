"""Fallback rules: provider failures get the declared fallback, within the deadline, and readiness tells.

Every AI operation is driven through every whole-answer fault mode the driver can cause
(``fault_matrix``, once per run, operations in parallel per mode so timeouts overlap). The
rules then judge the same answers: the declared fallback (a schema-valid degraded answer marked
``fallback: true``, or 503 with ``Retry-After``), the deadline, and readiness.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron.common import fail, require_answer
from contractkit.conformance.neuron.event_stream import parse_sse
from contractkit.conformance.neuron.faults import FaultDriver, fault_driver
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import NotVerified
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.spec.neuron import Operation

DEADLINE_MARGIN_S = 0.5
_LOCK = threading.Lock()


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


def _probe_hook(neuron: NeuronTarget, driver: FaultDriver) -> None:
    ops = [op for op in neuron.spec.operations if op.ai and not op.is_stream and op.fallback_mode == "degraded_answer"]
    if not ops or "provider_error" not in driver.modes:
        raise NotVerified("no operation to probe the fault-injection hook with")
    op = ops[0]
    with driver.fault("provider_error") as headers:
        exchange = neuron.call(op, body=neuron.valid_body(op), headers=headers)
    body = exchange.json_or_none()
    if exchange.status == 200 and isinstance(body, dict) and body.get("fallback") is False:
        raise NotVerified(f"the target ignores {driver.header} (its hook is off) and no --provider-double was "
                          "given; enable the hook on staging and pass --fault-injection, or use --provider-double")


def fault_matrix(neuron: NeuronTarget) -> dict[tuple[str, str], Exchange]:
    """(operation label, mode) -> the answer under that fault; computed once per run."""
    driver = driver_for(neuron)
    with _LOCK:
        if "fault_matrix" in neuron.notes:
            return neuron.notes["fault_matrix"]
    ops = [op for op in neuron.spec.operations if op.ai]
    bodies = {op.label: neuron.valid_body(op) for op in ops}
    for op in ops:
        neuron.token_for(op)
    matrix: dict[tuple[str, str], Exchange] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(ops))) as pool:
        for mode in driver.whole_answer_modes():
            with driver.fault(mode) as headers:
                futures = {op.label: pool.submit(_timed_call, neuron, op, bodies[op.label], headers) for op in ops}
                for label, future in futures.items():
                    matrix[(label, mode)] = future.result()
    _recover(neuron, ops)
    with _LOCK:
        neuron.notes["fault_matrix"] = matrix
    return matrix


def _timed_call(neuron: NeuronTarget, op: Operation, body: Any, headers: dict[str, str]) -> Exchange:
    timeout = max(neuron.options.request_timeout, (op.deadline_s or 0) + 5)
    return neuron.call(op, body=body, headers=headers, timeout=timeout)


def _recover(neuron: NeuronTarget, ops: list[Operation]) -> None:
    """One good call, so that readiness recovers before the rest of the run."""
    for op in ops[:1]:
        neuron.call(op, body=neuron.valid_body(op))


def _answers(neuron: NeuronTarget, op: Operation) -> list[tuple[str, Exchange]]:
    if op.ai is None:
        raise NotVerified(f"{op.label} declares no x-ai-operation")
    matrix = fault_matrix(neuron)
    found = [(mode, ex) for (label, mode), ex in matrix.items() if label == op.label]
    if not found:
        raise NotVerified("the fault driver could cause no whole-answer failure")
    return found


def check_fallback_answer(neuron: NeuronTarget, op: Operation, mode: str, exchange: Exchange) -> None:
    require_answer(exchange, f"under {mode}")
    status = exchange.status or 0
    declared = op.fallback_mode
    if declared == "unavailable":
        if status != 503:
            raise fail(f"under {mode}: expected the declared fallback 503 (mode unavailable), got {status}", exchange)
        if not (exchange.headers.get("retry-after") or "").strip().isdigit():
            raise fail(f"under {mode}: 503 without an integer Retry-After", exchange)
        return
    if status == 503 and exchange.headers.get("retry-after", "").strip().isdigit():
        return  # 503 + Retry-After is always an acceptable fallback
    if status != 200:
        raise fail(f"under {mode}: expected a degraded answer (200, fallback: true) or 503 + Retry-After, "
                   f"got {status}", exchange)
    if op.is_stream:
        events = parse_sse(exchange)
        done = [e for e in events if e[0] in ("done", "error")]
        if not done or (done[-1][0] == "done" and (done[-1][1] or {}).get("fallback") is not True):
            raise fail(f"under {mode}: the stream did not end with a terminal event marked fallback: true", exchange)
        return
    body = exchange.json_or_none()
    if not isinstance(body, dict) or body.get("fallback") is not True:
        raise fail(f"under {mode}: the 200 answer is not marked fallback: true", exchange)
    schema = next((m.get("schema") for m in op.responses["200"].content.values() if m.get("schema")), None)
    problems = neuron.spec.errors(schema, body) if schema else []
    if problems:
        raise fail(f"under {mode}: the degraded answer does not match its schema: {problems[0]}", exchange)


@NEURON_CHECKS.register("NEU-FB-001", "Provider failures get the declared fallback, never a bare 5xx",
                        clause="x-ai-operation.fallback; x-fault-injection.modes", tags=("disruptive",), applies="ai")
def declared_fallback(neuron: NeuronTarget, op: Operation) -> None:
    """What it does: makes the LLM provider fail in every way the driver can (5xx, timeout,
    429, malformed answer) and checks the operation's declared fallback: a schema-valid answer
    marked ``fallback: true`` (``degraded_answer``) or 503 with ``Retry-After`` (``unavailable``).

    Why: the provider fails in production; a 500 there takes engine/ down with it.
    """
    for mode, exchange in _answers(neuron, op):
        check_fallback_answer(neuron, op, mode, exchange)


@NEURON_CHECKS.register("NEU-FB-002", "Answers arrive within the operation's deadline, even when the provider fails",
                        clause="x-ai-operation.deadline_ms", tags=("disruptive",), applies="ai")
def deadline_kept(neuron: NeuronTarget, op: Operation) -> None:
    """What it does: times every answer under every provider fault (a hanging provider
    included) and a normal answer, against ``deadline_ms`` (plus 0.5 s for the network).

    Why: engine/ sizes its own timeouts from the deadline; an AI call that overruns it holds
    a user request hostage.
    """
    deadline = op.deadline_s
    if deadline is None:
        raise NotVerified(f"{op.label} declares no deadline_ms")
    answers = _answers(neuron, op)
    normal = neuron.call(op, body=neuron.valid_body(op))
    answers.append(("no fault", normal))
    for mode, exchange in answers:
        if exchange.error and "no complete answer" not in exchange.error:
            require_answer(exchange, f"under {mode}")
        if exchange.elapsed_s > deadline + DEADLINE_MARGIN_S:
            raise fail(f"under {mode}: answered after {exchange.elapsed_s:.2f} s, the deadline is {deadline:g} s",
                       exchange)


def readiness_operation(neuron: NeuronTarget) -> Operation | None:
    for op in neuron.spec.operations:
        if op.method != "GET" or "200" not in op.responses:
            continue
        for media in op.responses["200"].content.values():
            schema = neuron.spec.deref(media.get("schema") or {})
            status = neuron.spec.deref(((schema or {}).get("properties") or {}).get("status") or {})
            if "degraded" in (status.get("enum") or []):
                return op
    return None


def _ready_state(neuron: NeuronTarget, ready: Operation) -> tuple[str | None, Exchange]:
    exchange = neuron.call(ready)
    body = exchange.json_or_none()
    return (body.get("status") if isinstance(body, dict) else None), exchange


@NEURON_CHECKS.register("NEU-FB-003", "Readiness reports the provider's degradation, then its recovery",
                        clause="paths./ready (Readiness.status degraded / ready)", tags=("disruptive",))
def readiness(neuron: NeuronTarget) -> None:
    """What it does: makes the provider fail once, then reads readiness (must say ``degraded``),
    makes one good call, and reads it again (must say ``ready``).

    Why: orchestrators and on-call engineers learn about a failing provider from readiness.
    """
    ready = readiness_operation(neuron)
    if ready is None:
        raise NotVerified("the spec declares no readiness operation with a 'degraded' status")
    driver = driver_for(neuron)
    ops = [op for op in neuron.spec.operations if op.ai and not op.is_stream]
    if not ops or "provider_error" not in driver.modes:
        raise NotVerified("no AI operation or no provider_error fault to degrade readiness with")
    op = ops[0]
    with driver.fault("provider_error") as headers:
        neuron.call(op, body=neuron.valid_body(op), headers=headers)
    state, exchange = _ready_state(neuron, ready)
    require_answer(exchange, "readiness after a provider failure")
    if state != "degraded":
        raise fail(f"after a provider failure, readiness says {state!r}, expected 'degraded'", exchange)
    neuron.call(op, body=neuron.valid_body(op))
    state, exchange = _ready_state(neuron, ready)
    if state != "ready":
        raise fail(f"after a successful call, readiness still says {state!r}, expected 'ready'", exchange)
