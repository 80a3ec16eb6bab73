"""Two of the suite's rules as schemathesis checks, for teams that already run schemathesis.

    import contractkit.conformance.neuron.st_checks  # registers the checks
    st run --checks problem_body_conformance,no_internal_leaks ...   (or in a schemathesis pytest test)

``problem_body_conformance`` is NEU-ERR-001 on one response: a non-2xx answer must be JSON and
valid against the error schema the spec declares for that status (else the spec's shared error
body). ``no_internal_leaks`` is NEU-ERR-002: no stack trace, exception name, source path,
secret or prompt in an error answer (the caller's own input quoted back excepted). The live
suite applies the same logic to every exchange of a run; these let ``st run`` apply it too.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.core.failures import Failure, Severity

from contractkit.conformance.neuron.leaks import find_leaks
from contractkit.spec.neuron import NeuronSpec


class ContractFailure(Failure):
    """A failed contractkit rule, reported through schemathesis."""

    def __init__(self, *, operation: str, rule_id: str, title: str, message: str) -> None:
        self.operation = operation
        self.rule_id = rule_id
        self.title = f"{rule_id}: {title}"
        self.message = message
        self.code = rule_id.lower()
        self.case_id = None
        self.severity = Severity.MEDIUM

    @property
    def _unique_key(self) -> Any:
        return (self.rule_id, self.message)


_SPECS: dict[int, NeuronSpec] = {}


def _spec_of(case: Any) -> NeuronSpec:
    raw = case.operation.schema.raw_schema
    if id(raw) not in _SPECS:
        _SPECS[id(raw)] = NeuronSpec(raw)
    return _SPECS[id(raw)]


@schemathesis.check
def problem_body_conformance(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code < 400:
        return None
    spec = _spec_of(case)
    op = next((o for o in spec.operations if o.method == case.method.upper() and o.path == case.path), None)
    schema = spec.error_schema(op, response.status_code) if op else spec.shared_error_schema
    if schema is None:
        return None
    raw = response.headers.get("content-type") or [""]
    content_type = raw[0] if isinstance(raw, list) else str(raw)  # schemathesis keeps header values as lists
    try:
        body = response.json()
    except ValueError:
        body = None
    if body is None or "json" not in content_type:
        raise ContractFailure(operation=case.operation.label, rule_id="NEU-ERR-001",
                              title="Every non-2xx body is the shared error body",
                              message=f"the {response.status_code} answer is not a JSON error body")
    problems = spec.errors(schema, body)
    if problems:
        raise ContractFailure(operation=case.operation.label, rule_id="NEU-ERR-001",
                              title="Every non-2xx body is the shared error body",
                              message=f"the {response.status_code} body does not match the error schema: {problems[0]}")
    return None


@schemathesis.check
def no_internal_leaks(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code < 400:
        return None
    sent = response.request.body if response.request is not None else b""
    echoed = sent.decode("utf-8", "replace") if isinstance(sent, bytes) else str(sent or "")
    leaks = find_leaks(response.text or "", echoed=echoed)
    if leaks:
        kind, excerpt = leaks[0]
        raise ContractFailure(operation=case.operation.label, rule_id="NEU-ERR-002",
                              title="Error answers leak no internals",
                              message=f"the {response.status_code} answer leaks a {kind}: {excerpt!r}")
    return None
