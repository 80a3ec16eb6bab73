"""Provider failures take the spec's fallback: degraded answer or 503 + Retry-After, never 500, in time."""

from __future__ import annotations

import time

import httpx
import pytest
from neuron_helpers import CUSTOMER, assert_problem

from contractkit.reference.neuron import NeuronSettings, create_neuron_app
from contractkit.reference.provider_double import FAULT_MODES
from contractkit.reference.stack import ReferenceStack
from contractkit.servers import serving

INJECTED = ["provider_error", "provider_timeout", "provider_rate_limit", "provider_malformed", "stream_interrupted"]


def assert_fallback(contract, http, headers, deadline_s: float) -> None:
    started = time.monotonic()
    degraded = http.post("/suggest-next-action", json={"customer_id": CUSTOMER}, headers=headers)
    assert time.monotonic() - started < deadline_s
    assert degraded.status_code == 200, degraded.text
    body = degraded.json()
    assert body["fallback"] is True
    assert not list(contract.validator("SuggestNextActionResponse").iter_errors(body))


def assert_unavailable(contract, http, headers) -> None:
    response = http.post("/assess-risk", json={"customer_id": CUSTOMER}, headers=headers)
    body = assert_problem(contract, response, 503, "provider_unavailable")
    assert response.headers["retry-after"] == "5" and body["retry_after_seconds"] == 5


@pytest.mark.parametrize("mode", FAULT_MODES)
def test_every_double_fault_takes_the_declared_fallback(stack, http, contract, auth, mode):
    if mode == "slow_tokens":
        stack.double.slow_token_delay_s = 0.5  # whole answers: ~40 tokens take far past the 1 s timeout
    try:
        for check in ("degraded", "unavailable", "chat"):
            stack.arm_fault(mode, 1)
            if check == "degraded":
                assert_fallback(contract, http, auth(), deadline_s=5)
            elif check == "unavailable":
                assert_unavailable(contract, http, auth())
            else:
                reply = http.post("/chat", json={"message": "hi"}, headers=auth())
                assert reply.status_code == 200 and reply.json()["fallback"] is True
    finally:
        stack.clear_faults()
        stack.double.slow_token_delay_s = 0.15


@pytest.mark.parametrize("mode", INJECTED)
def test_every_injected_fault_has_the_same_effect(http, contract, auth, mode):
    headers = {**auth(), "X-Fault-Inject": mode}
    assert_fallback(contract, http, headers, deadline_s=5)
    assert_unavailable(contract, http, headers)


def test_fault_injection_is_ignored_unless_enabled(stack, contract):
    settings = NeuronSettings(jwks_url=stack.settings.jwks_url)  # fault_injection defaults to off
    token = stack.token(["neuron.suggest"], client_id="no-injection")
    with serving(create_neuron_app(settings)) as server:
        response = httpx.post(server.url + "/suggest-next-action", json={"customer_id": CUSTOMER}, timeout=10,
                              headers={"Authorization": f"Bearer {token}", "X-Fault-Inject": "provider_error"})
        ready = httpx.get(server.url + "/ready").json()
    assert response.status_code == 200 and response.json()["fallback"] is False
    assert ready["status"] == "ready"


def test_readiness_degrades_on_failure_and_recovers_on_success(http, contract, auth):
    """The bundled spec says readiness tells by its status (x-probe.degraded.status: 503)."""
    http.post("/chat", json={"message": "ok"}, headers=auth())
    assert http.get("/ready").json()["status"] == "ready"
    for _ in range(2):
        http.post("/chat", json={"message": "x"}, headers={**auth(), "X-Fault-Inject": "provider_error"})
    degraded = http.get("/ready")
    assert degraded.status_code == 503 and degraded.headers["retry-after"] == "5"
    assert not list(contract.validator("Problem").iter_errors(degraded.json()))
    assert degraded.json()["code"] == "provider_unavailable"
    http.post("/chat", json={"message": "ok"}, headers=auth())
    ready = http.get("/ready").json()
    assert ready["status"] == "ready" and ready["provider"] == {"name": "openai", "state": "ok",
                                                               "consecutive_failures": 0}


def test_a_hanging_provider_never_keeps_an_answer_past_the_deadline(tight_stack, contract):
    """Provider timeout 30 s, deadline_ms 1500 in the (tight) spec: the deadline wins."""
    token = tight_stack.token(["neuron.suggest"], client_id="deadline")
    with httpx.Client(base_url=tight_stack.neuron_url, timeout=30) as http:
        tight_stack.arm_fault("hang", 1)
        try:
            assert_fallback(contract, http, {"Authorization": f"Bearer {token}"}, deadline_s=1.5 + 1.0)
        finally:
            tight_stack.clear_faults()
        assert_fallback(contract, http, {"Authorization": f"Bearer {token}", "X-Fault-Inject": "provider_timeout"},
                        deadline_s=1.5 + 1.0)


@pytest.mark.parametrize("wire", ["anthropic", "ollama"])
def test_other_wire_formats_take_the_fallback_too(contract, wire):
    with ReferenceStack(double_wire=wire, provider_timeout_s=1.0) as stack, httpx.Client(
            base_url=stack.neuron_url, timeout=30) as http:
        headers = {"Authorization": f"Bearer {stack.token()}"}
        assert http.post("/suggest-next-action", json={"customer_id": CUSTOMER}, headers=headers).json()[
            "fallback"] is False
        for mode in ("error_5xx", "malformed", "reset"):
            stack.arm_fault(mode, 2)
            assert_fallback(contract, http, headers, deadline_s=5)
            assert_unavailable(contract, http, headers)
