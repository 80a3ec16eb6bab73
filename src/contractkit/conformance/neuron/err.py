"""Error rules: the one error body everywhere, no leaked internals, no 5xx for bad input, 404s.

Each rule provokes errors of its own (no token, broken JSON, a wrong media type, an oversized
body, an unknown entity) and also judges every non-2xx answer the run has seen so far.
"""

from __future__ import annotations

import contextlib
import json

from contractkit.conformance.http import Exchange
from contractkit.conformance.ledger import distinct, examined_of
from contractkit.conformance.neuron.common import expect_refusal, fail, positive_control, refusals_of
from contractkit.conformance.neuron.jobs import answer_of, answer_status
from contractkit.conformance.neuron.leaks import find_leaks
from contractkit.conformance.neuron.requests import invalid_values
from contractkit.conformance.neuron.schema_run import schema_run
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import Examined, NotVerified
from contractkit.conformance.redaction import REDACTOR
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.spec import declarations
from contractkit.spec.neuron import Operation

_HOSTILE_BODIES: tuple[tuple[str, bytes, str], ...] = (
    ("broken JSON", b'{"a": ', "application/json"),
    ("a JSON array", b"[1, 2, 3]", "application/json"),
    ("JSON null", b"null", "application/json"),
    ("deeply nested JSON", b'{"context": ' + b'{"a": ' * 200 + b"1" + b"}" * 201, "application/json"),
    ("a huge number", b'{"a": 1e999999, "b": 1e999999}', "application/json"),
    ("invalid UTF-8", b'{"a": "\xff\xfe", "b": "\xff"}', "application/json"),
    ("form data", b"a=1&b=x", "application/x-www-form-urlencoded"),
    ("an empty body", b"", "application/json"),
)


def provoke(neuron: NeuronTarget, op: Operation) -> list[Exchange]:
    """Answers to requests that must fail with 4xx: bad bodies, a wrong media type, no token.

    Sent once per operation and run; the error rules all judge the same answers.
    """
    key = f"provoked:{op.label}"
    if key not in neuron.notes:
        neuron.notes[key] = _provoke(neuron, op)
    return list(neuron.notes[key])


def _provoke(neuron: NeuronTarget, op: Operation) -> list[Exchange]:
    reachable = neuron.reachable_request(op)
    out = [neuron.call(op, parts=reachable, auth=False)] if op.authenticated else []
    if op.authenticated and not neuron.tokens.available:
        return out
    for param in op.parameters:
        for value in invalid_values(param.schema)[:2]:
            out.append(neuron.call(op, parts=reachable.with_param(param.location, param.name, value)))
    if op.request_schema is None:
        return out
    for _, content, media in _HOSTILE_BODIES:
        out.append(neuron.call(op, parts=reachable, content=content, headers={"content-type": media}))
    if op.subject is not None:
        with contextlib.suppress(NotVerified):  # the subject's schema may admit no unknown entity
            out.append(neuron.call(op, parts=neuron.request(op, unknown=True)))
    if op.declares(413):
        out.append(neuron.call(op, parts=reachable, content=b'{"a": "' + b"x" * 70_000 + b'"}',
                               headers={"content-type": "application/json"}))
    return out


def _errors_of(neuron: NeuronTarget, op: Operation) -> list[Exchange]:
    """The operation's error answers, provoked or seen, each once; only once the operation was seen
    served (its positive control), since a target that refuses everything shows no error body of the API."""
    provoked = provoke(neuron, op)
    positive_control(neuron, op)
    seen = [e for e in neuron.logged() if e.operation == op.label]
    return distinct(e for e in provoked + seen if e.ok and (e.status or 0) >= 400)


@NEURON_CHECKS.register("NEU-ERR-001", "Every non-2xx body is the shared error body",
                        kind="audit",
                        clause="conventions 3.1; RFC 9457; the error schemas the spec declares", tags=("audit",),
                        applies="authenticated")
def error_body(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: validates the body of every non-2xx answer (provoked here, and seen by the
    rest of the run) against the error schema the spec declares for that status, with a JSON
    media type.

    Why: clients branch on the machine ``code`` and log the ``request_id``; an HTML error page
    or a framework's default body breaks both.
    """
    errors = _errors_of(neuron, op)
    if not errors:
        raise NotVerified(f"no error answer could be provoked on {op.label}")
    for exchange in errors:
        schema = neuron.spec.error_schema(op, exchange.status or 0)
        if schema is None:
            raise NotVerified(declarations.ERROR_BODY.reason)
        body = exchange.json_or_none()
        if body is None or "json" not in exchange.content_type:
            raise fail(f"a {exchange.status} answer is not a JSON error body "
                       f"(content-type {exchange.content_type or 'missing'})", exchange)
        problems = neuron.spec.errors(schema, body)
        if problems:
            raise fail(f"the {exchange.status} body does not match the error schema: {problems[0]}", exchange,
                       *problems[1:])
    return _judged(errors)


def _statuses(exchanges: list[Exchange]) -> str:
    counts: dict[int, int] = {}
    for e in exchanges:
        counts[e.status or 0] = counts.get(e.status or 0, 0) + 1
    return ", ".join(f"{n} x {status}" for status, n in sorted(counts.items()))


@NEURON_CHECKS.register("NEU-ERR-002", "Error answers leak no internals",
                        kind="audit",
                        clause="conventions 3.3; OWASP ASVS 5.0 V16 (no sensitive data in error messages)",
                        tags=("audit",), applies="authenticated")
def no_leaks(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: looks for stack traces, exception class names, source file paths, secrets
    (provider keys, private keys, this run's tokens) and prompt text in the body and headers of
    every error answer, provoked or seen.

    Why: internals in an error tell an attacker what to aim at and may disclose credentials.
    """
    errors = _errors_of(neuron, op)
    if not errors:
        raise NotVerified(f"no error answer could be provoked on {op.label}")
    known = REDACTOR.secrets
    for exchange in errors:
        headers = "\n".join(f"{k}: {v}" for k, v in exchange.headers.items() if k.lower() != "www-authenticate")
        own = exchange.request_headers.get("authorization", "").partition(" ")[2]
        sent = (exchange.request_body or b"").decode("utf-8", "replace")
        leaks = find_leaks(exchange.text + "\n" + headers, known - {own}, echoed=sent)  # echoes: NEU-AUTH-007
        if leaks:
            kind, excerpt = leaks[0]
            raise fail(f"the {exchange.status} answer leaks a {kind}: {excerpt!r}", exchange)
    return _judged(errors)


def _judged(errors: list[Exchange]) -> Examined:
    """Every error answer was judged (any of them can fail the rule), but a 429 is no evidence for a pass:
    a target that rate-limits everything shows none of the errors the rule provoked."""
    evidence = [e for e in errors if e.status != 429]
    if not evidence:
        raise NotVerified(f"rate-limited/unanswered: the only error answers were 429 ({len(errors)})")
    limited = len(errors) - len(evidence)
    return examined_of(evidence, "error answers", _statuses(evidence) + (f"; and {limited} x 429 judged, not "
                                                                         "counted" if limited else ""))


@NEURON_CHECKS.register("NEU-ERR-003", "Invalid input never gets a 5xx",
                        kind="refusal", clause="conventions 3.4; RFC 9110 section 15.5 (4xx: the client erred)",
                        applies="authenticated")
def no_5xx_for_bad_input(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: after a positive control (the valid request is served), sends generated
    invalid requests (schemathesis negative mode) and hostile bodies (broken JSON, deep nesting,
    huge numbers, bad UTF-8, wrong media type); no answer may be a 5xx. Only a validation refusal
    counts (400, 413, 415, 422 or another 4xx the operation declares): a 401, 403, 404 or 429 says
    nothing about the input, and an invalid request answered as if valid is NEU-SCH-006's.

    Why: a 500 on bad input is a crash an attacker can trigger at will, and hides the real
    reason from a legitimate caller.
    """
    if op.request_schema is None and not op.parameters:
        raise NotVerified(f"{op.label} takes no input")
    positive_control(neuron, op)
    exchanges = [e for e in provoke(neuron, op) if e.request_headers.get("authorization") or not op.authenticated]
    with contextlib.suppress(NotVerified):
        exchanges += [s.exchange for s in schema_run(neuron, op).negative()]
    exchanges = distinct(exchanges)
    if not exchanges:
        raise NotVerified("no invalid request could be sent (a token is needed to get past auth)")
    for exchange in exchanges:
        if exchange.ok and (exchange.status or 0) >= 500:
            raise fail(f"invalid input got {exchange.status}", exchange)
    judged = refusals_of(neuron, op, exchanges)
    if not judged:
        raise NotVerified(f"no invalid request was refused as invalid ({_VALIDATION_TEXT}); the answers were "
                          f"{_statuses(exchanges) or 'none'}")
    return examined_of(judged, "invalid requests refused", _statuses(judged))


_VALIDATION_TEXT = "400, 413, 415, 422 or a declared 4xx"


@NEURON_CHECKS.register("NEU-ERR-004", "An unknown entity gets the declared not-found status",
                        kind="refusal",
                        clause="docs/extensions.md#x-ai-operation (subject.not_found_status); RFC 9110 section 15.5.5",
                        applies="subject")
def unknown_customer(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: asks about an entity that cannot exist, where the spec's
    ``x-ai-operation.subject`` says the entity is named (a path, query or header parameter, or a
    field of the body); the answer must be the subject's ``not_found_status`` (else the operation's
    declared 404; not verified when the spec declares neither).
    The same request about the known entity must succeed (the positive control) for a refusal to
    count; an answer served about the unknown entity fails whatever the control says.

    Why: an AI layer that invents an analysis for a customer that does not exist misleads its
    caller with confidence.
    """
    subject = op.subject
    assert subject is not None
    if subject.not_found_status is None:
        raise NotVerified(declarations.NOT_FOUND.reason)
    parts = neuron.request(op, unknown=True)
    exchange = answer_of(neuron, op, neuron.call(op, parts=parts))
    status = answer_status(op, exchange)
    served = exchange.ok and 200 <= (status or 0) < 300
    if not served:  # an answer about an entity that does not exist fails whatever the control says
        positive_control(neuron, op)
    if exchange.ok and status not in (subject.not_found_status, 429):
        raise fail(f"an unknown {subject.name} ({subject.location}) got {status}, expected "
                   f"{subject.not_found_status}", exchange, "sent: " + json.dumps(parts.body))
    expect_refusal(exchange, {subject.not_found_status}, f"an unknown {subject.name}", status=status)
    return Examined(1, "requests about an unknown entity", "after a positive control about a known one")
