"""The reference's async review (202 + a job), header usage and the example job."""

from __future__ import annotations

import time

from tests.reference.neuron_helpers import CUSTOMER


def _follow(http, auth, location: str, deadline_s: float = 10.0) -> dict:
    stop = time.monotonic() + deadline_s
    while time.monotonic() < stop:
        job = http.get(location, headers=auth()).json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError("the job did not end within its deadline")


def test_a_review_is_accepted_then_done_with_a_priced_answer(http, contract, auth):
    accepted = http.post("/account-reviews", json={"customer_id": CUSTOMER}, headers=auth())
    assert accepted.status_code == 202 and accepted.json()["status"] == "queued"
    assert accepted.headers["location"] == "/account-reviews/" + accepted.json()["id"]
    job = _follow(http, auth, accepted.headers["location"])
    assert not list(contract.validator("AccountReview").iter_errors(job))
    result = job["result"]
    assert job["status"] == "succeeded" and result["fallback"] is False
    assert result["cost_usd"] == contract.price(result["model_tier"], result["token_count"])
    done = http.get(accepted.headers["location"], headers=auth())
    assert done.headers["x-usage-tokens"] == str(result["token_count"])
    assert float(done.headers["x-usage-cost-usd"]) == result["cost_usd"] and done.headers["x-degraded"] == "false"


def test_a_review_under_a_provider_failure_ends_degraded(http, auth):
    accepted = http.post("/account-reviews", json={"customer_id": CUSTOMER},
                         headers={**auth(), "X-Fault-Inject": "provider_error"})
    job = _follow(http, auth, accepted.headers["location"])
    assert job["status"] == "succeeded" and job["result"]["fallback"] is True


def test_an_unknown_customer_is_refused_before_any_job(http, auth):
    answer = http.post("/account-reviews", json={"customer_id": "00000000-0000-4000-8000-000000000000"},
                       headers=auth())
    assert answer.status_code == 404 and "location" not in answer.headers


def test_the_example_review_exists_and_unknown_ones_are_404(http, auth):
    assert http.get("/account-reviews/rev_example000001", headers=auth()).json()["status"] == "succeeded"
    missing = http.get("/account-reviews/rev_example555556", headers=auth())
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_usage_and_the_degraded_flag_are_in_headers_too(http, auth):
    answer = http.post("/suggest-next-action", json={"customer_id": CUSTOMER}, headers=auth())
    body = answer.json()
    assert answer.headers["x-usage-tokens"] == str(body["token_count"])
    assert float(answer.headers["x-usage-cost-usd"]) == body["cost_usd"]
    assert answer.headers["x-model-tier"] == body["model_tier"] and answer.headers["x-degraded"] == "false"
    degraded = http.post("/suggest-next-action", json={"customer_id": CUSTOMER},
                         headers={**auth(), "X-Fault-Inject": "provider_error"})
    assert degraded.headers["x-degraded"] == "true"
