"""One HTTP operation of the spec, answered: auth, rate limit, input, subject, fault, answer.

The order is a real service's: a request is authenticated and authorized first (401/403), then
counted against ``x-rate-limit`` (429), then its input is read (415/413/400/422) and its entity
looked up (the subject's not-found status); only a request that would succeed meets a fault (so
an armed count or the schedule is spent only on those, and probes never meet one), and the
answer (whole, or an SSE stream) is built by :mod:`.answers`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from contractkit.double import defects
from contractkit.double.answers import Answer
from contractkit.double.auth import AuthFailure
from contractkit.double.facts import Facts
from contractkit.double.faults import FAULTS
from contractkit.double.inputs import Inputs, Refusal, read_inputs
from contractkit.double.record import Call
from contractkit.double.turns import turn_frames
from contractkit.errors import ConfigError
from contractkit.spec.neuron import Operation, pointer_get
from contractkit.spec.pointers import header_name

if TYPE_CHECKING:
    from contractkit.double.app import NeuronDouble

NO_DEADLINE_WAIT_S = 2.0
SLOW_EXTRA_S = 1.0
HANGUP_POLL_S = 0.2


def endpoint(double: NeuronDouble, op: Operation) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        raw = await request.body()
        client = double.client_of(request.headers.get("authorization"))
        key = hashlib.sha256(b"\x1f".join([op.label.encode(), request.url.query.encode(), raw])).hexdigest()[:16]
        call = double.record.start(op.label, op.method, request.url.path, client, key, None, "none")
        try:
            response = await _respond(double, request, op, raw, key, call)
        except BaseException:
            call.status = None
            double.record.finish(call)
            raise
        call.status = response.status_code
        sent = request.headers.get("authorization")
        if sent and not double.keeps("keep_credentials_private"):
            response.headers["X-Seen-Authorization"] = sent
        if response.status_code in (429, 503) and "retry-after" in response.headers:
            call.retry_after_s = float(response.headers["retry-after"])
        if not isinstance(response, StreamingResponse):
            double.record.finish(call)
        return response

    return handle


async def _respond(double: NeuronDouble, request: Request, op: Operation, raw: bytes, key: str,
                   call: Call) -> Response:
    try:
        if double.keeps("authenticate"):
            double.auth.admit(op, request.headers, request.query_params, request.cookies,
                              lambda scopes: double.scopes_of(op, scopes))
    except AuthFailure as refused:
        return double.error_response(op, refused.status, key, {"WWW-Authenticate": refused.challenge()})
    limits: dict[str, str] = {}
    wait = double.over_limit(call.client, op.label, op.rate_limit, limits)
    if wait is not None:
        return double.error_response(op, 429, key, retry_after=wait, known=limits)
    try:
        inputs = read_inputs(double.answers.gen, op, dict(request.path_params), request.query_params,
                             request.headers, request.headers.get("content-type", ""), raw)
    except Refusal as refused:
        if not double.keeps("validate_input"):
            inputs = Inputs(raw_body=raw)
        elif not double.keeps("refuse_invalid_cleanly"):
            return double.error_response(op, 500, key)
        else:
            status = {"media": Facts.status_or(op, 415, Facts.invalid_status(op)),
                      "size": Facts.status_or(op, 413, Facts.invalid_status(op))}.get(refused.kind,
                                                                                       Facts.invalid_status(op))
            if not op.declares(status) and op.subject is not None and op.subject.not_found_status:
                status = op.subject.not_found_status  # no such entity (a job id outside the id's pattern)
            return double.error_response(op, status, key)
    if not double.keeps("accept_valid") and double.strict_target is op and isinstance(inputs.body, dict) \
            and defects.optional_member(double.spec, op) not in inputs.body:
        return double.error_response(op, Facts.invalid_status(op), key)  # a valid body refused
    subject = inputs.subject(op)
    if op.subject is not None and double.keeps("known_subjects") and subject is not None \
            and str(subject) not in double.facts.known_subjects:
        return double.error_response(op, op.subject.not_found_status, key)
    if op.probe is not None:
        return _probe(double, op, key)
    try:
        fault, call.fault_source = double.plan.choose(op.label, request.headers, "sse" if op.is_stream else "whole")
    except ConfigError as exc:  # a fault header naming no fault: say so rather than ignore a typo
        return PlainTextResponse(f"neuron-double: {exc.one_line()}\n", status_code=400)
    if fault is not None and FAULTS[fault].acts_on == "provider" and op.ai is None:
        fault, call.fault_source = None, "not-applicable"  # no language model behind this operation
    call.fault = fault
    if fault is not None and FAULTS[fault].acts_on == "transport" and await double.abort(request.scope):
        return Response(b"", status_code=500)
    return await _answer(double, request, op, fault, inputs, subject, key, call, limits)


async def _answer(double: NeuronDouble, request: Request, op: Operation, fault: str | None, inputs: Inputs,
                  subject: Any, key: str, call: Call, limits: dict[str, str]) -> Response:
    deadline = op.deadline_s
    if fault == "rate_limited":
        return double.error_response(op, 429, key, retry_after=double.settings.fault_retry_after_s)
    if fault == "server_error":
        return double.error_response(op, 500, key)
    if double.jobs.serves(op):
        return double.jobs.answer(op, subject, key, limits)
    hung_up = False
    if fault == "slow":
        hung_up = await _wait(double, request, (deadline or NO_DEADLINE_WAIT_S) + SLOW_EXTRA_S)
    degraded = False
    if fault is not None and FAULTS[fault].acts_on == "provider":
        double.health.failure()
        if fault == "provider_timeout":
            hung_up = await _wait(double, request, provider_wait(double, deadline))
        degraded = not (op.is_stream and fault == "stream_interrupted")
    if hung_up:
        call.hung_up = True  # the consumer stopped waiting: nobody reads what follows
        return Response(b"", status_code=499)
    unavailable = degraded and op.fallback_mode == "unavailable" and not op.is_stream
    if op.job is not None:
        call.degraded = degraded
        tier = double.facts.tier(op.ai, inputs.values(), op.usage)
        answer = double.answers.answer(op.operation_id or op.label, subject, tier, degraded and not unavailable)
        return double.jobs.accept(op, answer, key, 503 if unavailable else None, limits)
    if unavailable:
        call.degraded = True
        return double.error_response(op, 503, key, retry_after=Facts.retry_after(op.ai))
    family = (op.ai or {}).get("stream_of") or op.operation_id or op.label
    tier = double.facts.tier(op.ai, inputs.values(), op.grammar.usage if op.grammar is not None else op.usage)
    answer = double.answers.answer(family, subject, tier, degraded)
    if not double.keeps("price_usage"):
        answer = Answer(answer.text, answer.tier, answer.tokens, round(answer.cost * 2 + 0.001, 6), answer.degraded)
    call.degraded = degraded
    if not degraded and fault != "stream_interrupted":
        double.health.success()
    status = int(double.facts.success_status(op))
    headers = {**double.declared_headers(op, str(status), key, limits), **double.answers.usage_headers(op, answer)}
    if not double.keeps("declared_success") and double.undeclared_success_target is op:
        status = defects.undeclared_success(op)
    if op.is_stream:
        return _stream(double, request, op, fault, answer, headers, status, call)
    body = double.answers.whole(op, answer, key)
    if not double.keeps("report_usage"):
        body = defects.without_usage(op, body, headers)
    if not double.keeps("success_schema"):
        body = defects.without(body, op.answer_text)
    if degraded and not double.keeps("mark_fallback") and op.fallback_marker:
        body = double.answers.fill({}, body, [(op.fallback_marker, False)])
        if (marker := header_name(op.fallback_marker)) is not None:
            headers[marker] = "false"
    media = double.answers.success_media(op)[0] if double.keeps("declared_media") else "text/plain"
    if status in (204, 205, 304):
        return Response(status_code=status, headers=headers)
    data = json.dumps(body, separators=(",", ":")).encode()
    if fault == "malformed_json":
        return Response(data[: max(1, len(data) // 2)] + b"<!-- not json", status_code=status, media_type=media,
                        headers=headers)
    if fault == "truncated_body":
        return _Truncated(double, data, status, media, headers)
    return Response(data, status_code=status, media_type=media, headers=headers)


async def _wait(double: NeuronDouble, request: Request, seconds: float) -> bool:
    """Hold the answer ``seconds``; True as soon as the consumer hangs up (so the record knows when)."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        await double.sleep(min(HANGUP_POLL_S, left))
        if await request.is_disconnected():
            return True
    return False


def provider_wait(double: NeuronDouble, deadline: float | None) -> float:
    """How long a hanging provider holds an answer: most of the deadline, never past it."""
    if deadline is None:
        return NO_DEADLINE_WAIT_S
    if not double.keeps("keep_deadline"):
        return deadline + SLOW_EXTRA_S
    return max(0.0, min(deadline * 0.5, deadline - 1.0))


def _probe(double: NeuronDouble, op: Operation, key: str) -> Response:
    """A liveness or readiness answer; readiness says degraded where ``x-probe.degraded`` says how:
    by its status (the declared error answer of that status), by the value at its pointer (in the
    body or a header), or both."""
    media, content = double.answers.success_media(op)
    schema = content.get("schema") or {}
    base = double.answers.base_body(("probe", op.label), schema, content, key)
    conf = (op.probe or {}).get("degraded") or {}
    pointer, values = conf.get("pointer"), [v for v in conf.get("values") or [] if v is not None]
    statuses = [int(s) for s in (conf.get("status") if isinstance(conf.get("status"), list) else [conf.get("status")])
                if isinstance(s, int | str) and str(s).isdigit()]
    header = header_name(pointer)
    extra: dict[str, str] = {}
    if header is not None and values:
        extra[header] = str(values[0]) if double.degraded else _healthy_header(double, op, header, values)
    if double.degraded and statuses:
        return double.error_response(op, statuses[0], key, extra, retry_after=Facts.retry_after(None))
    body = base
    if pointer and values and header is None:
        if double.degraded:
            body = double.answers.fill(schema, base, [(pointer, values[0])])
        elif pointer_get(base, pointer) in values:
            for candidate in _HEALTHY:
                body = double.answers.fill(schema, base, [(pointer, candidate)])
                if pointer_get(body, pointer) == candidate:
                    break
    status = int(double.facts.success_status(op))
    return Response(json.dumps(body, separators=(",", ":")).encode(), status_code=status, media_type=media,
                    headers={**double.declared_headers(op, str(status), key), **extra})


_HEALTHY = ("ok", "ready", "healthy", "up", "available", "pass")


def _healthy_header(double: NeuronDouble, op: Operation, name: str, degraded_values: list[Any]) -> str:
    """A value of the readiness header that is not one of its degraded values (from its schema's enum)."""
    response = op.responses.get(double.facts.success_status(op))
    header = (response.headers.get(name) if response else None) or {}
    schema = double.spec.deref(header.get("schema") or {}) or {}
    choices = [v for v in schema.get("enum") or [] if v not in degraded_values] + list(_HEALTHY)
    return str(next(v for v in choices if v not in degraded_values))


def _stream(double: NeuronDouble, request: Request, op: Operation, fault: str | None, answer: Answer,
            headers: dict[str, str], status: int, call: Call) -> StreamingResponse:
    grammar = op.grammar
    schemas = op.event_schemas
    terminal = double.keeps("terminal_frame")
    frames = turn_frames(double.answers, grammar, lambda kind: schemas.get(kind) or {}, answer, fault,
                         terminal=terminal, defects=double.defects) if grammar is not None else []
    typed_by_field = grammar is not None and grammar.type_field is not None

    async def events() -> AsyncIterator[bytes]:
        sent = 0
        call.stream = "abandoned"
        try:
            for kind, frame in frames:
                if fault == "stream_cut" and sent >= double.settings.cut_after_frames:
                    call.stream = "cut"
                    await double.abort(request.scope)
                    return
                if fault == "slow_tokens" and sent:
                    await double.sleep(double.settings.slow_token_s)
                if fault == "malformed_json" and sent == 1:
                    yield b"data: {\"not json\n\n"
                data = json.dumps(frame, separators=(",", ":"))
                yield (f"data: {data}\n\n" if typed_by_field else f"event: {kind}\ndata: {data}\n\n").encode()
                sent += 1
            call.stream = "error" if frames and grammar is not None and frames[-1][0] in grammar.errors else "complete"
        finally:
            call.frames = sent
            double.record.finish(call)

    return StreamingResponse(events(), status_code=status, media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", **headers})


class _Truncated(Response):
    """A success answer whose body stops half way: the connection is reset before Content-Length is reached."""

    def __init__(self, double: NeuronDouble, data: bytes, status: int, media: str, headers: dict[str, str]) -> None:
        super().__init__(data, status_code=status, media_type=media, headers=headers)
        self.double = double
        self.data = data

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.data[: len(self.data) // 2], "more_body": True})
        if not await self.double.abort(scope):
            await send({"type": "http.response.body", "body": b"", "more_body": False})
