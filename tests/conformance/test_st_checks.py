"""The suite's error-body and leak rules as schemathesis checks, judged by schemathesis itself."""

from __future__ import annotations

import datetime
import json

import httpx
import pytest
import schemathesis
from schemathesis.core.failures import FailureGroup

from contractkit.conformance.neuron.st_checks import no_internal_leaks, problem_body_conformance
from contractkit.resources import neuron_spec_path

PROBLEM = {"type": "https://contractkit.dev/problems/validation_error", "title": "Unprocessable Content",
           "status": 422, "code": "validation_error", "request_id": "req_12345678"}


@pytest.fixture(scope="module")
def case():
    schema = schemathesis.openapi.from_path(str(neuron_spec_path()))
    return schema.find_operation_by_path("POST", "/chat").Case(body={"message": "hi"})


def answer(status: int, body: bytes, content_type: str = "application/problem+json") -> httpx.Response:
    request = httpx.Request("POST", "http://127.0.0.1:1/chat", content=b'{"message": "hi"}')
    response = httpx.Response(status, headers={"content-type": content_type}, content=body, request=request)
    response.elapsed = datetime.timedelta(milliseconds=5)
    return response


def verdicts(case, response) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for check in (problem_body_conformance, no_internal_leaks):
        try:
            case.validate_response(response, checks=[check])
            out[check.__name__] = None
        except FailureGroup as group:
            out[check.__name__] = group.exceptions[0].rule_id
    return out


def test_a_proper_problem_body_passes_both(case):
    assert verdicts(case, answer(422, json.dumps(PROBLEM).encode())) == {
        "problem_body_conformance": None, "no_internal_leaks": None}


def test_a_framework_error_body_fails_the_error_schema(case):
    assert verdicts(case, answer(422, b'{"detail": "x"}'))["problem_body_conformance"] == "NEU-ERR-001"


def test_a_traceback_fails_both(case):
    trace = b'Traceback (most recent call last):\n  File "/app/x.py", line 1'
    result = verdicts(case, answer(500, trace, "text/plain"))
    assert result == {"problem_body_conformance": "NEU-ERR-001", "no_internal_leaks": "NEU-ERR-002"}
