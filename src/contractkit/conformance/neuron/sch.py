"""Schema conformance (NEU-SCH-001..006): the answers to schemathesis' generated valid and invalid
requests, judged by its checks and the spec's declarations (the phase itself: ``schema_run``)."""

from __future__ import annotations

from typing import Any

from contractkit.conformance.ledger import examined_of
from contractkit.conformance.neuron.common import positive_control, refusals_of
from contractkit.conformance.neuron.schema_run import (
    Sample,
    api_key_params,
    judge,
    schema_run,
    served,
    sources_of,
    st_failures,
)
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import Examined, NotVerified, Violation
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.spec.neuron import Operation


def _below_500(samples: list[Sample]) -> list[Sample]:
    """5xx answers are judged once, by NEU-SCH-005 (valid input) and NEU-ERR-003 (invalid input)."""
    return [s for s in samples if not s.exchange.ok or (s.exchange.status or 0) < 500]


def _checks() -> Any:
    from schemathesis.specs.openapi import checks

    return checks


CLAUSE = "paths.*.responses (OpenAPI 3.1 response objects)"


@NEURON_CHECKS.register("NEU-SCH-001", "Response bodies match their declared schemas",
                        kind="observation", clause=CLAUSE + " content.schema", applies="json_answers")
def response_schema(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: validates every successful JSON answer to generated requests against the
    schema the spec declares for its status (schemathesis ``response_schema_conformance``).
    Error bodies are NEU-ERR-001's; event streams are judged per event by NEU-SSE-001 against
    x-sse-events (specs written for OpenAPI 3.1 often give a stream a placeholder ``type: string``
    schema, which schemathesis would apply to every event).

    Why: engine/ and experience/ parse these answers; a drifting field type or a ``confidence``
    of 1.3 breaks them at runtime.
    """
    run = schema_run(neuron, op)
    # an answer whose status declares no schema is NEU-SCH-002's: judging it here would pass on nothing
    samples = [s for s in run.samples if s.exchange.content_type != "text/event-stream"
               and (not s.exchange.ok or ((s.exchange.status or 0) < 400 and _has_schema(op, s.exchange.status)))]
    if not samples and run.samples:
        raise NotVerified(f"no generated request to {op.label} got a successful JSON answer of a status "
                          "that declares a schema")
    return judge(neuron, op, samples, lambda s: st_failures(s, _checks().response_schema_conformance), "answers")


def _has_schema(op: Operation, status: int | None) -> bool:
    """Whether the spec declares a JSON schema for answers of ``status`` to ``op``."""
    response = op.responses.get(str(status)) or op.responses.get(f"{str(status)[:1]}XX")
    return response is not None and any("json" in media and isinstance(m, dict) and m.get("schema") is not None
                                        for media, m in response.content.items())


@NEURON_CHECKS.register("NEU-SCH-002", "Status codes are declared", kind="observation",
                        clause=CLAUSE + " (status codes)",
                        applies="operation")
def status_code(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: every status below 500 the target answers must be declared for the
    operation (schemathesis ``status_code_conformance``). 5xx answers are the business of
    NEU-SCH-005 and NEU-ERR-003, so one fault is reported once. The operation's own answer under a
    2xx it does not declare fails the rule even when no answer had a declared status (served
    only that way, the operation was still seen served)."""
    run = schema_run(neuron, op)
    misnumbered = _served_undeclared(neuron, op, run.samples)
    if misnumbered:
        judge(neuron, op, misnumbered, lambda s: st_failures(s, _checks().status_code_conformance), "answers")
    served(neuron, op, run)
    return judge(neuron, op, _below_500(run.samples), lambda s: st_failures(s, _checks().status_code_conformance),
                 "answers")


def _served_undeclared(neuron: NeuronTarget, op: Operation, samples: list[Sample]) -> list[Sample]:
    """Answers with a 2xx the operation does not declare whose JSON body its declared success schema
    accepts: the operation served, under the wrong status (a ``{}`` served to everything is not)."""
    schemas = [m.get("schema") for status, response in op.responses.items() if status.startswith("2")
               for m in response.content.values() if isinstance(m, dict) and m.get("schema")]
    out = []
    for sample in samples:
        exchange = sample.exchange
        status = exchange.status or 0
        if not exchange.ok or not 200 <= status < 300 or str(status) in op.responses or "2XX" in op.responses:
            continue
        body = exchange.json_or_none()
        if body is not None and any(not neuron.spec.errors(schema, body) for schema in schemas):
            out.append(sample)
    return out


@NEURON_CHECKS.register("NEU-SCH-003", "Content types are declared", kind="observation",
                        clause=CLAUSE + " content (media types)",
                        applies="operation")
def content_type(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: the Content-Type of every answer must be one the spec declares for its
    status (schemathesis ``content_type_conformance``)."""
    run = schema_run(neuron, op)
    served(neuron, op, run, media_declared=False)  # the media type is this rule's to judge
    return judge(neuron, op, run.samples, lambda s: st_failures(s, _checks().content_type_conformance), "answers")


@NEURON_CHECKS.register("NEU-SCH-004", "Declared response headers are present and valid", kind="observation",
                        clause=CLAUSE + " headers",
                        applies="operation")
def response_headers(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: required headers (``Retry-After`` on 429/503, ``WWW-Authenticate`` on
    401/403) must be present and every declared header valid (schemathesis
    ``response_headers_conformance``)."""
    run = schema_run(neuron, op)
    served(neuron, op, run)
    return judge(neuron, op, run.samples, lambda s: st_failures(s, _checks().response_headers_conformance),
                 "answers")


def _acceptance(op: Operation, sample: Sample) -> list[str]:
    status = sample.exchange.status or 0
    if 200 <= status < 300:
        return []
    subject = op.subject
    if subject is not None and status == subject.not_found_status and not sample.steered:
        return []  # a valid id of an entity that does not exist
    return [f"a valid request got {status}"]


@NEURON_CHECKS.register("NEU-SCH-005", "Valid requests are accepted", kind="observation",
                        clause="OpenAPI 3.1 request body and "
                        "parameter objects (a request valid against them is served)", applies="operation")
def valid_accepted(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: requests valid against the spec, with a token holding the operation's
    scopes, must get 2xx (or the subject's not-found status for an entity that does not exist).
    A 429 or 503 is not acceptance: answers refused for load or a failing provider are left out
    (the rule is partial), and when every answer was one of them the rule is not verified.

    Why: a target stricter than its contract rejects callers that follow the contract.
    """
    run = schema_run(neuron, op)
    served(neuron, op, run)
    samples = run.positive()
    busy = [s for s in samples if s.exchange.status in (429, 503)]
    judged = [s for s in samples if s not in busy]
    if samples and not judged:
        raise NotVerified(f"every valid request to {op.label} was refused with 429 or 503, so acceptance could "
                          "not be judged")
    examined = judge(neuron, op, judged, lambda s: _acceptance(op, s), "valid requests")
    if not any(200 <= (s.exchange.status or 0) < 300 for s in judged):
        raise NotVerified(f"no valid request to {op.label} was answered 2xx (only not-found answers about "
                          "generated entities), so acceptance was not seen")
    if busy:
        return Examined(examined.count, examined.what, examined.detail,
                        f"{len(busy)} answered 429/503 (load or provider), not judged")
    return examined


def _credential_mutated(op: Operation, case: Any) -> bool:
    """Whether schemathesis made this case invalid in an API key (it takes a security scheme's
    parameter for the operation's own): the suite sends the real key instead, so the request it sent
    is valid, and credentials are the auth rules' to judge."""
    data = getattr(getattr(getattr(case, "meta", None), "phase", None), "data", None)
    name = getattr(data, "parameter", None)
    keys = {name for _, name in api_key_params(op)}
    if isinstance(name, str):
        return name.lower() in keys
    # a whole location made to miss a required member: invalid only if it misses one besides the keys
    location = getattr(getattr(data, "parameter_location", None), "value", None)
    values = {"query": getattr(case, "query", None), "header": getattr(case, "headers", None),
              "cookie": getattr(case, "cookies", None)}.get(str(location))
    if not keys or location is None or "required" not in str(getattr(data, "description", "") or ""):
        return False
    sent = {str(k).lower() for k in (values or {})}
    required = {p.name.lower() for p in op.parameters if p.location == location and p.required}
    return bool(keys - sent) and required <= sent | keys


@NEURON_CHECKS.register("NEU-SCH-006", "Invalid requests are rejected",
                        kind="refusal",
                        clause="OpenAPI 3.1 request body and parameter objects", applies="authenticated")
def invalid_rejected(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: after a positive control (the valid request is served), requests that break
    the request schema must be rejected as invalid: 400, 413, 415, 422 or another 4xx the
    operation declares. A 2xx is a violation (where schemathesis ``negative_data_rejection``
    agrees the input was invalid); a 401, 403, 404 or 429 says nothing about the input and is not
    counted; 5xx answers are NEU-ERR-003's."""

    run = schema_run(neuron, op)
    if not run.negative():
        raise NotVerified(f"{op.label} has no input that can be made invalid")
    negative = run.negative()
    accepted = [(s, v) for s in negative if s.exchange.ok and 200 <= (s.exchange.status or 0) < 300
                and not _credential_mutated(op, s.case) and (v := st_failures(s, _checks().negative_data_rejection))]
    if accepted:  # served although invalid: a violation whatever the control says
        sample, messages = accepted[0]
        raise Violation(f"{len(accepted)} of {len(negative)} invalid requests were answered as valid: {messages[0]}",
                        evidence=sample.exchange.evidence(*messages[1:3]), operation=op.label)
    positive_control(neuron, op)
    refused = refusals_of(neuron, op, [s.exchange for s in negative])
    if not refused:
        statuses = sorted({s.exchange.status or 0 for s in negative})
        raise NotVerified(f"no invalid request to {op.label} was refused as invalid (400, 413, 415, 422 or a "
                          f"declared 4xx); the statuses were {statuses}")
    return examined_of(refused, "invalid requests refused", sources_of([s for s in negative
                                                                           if any(s.exchange is e for e in refused)]))
