"""Small helpers the neuron/ checks share: the positive control, refusals, challenge parsing.

Controls and refusals go through the run's evidence ledger (``contractkit.conformance.ledger``):
the plugin accepts a refusal rule's pass only when each refusal it counted has a control that
succeeded for the same operation (method ``http``: the valid request with a token of its scopes).
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import unquote, urljoin, urlsplit

from contractkit.conformance.challenge import challenge
from contractkit.conformance.http import Exchange
from contractkit.conformance.ledger import LEDGER, NOT_VALIDATION, VALIDATION_STATUSES, Verdict
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import NotVerified, Violation
from contractkit.spec.neuron import Operation

__all__ = ["challenge", "fail", "positive_control", "require_answer"]  # challenge: conformance/challenge.py


def positive_control(neuron: NeuronTarget, operation: Operation) -> Exchange:
    """The valid request with a token of the operation's scopes must succeed before a refusal means
    anything: a target that refuses everything (404, 429, a broken token) proves nothing by refusing.

    Sent once per operation and run, recorded in the ledger for every case that relies on it;
    raises NotVerified with what the control got instead.
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
    problem = answer_problem(neuron, operation, cached)
    if problem is not None or not LEDGER.control(operation.label, "http", cached):
        raise NotVerified(f"positive control failed: the valid request with a token of the operation's scopes "
                          f"got {problem}, so a refusal would prove nothing")
    return cached


def answer_problem(neuron: NeuronTarget, operation: Operation, exchange: Exchange, *,
                   media_declared: bool = True) -> str | None:
    """Why ``exchange`` is not the operation served (None when it is): no answer, not a 2xx, a status or
    media type the operation does not declare, or a JSON body its declared schema rejects. A target
    that answers ``{}`` or nothing with 200 serves nothing. ``media_declared=False`` leaves an
    undeclared media type to the rule that judges it (NEU-SCH-003)."""
    if not exchange.ok:
        return str(exchange.error)
    status = exchange.status or 0
    if not 200 <= status < 300:
        return f"HTTP {status}"
    response = operation.responses.get(str(status)) or operation.responses.get("2XX")
    if response is None:
        return f"HTTP {status}, a status {operation.label} does not declare"
    if not response.content:
        return None
    media = response.content.get(exchange.content_type) or response.content.get("*/*")
    if media is None and not media_declared:
        return None
    if media is None:
        return f"HTTP {status} with content-type {exchange.content_type or 'none'}, which it does not declare"
    schema = media.get("schema")
    if exchange.content_type == "text/event-stream" or "json" not in exchange.content_type or not schema:
        return None
    body = exchange.json_or_none()
    problems = ["the body is not JSON"] if body is None else neuron.spec.errors(schema, body)
    return f"HTTP {status} whose body does not match its schema ({problems[0]})" if problems else None


def validation_statuses(operation: Operation) -> frozenset[int]:
    """The statuses that refuse bad input: 400, 413, 415, 422 and any other 4xx the operation declares,
    except those that say nothing about the input (401, 403, 404, 405, 429)."""
    declared = {int(s) for s in operation.statuses if s.isdigit() and 400 <= int(s) < 500}
    return frozenset(VALIDATION_STATUSES | (declared - NOT_VALIDATION))


def expect_refusal(exchange: Exchange, expected: Collection[int], what: str, *, method: str = "http",
                   status: int | None = None) -> bool:
    """Judge one probe of a refusal rule: True when refused with an ``expected`` status (counted),
    False when rate-limited or unanswered (proves nothing; the plugin reports it), a Violation else.
    ``status``: the status the answer stands for when it is not the exchange's own (a failed job's)."""
    got = status if status is not None and exchange.ok else (exchange.status if exchange.ok else None)
    verdict = LEDGER.refused(exchange.operation or "", method, exchange, expected, got=got)
    if verdict is Verdict.OTHER:
        wanted = " or ".join(str(s) for s in sorted(expected))
        raise fail(f"{what}: expected {wanted}, got {got}", exchange)
    return verdict is Verdict.REFUSED


def require_answer(exchange: Exchange, what: str) -> None:
    """A transport failure is itself a violation of the rule being checked."""
    if not exchange.ok:
        raise Violation(f"{what}: no HTTP answer ({exchange.error})", evidence=exchange.evidence(),
                        operation=exchange.operation)


def fail(message: str, exchange: Exchange | None = None, *notes: str) -> Violation:
    return Violation(message, evidence=exchange.evidence(*notes) if exchange else None,
                     operation=exchange.operation if exchange else None)


def refusals_of(neuron: NeuronTarget, op: Operation, exchanges: list[Exchange]) -> list[Exchange]:
    """Record each validation refusal (and each 429 or unanswered probe) in the ledger; the refused
    ones. Other answers (2xx, 401, 403, 404) are not this rule's to judge and are not counted, but
    for one: a request whose path names another resource than the valid request's (an invalid path
    parameter) is rightly refused with the subject's not-found status, else 404 (RFC 9110 section
    15.5.5: the URL identifies no resource)."""
    expected = validation_statuses(op)
    elsewhere = expected | {op.subject.not_found_status if op.subject and op.subject.not_found_status else 404}
    known = _path_of(neuron, op)
    refused = []
    for exchange in exchanges:
        status = exchange.status if exchange.ok else None
        allowed = elsewhere if known is not None and unquote(urlsplit(exchange.url).path) != known else expected
        counts = status in allowed or status is None or status == 429
        if counts and LEDGER.refused(op.label, "http", exchange, allowed) is Verdict.REFUSED:
            refused.append(exchange)
    return refused


def _path_of(neuron: NeuronTarget, op: Operation) -> str | None:
    """The path the valid request to ``op`` is sent to, or None when the operation has no path
    parameter (or no valid request can be built)."""
    if "{" not in op.path:
        return None
    try:
        target = neuron.request(op).target(op.path)
    except NotVerified:
        return None
    return unquote(urlsplit(urljoin(neuron.base_url.rstrip("/") + "/", target.lstrip("/"))).path)
