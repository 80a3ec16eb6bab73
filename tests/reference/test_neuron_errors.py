"""The shared problem body everywhere: routing errors, bad input, size limits, unexpected exceptions."""

from __future__ import annotations

import httpx
import pytest
from neuron_helpers import CUSTOMER, UNKNOWN_CUSTOMER, assert_problem

from contractkit.llm import EmbeddedProvider
from contractkit.reference.neuron import NeuronSettings, create_neuron_app
from contractkit.reference.token_issuer.issuer import TokenIssuer
from contractkit.servers import serving


def test_unknown_route_is_404_not_found(http, contract):
    assert_problem(contract, http.get("/no/such/route"), 404, "not_found")


def test_wrong_method_is_405_with_allow(http, contract):
    response = http.get("/suggest-next-action")
    assert_problem(contract, response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


def test_unknown_customer_is_404_customer_not_found(http, contract, auth):
    response = http.post("/analyze-customer", json={"customer_id": UNKNOWN_CUSTOMER}, headers=auth())
    assert_problem(contract, response, 404, "customer_not_found")


@pytest.mark.parametrize(("body", "location"), [
    ({"customer_id": "not-a-uuid"}, "/customer_id"),
    ({"customer_id": "3f2b8c1e5d4a4c6b9e2f7a1d0c9b8e21"}, "/customer_id"),
    ({}, ""),
    ({"customer_id": CUSTOMER, "extra": 1}, ""),
    ({"customer_id": CUSTOMER, "model_tier": "huge"}, "/model_tier"),
    ({"customer_id": CUSTOMER, "context": {"k": {"nested": True}}}, "/context/k"),
    ({"customer_id": CUSTOMER, "context": {f"k{i}": i for i in range(33)}}, "/context"),
    ([CUSTOMER], ""),
    ("a string", ""),
])
def test_invalid_body_is_422_validation_error_with_locations(http, contract, auth, body, location):
    response = http.post("/suggest-next-action", json=body, headers=auth())
    problem = assert_problem(contract, response, 422, "validation_error")
    assert location in [e["location"] for e in problem["errors"]]


def test_invalid_json_is_422(http, contract, auth):
    response = http.post("/chat", content=b'{"message": ', headers={**auth(), "content-type": "application/json"})
    assert_problem(contract, response, 422, "validation_error")


def test_wrong_media_type_is_415(http, contract, auth):
    response = http.post("/chat", content=b"message=hi", headers={**auth(), "content-type": "text/plain"})
    assert_problem(contract, response, 415, "unsupported_media_type")


def test_chat_message_limits_are_the_spec_limits(http, contract, auth):
    assert_problem(contract, http.post("/chat", json={"message": ""}, headers=auth()), 422, "validation_error")
    too_long = http.post("/chat", json={"message": "x" * 4001}, headers=auth())
    assert_problem(contract, too_long, 422, "validation_error")
    bad_conversation = http.post("/chat", json={"message": "hi", "conversation_id": "a b"}, headers=auth())
    assert_problem(contract, bad_conversation, 422, "validation_error")


def test_body_over_64_kib_is_413_declared_or_chunked(http, contract, auth):
    big = b'{"message": "' + b"x" * (70 * 1024) + b'"}'
    declared = http.post("/chat", content=big, headers={**auth(), "content-type": "application/json"})
    assert_problem(contract, declared, 413, "payload_too_large")

    def chunks():
        for i in range(0, len(big), 8192):
            yield big[i:i + 8192]

    chunked = http.post("/chat", content=chunks(), headers={**auth(), "content-type": "application/json"})
    assert_problem(contract, chunked, 413, "payload_too_large")


def test_every_response_has_a_request_id_and_a_good_one_is_kept(http, auth):
    kept = http.get("/health", headers={"X-Request-ID": "trace-12345678"})
    assert kept.headers["x-request-id"] == "trace-12345678"
    replaced = http.get("/health", headers={"X-Request-ID": "bad id\u00e9"[:6]})
    assert replaced.headers["x-request-id"].startswith("req_")
    for response in (http.get("/ready"), http.get("/nowhere"),
                     http.post("/chat", json={"message": "hi"}, headers=auth())):
        assert len(response.headers["x-request-id"]) >= 8


class ExplodingProvider(EmbeddedProvider):
    """A bug in the service (not a provider failure): the exception carries internals."""

    async def complete(self, messages, tier, *, max_tokens=512):
        raise RuntimeError("boom at /srv/neuron/secret_module.py with key sk-live-123")


def test_unexpected_exception_is_500_internal_error_without_internals(contract):
    issuer = TokenIssuer()
    app = create_neuron_app(NeuronSettings(public_keys={issuer.key.kid: issuer.key.private_key.public_key()},
                                           provider=ExplodingProvider()))
    token = issuer.mint("tester", ["neuron.chat"], "neuron-api")
    with serving(app) as server:
        response = httpx.post(server.url + "/chat", json={"message": "hi"},
                              headers={"Authorization": f"Bearer {token}"}, timeout=10)
    body = assert_problem(contract, response, 500, "internal_error")
    for leak in ("RuntimeError", "secret_module", "/srv", "sk-live", "Traceback"):
        assert leak not in response.text
    assert set(body) <= {"type", "title", "status", "code", "request_id", "detail"}
