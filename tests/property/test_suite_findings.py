"""The false verdicts the generator found in the suite, each pinned by the smallest case that showed it
(the property runs find them again on generated specs; these say what was wrong in a few lines)."""

from __future__ import annotations

import json

import httpx

from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron.probes import degraded_state
from contractkit.spec.neuron import NeuronSpec


def _readiness(degraded: dict) -> NeuronSpec:
    return NeuronSpec({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/ready": {"get": {
        "operationId": "ready", "x-probe": {"role": "readiness", "degraded": degraded},
        "responses": {"200": {"description": "ready"}, "503": {"description": "degraded"}}}}}})


def _answer(status: int, body: dict) -> Exchange:
    return Exchange("GET", "http://127.0.0.1/ready", {}, None, status,
                    httpx.Headers({"content-type": "application/json"}), json.dumps(body).encode())


def test_readiness_degraded_by_status_and_pointer_is_told_by_its_status_when_the_error_body_lacks_the_field():
    ready = _readiness({"status": [503], "pointer": "/llm/state", "values": ["degraded"]}).operations[0]
    error = {"error": {"code": "llm_unavailable", "detail": "degraded"}}
    assert degraded_state(ready, _answer(503, error)) is True
    assert degraded_state(ready, _answer(200, {"llm": {"state": "ok"}})) is False
    assert degraded_state(ready, _answer(200, {"llm": {"state": "degraded"}})) is None  # the markers disagree


def _secured(security: list) -> NeuronSpec:
    return NeuronSpec({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "components": {"securitySchemes": {
        "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
        "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "/token", "scopes": {"r": "read"}}}}}},
        "paths": {"/things": {"get": {"operationId": "things", "security": security, "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}}}}}}}}})


def test_a_case_made_invalid_only_in_its_api_key_is_not_judged_as_invalid_input():
    from types import SimpleNamespace

    from contractkit.conformance.neuron.sch import _credential_mutated

    def case(parameter: str | None) -> SimpleNamespace:
        return SimpleNamespace(meta=SimpleNamespace(phase=SimpleNamespace(data=SimpleNamespace(parameter=parameter))))

    for security in ([{"key": []}], [{"key": [], "oauth": ["r"]}], [{"key": []}, {"oauth": ["r"]}]):
        op = _secured(security).operations[0]
        assert _credential_mutated(op, case("x-api-key")) and not _credential_mutated(op, case("limit"))
    assert not _credential_mutated(_secured([{"oauth": ["r"]}]).operations[0], case("X-Api-Key"))


def test_a_location_made_to_miss_only_its_api_key_is_not_judged_as_invalid_input():
    from types import SimpleNamespace

    from contractkit.conformance.neuron.sch import _credential_mutated

    spec = _secured([{"key": []}])
    spec.data["paths"]["/things"]["get"]["parameters"] = [
        {"name": "limit", "in": "header", "required": True, "schema": {"type": "integer"}}]
    op = NeuronSpec(spec.data).operations[0]

    def case(headers: dict) -> SimpleNamespace:
        data = SimpleNamespace(parameter=None, parameter_location=SimpleNamespace(value="header"),
                               description="Missing required property")
        return SimpleNamespace(meta=SimpleNamespace(phase=SimpleNamespace(data=data)), headers=headers)

    assert _credential_mutated(op, case({"limit": "3"}))  # only the key was missing: the suite sends it
    assert not _credential_mutated(op, case({}))  # limit missing too: invalid whatever the key


def test_the_operations_own_answer_under_an_undeclared_2xx_is_told_from_a_degenerate_one():
    from types import SimpleNamespace

    from contractkit.conformance.neuron.sch import Sample, _served_undeclared

    spec = _secured([{"oauth": ["r"]}])
    op = spec.operations[0]
    neuron = SimpleNamespace(spec=spec)
    samples = [Sample(None, _answer(status, body), True) for status, body in
               ((203, {"id": "a"}), (203, {}), (200, {"id": "b"}), (404, {"id": "c"}))]
    assert [s.exchange.status for s in _served_undeclared(neuron, op, samples)] == [203]
