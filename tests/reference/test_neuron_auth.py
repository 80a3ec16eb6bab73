"""Auth of neuron/'s HTTP operations: RFC 6750 challenges, problem bodies, no token echo."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from neuron_helpers import CUSTOMER, assert_problem

from contractkit.reference.token_issuer.keys import SigningKey

OPERATIONS = [
    ("/analyze-customer", {"customer_id": CUSTOMER}, "neuron.analyze"),
    ("/suggest-next-action", {"customer_id": CUSTOMER}, "neuron.suggest"),
    ("/assess-risk", {"customer_id": CUSTOMER}, "neuron.risk"),
    ("/chat", {"message": "hello"}, "neuron.chat"),
    ("/chat/stream", {"message": "hello"}, "neuron.chat"),
]


@pytest.mark.parametrize(("path", "body", "scope"), OPERATIONS)
def test_no_token_is_401_with_a_bare_bearer_challenge(http, contract, path, body, scope):
    response = http.post(path, json=body)
    assert_problem(contract, response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert "error=" not in response.headers["www-authenticate"]


@pytest.mark.parametrize(("path", "body", "scope"), OPERATIONS)
def test_token_without_the_scope_is_403_insufficient_scope(http, contract, auth, path, body, scope):
    others = [s for s in ("neuron.analyze", "neuron.suggest", "neuron.risk", "neuron.chat") if s != scope]
    response = http.post(path, json=body, headers=auth(others))
    assert_problem(contract, response, 403, "insufficient_scope")
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and 'error="insufficient_scope"' in challenge
    assert f'scope="{scope}"' in challenge


@pytest.mark.parametrize(("path", "body", "scope"), OPERATIONS)
def test_token_with_only_the_scope_is_accepted(http, auth, path, body, scope):
    assert http.post(path, json=body, headers=auth([scope])).status_code == 200


def _tampered(token: str) -> str:
    header, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = claims["scope"] + " admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{sig}"


@pytest.mark.parametrize("kind", ["malformed", "tampered", "expired", "wrong_audience", "foreign_key", "alg_none",
                                  "not_bearer"])
def test_bad_tokens_are_401_invalid_token_and_never_echoed(http, contract, stack, client_id, kind):
    good = stack.token(["neuron.suggest"], client_id=client_id)
    token = {
        "malformed": "not.a.jwt",
        "tampered": _tampered(good),
        "expired": jwt.encode({"sub": client_id, "aud": "neuron-api", "scope": "neuron.suggest", "iat": 1,
                               "exp": 2}, stack.issuer.key.private_key, algorithm="RS256",
                              headers={"kid": stack.issuer.key.kid}),
        "wrong_audience": stack.token(["neuron.suggest"], audience="crm-data-mcp", client_id=client_id),
        "foreign_key": jwt.encode({"sub": client_id, "aud": "neuron-api", "scope": "neuron.suggest", "iat": 1,
                                   "exp": 4_000_000_000}, SigningKey.generate().private_key, algorithm="RS256",
                                  headers={"kid": stack.issuer.key.kid}),
        "alg_none": jwt.encode({"sub": client_id, "aud": "neuron-api", "scope": "neuron.suggest", "iat": 1,
                                "exp": 4_000_000_000}, None, algorithm="none"),
        "not_bearer": None,
    }[kind]
    header = f"Basic {good}" if kind == "not_bearer" else f"Bearer {token}"
    response = http.post("/suggest-next-action", json={"customer_id": CUSTOMER}, headers={"Authorization": header})
    expected = "unauthorized" if kind == "not_bearer" else "invalid_token"
    assert_problem(contract, response, 401, expected)
    assert response.headers["www-authenticate"].startswith("Bearer ")
    if expected == "invalid_token":
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    secret = token or good
    assert secret not in response.text and secret not in str(response.headers)


def test_expired_short_lived_token_from_the_issuer_is_rejected(http, contract, stack, client_id):
    import time

    token = stack.token(["neuron.suggest"], client_id=client_id, lifetime_s=2)
    headers = {"Authorization": f"Bearer {token}"}
    assert http.post("/suggest-next-action", json={"customer_id": CUSTOMER}, headers=headers).status_code == 200
    time.sleep(2.6)  # verified tokens are cached: the cache must notice the expiry too
    response = http.post("/suggest-next-action", json={"customer_id": CUSTOMER}, headers=headers)
    assert_problem(contract, response, 401, "invalid_token")


def test_token_fetched_over_http_from_the_issuer_works(http, stack):
    token = stack.fetch_token(["neuron.suggest"])
    response = http.post("/suggest-next-action", json={"customer_id": CUSTOMER},
                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_auth_is_checked_before_the_body(http, contract):
    response = http.post("/suggest-next-action", content=b"{not json", headers={"content-type": "application/json"})
    assert_problem(contract, response, 401, "unauthorized")


def test_health_and_ready_need_no_token(http):
    assert http.get("/health").json()["status"] == "ok"
    assert http.get("/ready").status_code == 200
