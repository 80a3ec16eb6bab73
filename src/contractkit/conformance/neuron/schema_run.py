"""The schema phase on schemathesis, shared by the rules that judge generated requests.

schemathesis generates the cases (positive and negative, the spec's examples first) and its own
checks judge the answers; the suite sends them with its bounded, paced client, so a hostile
target cannot hang or flood the run. One generation per operation is shared by every rule that
judges it (``schema_run``: the NEU-SCH rules, NEU-ERR, the stream and usage rules); each rule
then reports on its own.

Generated subjects (the entity an operation is about) are random, so most valid cases would only
ever see 404; half of the cases are steered to an entity that exists (``--customer-id`` or the
spec's example), wherever the subject lives, so that the 200 answers are exercised too, and invalid
input is judged on an entity that exists.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from contractkit.conformance.http import Exchange
from contractkit.conformance.ledger import LEDGER, examined_of
from contractkit.conformance.neuron.common import answer_problem
from contractkit.conformance.neuron.credentials import Presentation, credentials_for
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import Examined, NotVerified, Violation
from contractkit.spec.neuron import Operation, pointer_set

_DROP_HEADERS = {"user-agent", "accept-encoding", "connection", "accept", "x-schemathesis-testcaseid"}


@dataclass
class Sample:
    case: Any
    exchange: Exchange
    positive: bool
    steered: bool = False


@dataclass
class SchemaRun:
    operation: Operation
    samples: list[Sample] = field(default_factory=list)
    skipped: str | None = None
    keys: Presentation = field(default_factory=Presentation)  # API keys, where the spec says they go

    def positive(self) -> list[Sample]:
        return [s for s in self.samples if s.positive]

    def negative(self) -> list[Sample]:
        return [s for s in self.samples if not s.positive]


_LOCK = threading.Lock()


def _st_schema(neuron: NeuronTarget) -> Any:
    import schemathesis

    if "st_schema" not in neuron.notes:
        neuron.notes["st_schema"] = schemathesis.openapi.from_dict(neuron.spec.data)
    return neuron.notes["st_schema"]


def schema_run(neuron: NeuronTarget, op: Operation) -> SchemaRun:
    """Generate and send this operation's cases once per session; every schema rule reads them."""
    key = f"schema_run:{op.label}"
    with _LOCK:
        if key not in neuron.notes:
            neuron.notes[key] = _generate(neuron, op)
        return neuron.notes[key]


def _generate(neuron: NeuronTarget, op: Operation) -> SchemaRun:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    run = SchemaRun(op)
    token, run.keys = credentials_for(neuron, op)  # NotVerified propagates: needs credentials
    st_op = _st_schema(neuron).find_operation_by_path(op.method, op.path)
    if st_op is None:
        run.skipped = f"schemathesis found no operation {op.method} {op.path}"
        return run
    profile = neuron.profile
    phases = [Phase[p] for p in profile.hypothesis_phases]
    for mode, count in ((GenerationMode.POSITIVE, profile.positive_examples),
                        (GenerationMode.NEGATIVE, profile.negative_examples)):
        send = _sender(neuron, op, run, token, mode is GenerationMode.POSITIVE)
        test = settings(max_examples=count, database=None, deadline=None, phases=phases,
                        suppress_health_check=list(HealthCheck), report_multiple_bugs=False)(
            given(case=st_op.as_strategy(generation_mode=mode))(send))
        try:
            test()
        except Unsatisfiable:
            continue  # e.g. no inputs to make invalid
    return run


def _sender(neuron: NeuronTarget, op: Operation, run: SchemaRun, token: str | None,
            positive: bool) -> Callable[[Any], None]:
    """Send each generated case; every other one (the first included) is steered to the known
    entity, so that however few cases a profile makes, its successful answers are seen, and an
    invalid body reaches an entity that exists (about an unknown one, a 404 says nothing of the
    input). An invalid case is steered only when the input naming its entity was generated valid,
    so steering never makes it valid."""
    sent = [0]

    def send(case: Any) -> None:
        steer = sent[0] % 2 == 0
        sent[0] += 1
        steerable = positive or (op.subject is not None and _generated_valid(case, op.subject.location))
        steered = bool(steer and steerable and _steer(neuron, op, case))
        run.samples.append(Sample(case, _send(neuron, op, case, token, run.keys), positive, steered))

    return send


def _generated_valid(case: Any, location: str) -> bool:
    """Whether schemathesis generated this case's ``location`` (path, query, header, body) valid."""
    components = getattr(getattr(case, "meta", None), "components", None) or {}
    for where, info in components.items():
        if str(getattr(where, "value", where)) == location:
            return str(getattr(getattr(info, "mode", None), "value", "")) == "positive"
    return False


def _steer(neuron: NeuronTarget, op: Operation, case: Any) -> bool:
    """Point the case at the known entity. The other path parameters that declare an example are set
    to it too: a nested entity (an invoice of a supplier) exists only under its parents' examples."""
    subject, known = op.subject, neuron.known_subject(op)
    if subject is None or known is None:
        return False
    parents = {p.name: p.example for p in op.parameters
               if p.location == "path" and p.example is not None and p.name != subject.name}
    if parents and _generated_valid(case, "path"):
        case.path_parameters = {**(case.path_parameters or {}), **parents}
    if subject.location == "body":
        if not isinstance(case.body, dict):
            return False
        case.body = pointer_set(case.body, subject.name, known)
        return True
    container = {"path": "path_parameters", "query": "query", "header": "headers"}[subject.location]
    values = getattr(case, container, None)
    if values is None:
        values = {}
        setattr(case, container, values)
    values[subject.name] = known if subject.location != "header" else str(known)
    return True


_KEY_PLACEHOLDER = "presented-by-the-suite"


def api_key_params(op: Operation) -> set[tuple[str | None, str]]:
    """(location, lower-cased name) of every API key the operation's security alternatives name:
    parameters schemathesis takes for the operation's own, which the suite presents itself."""
    return {(r.scheme.location, (r.scheme.param or "").lower()) for alt in op.security for r in alt.api_keys}


def _align_case_keys(op: Operation, case: Any, keys: Presentation) -> None:
    """Make the case's API keys those the suite sends: schemathesis takes every security scheme's
    parameter for the operation's own and generates (or mutates) it, and its checks judge the case,
    so a generated key would have a valid request judged invalid (an undeclared extra parameter
    beside a key it made up). Only the names of the keys presented go in, never their values."""
    params = api_key_params(op)
    for location, attr, presented in (("header", "headers", keys.headers), ("query", "query", keys.query),
                                      ("cookie", "cookies", keys.cookies)):
        values = getattr(case, attr, None)
        kept = {k: v for k, v in (values or {}).items() if (location, str(k).lower()) not in params}
        kept.update(dict.fromkeys(presented, _KEY_PLACEHOLDER))
        if values is not None or kept:
            setattr(case, attr, kept)


def _drop_generated_keys(op: Operation, kwargs: dict[str, Any]) -> None:
    """Leave out the API keys schemathesis generated: a made-up key of an alternative the suite does
    not present is a bad credential beside the good one, which a target may rightly refuse (401);
    the suite presents its real keys itself."""
    params = api_key_params(op)
    for location, arg in (("header", "headers"), ("query", "params"), ("cookie", "cookies")):
        values = kwargs.get(arg)
        if values:  # a dict, or requests' CaseInsensitiveDict for headers
            kwargs[arg] = {k: v for k, v in values.items() if (location, str(k).lower()) not in params}


def _send(neuron: NeuronTarget, op: Operation, case: Any, token: str | None,
          keys: Presentation | None = None) -> Exchange:
    keys = keys or Presentation()
    _align_case_keys(op, case, keys)
    kwargs = case.as_transport_kwargs(base_url=neuron.base_url)
    _drop_generated_keys(op, kwargs)
    headers = {**neuron.extra_headers,
               **{k: str(v) for k, v in (kwargs.get("headers") or {}).items() if k.lower() not in _DROP_HEADERS}}
    content: bytes | None = None
    if "json" in kwargs:
        content = json.dumps(kwargs["json"], ensure_ascii=False).encode("utf-8", "surrogatepass")
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        content = data if isinstance(data, bytes) else str(data).encode("utf-8", "surrogatepass")
    url = httpx.URL(kwargs["url"])
    if kwargs.get("params") or keys.query:
        url = url.copy_merge_params({**(kwargs.get("params") or {}), **keys.query})
    headers.update(keys.headers)
    cookies = {**(kwargs.get("cookies") or {}), **keys.cookies}  # cookie parameters, API keys in cookies
    if cookies:
        headers["cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    if token and "authorization" not in {k.lower() for k in headers}:
        headers["authorization"] = f"Bearer {token}"
    exchange = neuron.client.request(op.method, str(url), content=content, headers=headers,
                                     operation=op.label, rate=op.rate_limit)
    neuron.record(exchange)
    return exchange


def as_st_response(exchange: Exchange) -> httpx.Response:
    """The exchange as the response schemathesis's checks read. Its body was read decoded, so the
    headers that describe the encoded body (a gzip ``Content-Encoding``, its length) are left out:
    kept, they would have the decoded body decoded again."""
    request = httpx.Request(exchange.method, exchange.url, headers=exchange.request_headers,
                            content=exchange.request_body or b"")
    encoded = ("content-encoding", "content-length")
    headers = [(k, v) for k, v in exchange.headers.multi_items() if k.lower() not in encoded]
    response = httpx.Response(exchange.status or 0, headers=headers, content=exchange.body, request=request)
    response.elapsed = timedelta(seconds=exchange.elapsed_s)
    return response


def st_failures(sample: Sample, check: Callable[..., Any]) -> list[str]:
    """What schemathesis's ``check`` says about this sample (empty when it holds)."""
    from schemathesis.core.failures import FailureGroup

    try:
        sample.case.validate_response(as_st_response(sample.exchange), checks=[check],
                                      headers=sample.exchange.request_headers)
    except FailureGroup as group:
        return [_failure_text(f) for f in group.exceptions]
    return []


def _failure_text(failure: Any) -> str:
    title = getattr(failure, "title", "") or type(failure).__name__
    message = getattr(failure, "message", "") or str(failure)
    return f"{title}: {message}".strip()


def judge(neuron: NeuronTarget, op: Operation, samples: list[Sample], verdict: Callable[[Sample], list[str]],
          what: str) -> Examined:
    """Raise a Violation for the first sample ``verdict`` objects to, counting all of them. A request
    that got no answer is not judged (it says nothing either way): the rule is partial."""
    answered = [s for s in samples if s.exchange.ok]
    failures = [(s, v) for s in answered if (v := verdict(s))]
    broken = [s for s in samples if not s.exchange.ok]
    if failures:
        sample, messages = failures[0]
        raise Violation(
            f"{len(failures)} of {len(answered)} {what}: {messages[0]}",
            evidence=sample.exchange.evidence(*messages[1:3]), operation=op.label,
        )
    if not answered:
        raise NotVerified(f"{len(broken)} requests to {op.label} got no HTTP answer ({broken[0].exchange.error})"
                          if broken else f"no {what} could be generated for {op.label}")
    unanswered = f"{len(broken)} requests got no HTTP answer ({broken[0].exchange.error})" if broken else ""
    return examined_of([s.exchange for s in answered], what, sources_of(answered), unanswered)


def sources_of(samples: list[Sample]) -> str:
    positive = sum(1 for s in samples if s.positive)
    steered = sum(1 for s in samples if s.steered)
    parts = [f"{positive} valid" + (f" ({steered} about the known entity)" if steered else ""),
             f"{len(samples) - positive} invalid"]
    return ", ".join(p for p in parts if not p.startswith("0 "))


def served(neuron: NeuronTarget, op: Operation, run: SchemaRun, *, media_declared: bool = True) -> None:
    """The operation's answers mean something only if it was seen served: a valid request answered
    2xx with a declared media type and a body valid against its schema. Recorded in the ledger;
    NotVerified when no generated valid request was, as on a target that answers 404 (or ``{}``) to all."""
    problems = []
    for sample in run.positive():
        problem = answer_problem(neuron, op, sample.exchange, media_declared=media_declared)
        if problem is None:
            LEDGER.control(op.label, "served", sample.exchange)
            return
        problems.append(problem)
    raise NotVerified(f"no valid request to {op.label} was served (a 2xx with a schema-valid answer), so its "
                      f"answers show nothing about the API" + (f"; got {problems[0]}" if problems else ""))
