"""The AI operations answer schema-valid, deterministic answers with honest usage."""

from __future__ import annotations

import pytest
from neuron_helpers import CUSTOMER

from contractkit.llm import EmbeddedProvider
from contractkit.reference.neuron.answers import OPERATIONS, chat_messages, customer_messages
from contractkit.reference.neuron.customers import DEMO_CUSTOMERS

SCHEMAS = {"/analyze-customer": "AnalyzeCustomerResponse", "/suggest-next-action": "SuggestNextActionResponse",
           "/assess-risk": "AssessRiskResponse"}


@pytest.mark.parametrize("path", sorted(SCHEMAS))
def test_operation_answers_schema_valid_with_real_usage(http, contract, auth, path):
    response = http.post(path, json={"customer_id": CUSTOMER, "context": {"channel": "email"}}, headers=auth())
    assert response.status_code == 200, response.text
    body = response.json()
    assert not [e.message for e in contract.validator(SCHEMAS[path]).iter_errors(body)]
    assert body["fallback"] is False
    op = contract.operations[f"POST {path}"]
    assert body["model_tier"] == op.default_tier
    # the double answers with the embedded model: its usage is the real count of that text
    messages = customer_messages(OPERATIONS[path], DEMO_CUSTOMERS[CUSTOMER], {"channel": "email"})
    expected = EmbeddedProvider().answer(messages, op.default_tier)
    assert body["token_count"] == expected.usage.total_tokens > 0
    rate = contract.pricing[body["model_tier"]]
    assert body["cost_usd"] == round(body["token_count"] / 1000 * rate, 6)
    for header in ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "x-request-id"):
        assert header in response.headers


def test_model_tier_is_honoured_and_priced(http, auth):
    light = http.post("/assess-risk", json={"customer_id": CUSTOMER, "model_tier": "lightweight"},
                      headers=auth()).json()
    assert light["model_tier"] == "lightweight"
    assert light["cost_usd"] == round(light["token_count"] / 1000 * 0.0005, 6)


def test_same_input_gives_the_same_answer(http, auth):
    first = http.post("/suggest-next-action", json={"customer_id": CUSTOMER}, headers=auth()).json()
    second = http.post("/suggest-next-action", json={"customer_id": CUSTOMER}, headers=auth()).json()
    assert first == second


def test_every_demo_customer_is_answered(http, auth):
    for customer_id in DEMO_CUSTOMERS:
        assert http.post("/assess-risk", json={"customer_id": customer_id}, headers=auth()).status_code == 200


def test_customer_id_is_case_insensitive(http, auth):
    response = http.post("/analyze-customer", json={"customer_id": CUSTOMER.upper()}, headers=auth())
    assert response.status_code == 200


def test_chat_reply_keeps_the_conversation_and_counts_tokens(http, contract, auth):
    response = http.post("/chat", json={"message": "What should I do next for Acme?", "conversation_id": "conv-42"},
                         headers=auth())
    body = response.json()
    assert not [e.message for e in contract.validator("ChatResponse").iter_errors(body)]
    assert body["conversation_id"] == "conv-42"
    expected = EmbeddedProvider().answer(chat_messages("What should I do next for Acme?"), "lightweight")
    assert body["token_count"] == expected.usage.total_tokens
    assert body["cost_usd"] == round(body["token_count"] / 1000 * contract.pricing["lightweight"], 6)


def test_health_and_readiness_bodies(http, contract):
    health = http.get("/health").json()
    assert not list(contract.validator("Health").iter_errors(health))
    ready = http.get("/ready").json()
    assert not list(contract.validator("Readiness").iter_errors(ready))
    assert ready["provider"]["name"] == "openai"
