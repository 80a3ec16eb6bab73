"""Fallback rules: provider failures get the declared fallback, within the deadline, and readiness tells.

Every AI operation is driven through every whole-answer fault mode the driver can cause
(``fault_matrix``, once per run). With the provider double each (operation, mode) has a window
of its own, one request in it, so a fault is attributed to the request it reached (an operation
answered from a cache is "not seen" for that operation only); with the header hook the
operations run in parallel per mode and the answer itself must show the fault. The rules then
judge the same answers: the declared fallback (a schema-valid degraded answer marked where
``x-ai-operation.fallback.marker`` says, or 503 with ``Retry-After``), the deadline, and
readiness (``x-probe``). A fault that was not seen to happen is not counted: it proves nothing
either way.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from contractkit.conformance.http import Exchange, retry_after_seconds
from contractkit.conformance.ledger import LEDGER
from contractkit.conformance.neuron.common import fail, require_answer
from contractkit.conformance.neuron.faults import FaultWindow
from contractkit.conformance.neuron.injection import driver_for, provider_error_once, shows_fault
from contractkit.conformance.neuron.jobs import answer_of, answering_operation, is_failed_job
from contractkit.conformance.neuron.probes import degraded_state
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import Examined, NotVerified
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.conformance.selection import within
from contractkit.spec import declarations
from contractkit.spec.neuron import Operation
from contractkit.spec.pointers import read_answer

DEADLINE_MARGIN_S = 0.5
_LOCK = threading.Lock()  # guards the fault matrix and the readiness answers cached in neuron.notes


@dataclass
class FaultAnswer:
    """One operation's answer under one provider fault, and whether the fault was seen to happen."""

    mode: str
    exchange: Exchange
    window: FaultWindow


def fault_matrix(neuron: NeuronTarget) -> dict[tuple[str, str], FaultAnswer]:
    """(operation label, mode) -> the answer under that fault; computed once per run."""
    driver = driver_for(neuron)
    with _LOCK:
        if "fault_matrix" in neuron.notes:
            return neuron.notes["fault_matrix"]
    ops = within([op for op in neuron.spec.operations if op.ai], neuron.options)  # --operation bounds it
    requests = {}
    for op in ops:
        try:
            requests[op.label] = neuron.request(op)
            neuron.token_for(op)
        except NotVerified:
            continue
    ops = [op for op in ops if op.label in requests]
    matrix: dict[tuple[str, str], FaultAnswer] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(ops))) as pool:
        for mode in driver.whole_answer_modes():
            if driver.shared:  # one request per armed window: the fault is told to have reached it, or not
                for op in ops:
                    with driver.fault(mode) as window:
                        exchange = _timed_call(neuron, op, requests[op.label], window.headers)
                    matrix[(op.label, mode)] = FaultAnswer(mode, exchange, window)
                continue
            with driver.fault(mode) as window:
                futures = {op.label: pool.submit(_timed_call, neuron, op, requests[op.label], window.headers)
                           for op in ops}
                answers = {label: future.result() for label, future in futures.items()}
            for label, exchange in answers.items():
                matrix[(label, mode)] = FaultAnswer(mode, exchange, window)
    _recover(neuron, ops)
    with _LOCK:
        neuron.notes["fault_matrix"] = matrix
    return matrix


def _timed_call(neuron: NeuronTarget, op: Operation, parts: object, headers: dict[str, str]) -> Exchange:
    """One request under the fault window's headers; for an async operation, followed to the job's final
    answer (timed from the request). It waits past the deadline: a timeout is late, never on time."""
    exchange = neuron.call(op, parts=parts, headers=headers, timeout=neuron.timeout_for(op))  # type: ignore[arg-type]
    return answer_of(neuron, op, exchange)


def _recover(neuron: NeuronTarget, ops: list[Operation]) -> None:
    """One good call, so that readiness recovers before the rest of the run."""
    for op in ops[:1]:
        neuron.call(op)


def seen_answers(neuron: NeuronTarget, op: Operation) -> tuple[list[FaultAnswer], list[str]]:
    """The answers of ``op`` under faults that were seen to happen, and why the others do not count."""
    if op.ai is None:
        raise NotVerified(declarations.AI_OPERATION.reason)
    answers = [a for (label, _), a in fault_matrix(neuron).items() if label == op.label]
    if not answers:
        raise NotVerified(f"the fault driver could cause no whole-answer failure on {op.label}")
    seen, unseen = [], []
    for answer in answers:
        if answer.window.reached is False:
            unseen.append(f"{answer.mode}: the provider double received no provider call for this request")
            continue
        shown = shows_fault(op, answer.exchange)
        if shown is None:
            unseen.append(f"{answer.mode}: the spec does not say how a degraded answer is marked "
                          "(x-ai-operation.fallback.marker)")
        elif not answer.window.attribute(answer.exchange, shown):
            status = answer.exchange.status or 0
            if not 200 <= status < 300:  # refused before any provider call (invalid, unauthorized, ...)
                unseen.append(f"{answer.mode}: the request was answered {status}, which shows no provider failure")
                continue
            if neuron.options.fault_injection:
                raise fail(f"under {answer.mode}: the target answered normally although the fault-injection "
                           f"header asked for a provider failure (--fault-injection says the hook is on)",
                           answer.exchange)
            unseen.append(f"{answer.mode}: the answer shows no failure (the hook may be off)")
        else:
            seen.append(answer)
            LEDGER.count(answer.exchange)
    return seen, unseen


def check_fallback_answer(neuron: NeuronTarget, op: Operation, mode: str, exchange: Exchange) -> None:
    require_answer(exchange, f"under {mode}")
    if is_failed_job(exchange):
        return  # a job that ends failed is the async form of 503 + Retry-After
    status = exchange.status or 0
    answering = answering_operation(neuron, op, exchange)
    if op.fallback_mode == "unavailable":
        if status != 503:
            raise fail(f"under {mode}: expected the declared fallback 503 (mode unavailable), got {status}", exchange)
        if retry_after_seconds(exchange.headers.get("retry-after")) is None:
            raise fail(f"under {mode}: 503 without a Retry-After (seconds or an HTTP-date)", exchange)
        return
    if status == 503 and retry_after_seconds(exchange.headers.get("retry-after")) is not None:
        return  # 503 + Retry-After is always an acceptable fallback
    if not (200 <= status < 300 and answering.declares(status)):
        raise fail(f"under {mode}: expected a degraded answer (a declared 2xx, marked degraded) or 503 + "
                   f"Retry-After, got {status}", exchange)
    if op.is_stream:
        if shows_fault(op, exchange) is not True:
            raise fail(f"under {mode}: the stream did not end with an error frame or an ending frame marked "
                       "degraded", exchange)
        return
    body = exchange.json_or_none()
    if op.fallback_marker is not None and read_answer(op.fallback_marker, exchange) is not True:
        raise fail(f"under {mode}: the {status} answer is not marked degraded at {op.fallback_marker} "
                   f"(got {read_answer(op.fallback_marker, exchange)!r})", exchange)
    response = answering.responses.get(str(status)) or answering.responses.get("2XX")
    schema = next((m.get("schema") for m in (response.content.values() if response else ()) if m.get("schema")), None)
    problems = neuron.spec.errors(schema, body) if schema else []
    if problems:
        raise fail(f"under {mode}: the degraded answer does not match its schema: {problems[0]}", exchange)


def _evidence(seen: list[FaultAnswer], unseen: list[str], what: str) -> Examined:
    modes = ", ".join(sorted({a.mode for a in seen}))
    if not seen:
        raise NotVerified("no provider fault was seen to happen: " + "; ".join(unseen))
    return Examined(len(seen), what, f"faults seen: {modes}", "; ".join(unseen))


@NEURON_CHECKS.register("NEU-FB-001", "Provider failures get the declared fallback, never a bare 5xx",
                        kind="fault",
                        clause="docs/extensions.md#x-ai-operation (fallback); docs/extensions.md#x-fault-injection",
                        tags=("disruptive",), applies="ai")
def declared_fallback(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: makes the LLM provider fail in every way the driver can (5xx, timeout,
    429, malformed answer) and checks the operation's declared fallback: a schema-valid answer
    marked degraded (``degraded_answer``) or 503 with ``Retry-After`` (``unavailable``). A fault
    counts only when it was seen to happen (the double received the call, or the answer shows it).

    Why: the provider fails in production; a 500 there takes engine/ down with it.
    """
    seen, unseen = seen_answers(neuron, op)
    for answer in seen:
        check_fallback_answer(neuron, op, answer.mode, answer.exchange)
    return _evidence(seen, unseen, "answers under provider faults")


@NEURON_CHECKS.register("NEU-FB-002", "Answers arrive within the operation's deadline, even when the provider fails",
                        kind="fault",
                        clause="docs/extensions.md#x-ai-operation (deadline_ms)", tags=("disruptive",), applies="ai")
def deadline_kept(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: times every answer under every provider fault that was seen to happen (a
    hanging provider included) and a normal answer, against ``deadline_ms`` (plus 0.5 s).

    Why: engine/ sizes its own timeouts from the deadline; an AI call that overruns it holds
    a user request hostage.
    """
    deadline = op.deadline_s
    if deadline is None:
        raise NotVerified(declarations.DEADLINE.reason)
    seen, unseen = seen_answers(neuron, op)
    normal = _timed_call(neuron, op, neuron.request(op), {})  # waits past the deadline: a timeout is late
    for mode, exchange in [(a.mode, a.exchange) for a in seen] + [("no fault", normal)]:
        if exchange.elapsed_s > deadline + DEADLINE_MARGIN_S:
            raise fail(f"under {mode}: {'answered' if exchange.ok else 'no answer'} after {exchange.elapsed_s:.2f} "
                       f"s, the deadline is {deadline:g} s", exchange)
        if exchange.error and mode != "no fault":
            require_answer(exchange, f"under {mode}")
    if not normal.ok:
        unseen.append(f"no fault: the normal request got no answer ({normal.error}), so it was not timed")
    return _evidence(seen, unseen, "timed answers under provider faults")


def _degraded(neuron: NeuronTarget, ready: Operation) -> tuple[bool | None, Exchange]:
    exchange = neuron.call(ready)
    return degraded_state(ready, exchange), exchange


@NEURON_CHECKS.register("NEU-FB-003", "Readiness reports the provider's degradation, then its recovery",
                        kind="fault", clause="docs/extensions.md#x-probe (readiness, degraded)", tags=("disruptive",))
def readiness(neuron: NeuronTarget) -> Examined:
    """What it does: makes the provider fail once (and sees that it did), then reads the
    readiness probe (``x-probe: {role: readiness}``), which must show the degradation its
    ``degraded`` pointer and values declare; makes one good call and reads it again, which must
    no longer show it.

    Why: orchestrators and on-call engineers learn about a failing provider from readiness.
    """
    ready = neuron.spec.probe("readiness")
    if ready is None or not (ready.probe or {}).get("degraded"):
        raise NotVerified(declarations.READINESS.reason)
    op, caused, window = provider_error_once(neuron, driver_for(neuron))
    if window.reached is False:
        raise window.not_seen()
    if not window.attribute(caused, shows_fault(op, caused)):
        raise NotVerified("the provider failure was not seen to happen (the answer shows no failure)")
    LEDGER.count(caused)
    state, exchange = _degraded(neuron, ready)
    require_answer(exchange, "readiness after a provider failure")
    if state is not True:
        raise fail(f"after a provider failure, readiness does not show the degradation "
                   f"({(ready.probe or {}).get('degraded')})", exchange)
    neuron.call(op)
    state, exchange = _degraded(neuron, ready)
    if state is not False:
        raise fail("after a successful call, readiness still shows the degradation (or no longer says)", exchange)
    return Examined(2, "readiness answers", "degraded after a provider failure, recovered after a good call")
