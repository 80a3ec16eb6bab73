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
