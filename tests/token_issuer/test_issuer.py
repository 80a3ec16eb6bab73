"""The token issuer: client credentials (form and Basic), RFC 6749 5.2 errors, JWKS, metadata."""

from __future__ import annotations

import httpx
import jwt
import pytest

from contractkit.reference.token_issuer.issuer import JWKS_PATH, METADATA_PATH, TOKEN_PATH, TokenIssuer
from contractkit.reference.token_issuer.verifier import TokenVerifier

GOOD = {"grant_type": "client_credentials", "client_id": "demo-engine", "client_secret": "demo-engine-secret",
        "scope": "neuron.suggest neuron.chat", "audience": "neuron-api"}


def post(url: str, data: dict, **kw) -> httpx.Response:
    return httpx.post(url + TOKEN_PATH, data=data, timeout=10, **kw)


def test_client_credentials_issue_a_verifiable_token(issuer):
    _, url = issuer
    response = post(url, GOOD)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600
    assert body["scope"] == "neuron.suggest neuron.chat"
    verified = TokenVerifier("neuron-api", jwks_url=url + JWKS_PATH).verify(body["access_token"])
    assert verified.client_id == "demo-engine"
    assert verified.scopes == {"neuron.suggest", "neuron.chat"}
    assert jwt.decode(body["access_token"], options={"verify_signature": False})["iss"] == url


def test_basic_auth_and_resource_parameter(issuer):
    _, url = issuer
    data = {"grant_type": "client_credentials", "resource": "crm-data-mcp", "scope": "crm.read"}
    response = post(url, data, auth=("demo-engine", "demo-engine-secret"))
    assert response.status_code == 200
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "crm-data-mcp" and claims["scope"] == "crm.read"


def test_no_scope_gives_all_the_clients_scopes_and_single_audience_defaults(issuer):
    _, url = issuer
    response = post(url, {"grant_type": "client_credentials", "client_id": "crm-data-mcp",
                          "client_secret": "crm-data-mcp-secret"})
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "engine-internal"
    assert set(claims["scope"].split()) == {"engine.customers.read", "engine.customers.write"}


def test_short_lived_tokens(issuer):
    _, url = issuer
    assert post(url, {**GOOD, "expires_in": "5"}).json()["expires_in"] == 5
    for bad in ("0", "601", "soon"):
        response = post(url, {**GOOD, "expires_in": bad})
        assert response.status_code == 400 and response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(("change", "status", "error"), [
    ({"client_secret": "wrong"}, 401, "invalid_client"),
    ({"client_id": "nobody"}, 401, "invalid_client"),
    ({"scope": "neuron.suggest admin"}, 400, "invalid_scope"),
    ({"audience": "somewhere-else"}, 400, "invalid_target"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type"),
])
def test_rfc6749_error_bodies(issuer, change, status, error):
    _, url = issuer
    response = post(url, {**GOOD, **change})
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error and isinstance(body["error_description"], str)
    assert "access_token" not in body
    assert "demo-engine-secret" not in response.text
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic")


def test_json_body_is_invalid_request(issuer):
    _, url = issuer
    response = httpx.post(url + TOKEN_PATH, json=GOOD, timeout=10)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_bad_basic_header_is_invalid_client(issuer):
    _, url = issuer
    response = post(url, {"grant_type": "client_credentials"}, headers={"Authorization": "Basic %%%"})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_jwks_and_metadata(issuer):
    token_issuer, url = issuer
    jwks = httpx.get(url + JWKS_PATH).json()
    assert [k["kid"] for k in jwks["keys"]] == [token_issuer.key.kid]
    assert all("d" not in k for k in jwks["keys"]), "no private key material"
    meta = httpx.get(url + METADATA_PATH).json()
    assert meta["token_endpoint"] == url + TOKEN_PATH and meta["jwks_uri"] == url + JWKS_PATH
    assert "client_credentials" in meta["grant_types_supported"]
    assert "neuron.chat" in meta["scopes_supported"]


def test_repeated_resource_gives_a_token_for_each_audience(issuer):
    _, url = issuer
    data = {"grant_type": "client_credentials", "scope": "crm.read",
            "resource": ["crm-data-mcp", "document-retrieval-mcp"]}
    response = httpx.post(url + TOKEN_PATH, data=data, auth=("demo-engine", "demo-engine-secret"), timeout=10)
    assert response.status_code == 200
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["aud"] == ["crm-data-mcp", "document-retrieval-mcp"]
    for audience in claims["aud"]:
        assert TokenVerifier(audience, jwks_url=url + JWKS_PATH).verify(response.json()["access_token"])


def test_audience_and_resource_naming_the_same_audience_is_one_audience(issuer):
    _, url = issuer
    response = post(url, {**GOOD, "resource": "neuron-api"})
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "neuron-api"


@pytest.mark.parametrize(("data", "auth", "description"), [
    ({"grant_type": "client_credentials", "scope": ["crm.read", "crm.write"], "client_id": "demo-engine",
      "client_secret": "demo-engine-secret", "audience": "neuron-api"}, None, "more than once"),
    ({"grant_type": "client_credentials", "client_secret": "demo-engine-secret", "audience": "neuron-api"},
     ("demo-engine", "demo-engine-secret"), "not both"),
    ({"grant_type": "client_credentials", "client_id": "demo-engine", "client_secret": "demo-engine-secret"},
     None, "name the audience"),
])
def test_invalid_requests(issuer, data, auth, description):
    _, url = issuer
    response = httpx.post(url + TOKEN_PATH, data=data, auth=auth, timeout=10)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert description in response.json()["error_description"]


def test_basic_credentials_are_accepted_form_encoded_or_as_sent():
    """RFC 6749 section 2.3.1 form-encodes id and secret inside Basic; many clients do not."""
    from contractkit.reference.token_issuer.clients import ClientRegistration
    from contractkit.servers import serving

    odd = ClientRegistration("odd client", "p+ss:w%rd", frozenset({"x"}), frozenset({"aud"}))
    with serving(TokenIssuer([odd]).app) as server:
        data = {"grant_type": "client_credentials"}
        encoded = post(server.url, data, auth=("odd+client", "p%2Bss%3Aw%25rd"))
        raw = post(server.url, data, auth=("odd client", "p+ss:w%rd"))
        wrong = post(server.url, data, auth=("odd client", "p ss:w%rd"))
    assert (encoded.status_code, raw.status_code, wrong.status_code) == (200, 200, 401)
