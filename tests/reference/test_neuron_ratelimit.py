"""Rate limits per client and operation, as the spec's x-rate-limit declares."""

from __future__ import annotations

import time

import httpx
from neuron_helpers import CUSTOMER, assert_problem

from contractkit.reference.neuron.contract import RateLimit
from contractkit.reference.neuron.ratelimit import RateLimiter


def test_limiter_counts_per_client_and_operation_and_resets():
    limiter, rule = RateLimiter(), RateLimit(requests=2, window_s=10)
    assert [limiter.hit("a", "op", rule, now=0).allowed for _ in range(3)] == [True, True, False]
    assert limiter.hit("b", "op", rule, now=1).allowed
    assert limiter.hit("a", "other", rule, now=1).allowed
    refused = limiter.hit("a", "op", rule, now=4)
    assert (refused.remaining, refused.reset_s) == (0, 6)
    assert limiter.hit("a", "op", rule, now=10).allowed


def test_the_spec_limit_is_enforced_with_429_and_headers(tight_stack, contract):
    token = tight_stack.token(["neuron.analyze", "neuron.suggest"], client_id="limited-client")
    other = tight_stack.token(["neuron.analyze"], client_id="other-client")
    with httpx.Client(base_url=tight_stack.neuron_url, timeout=30) as http:
        def call(tok, path="/analyze-customer"):
            return http.post(path, json={"customer_id": CUSTOMER}, headers={"Authorization": f"Bearer {tok}"})

        granted = [call(token) for _ in range(3)]
        assert [r.status_code for r in granted] == [200, 200, 200]
        assert [r.headers["ratelimit-remaining"] for r in granted] == ["2", "1", "0"]
        assert all(r.headers["ratelimit-limit"] == "3" for r in granted)
        refused = call(token)
        body = assert_problem(contract, refused, 429, "rate_limited")
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= 3
        assert body["retry_after_seconds"] == retry_after
        assert refused.headers["ratelimit-remaining"] == "0"
        assert call(other).status_code == 200, "another client has its own window"
        assert call(token, "/suggest-next-action").status_code == 200, "another operation has its own window"
        time.sleep(retry_after + 0.2)
        assert call(token).status_code == 200, "service resumes after the window"


def test_rate_limit_is_checked_after_auth(tight_stack, contract):
    with httpx.Client(base_url=tight_stack.neuron_url, timeout=30) as http:
        for _ in range(5):
            response = http.post("/analyze-customer", json={"customer_id": CUSTOMER})
            assert_problem(contract, response, 401, "unauthorized")
