"""The token issuer: client credentials (form and Basic), RFC 6749 5.2 errors, JWKS, metadata."""

from __future__ import annotations

import httpx
import jwt
import pytest

from contractkit.reference.token_issuer.issuer import JWKS_PATH, METADATA_PATH, TOKEN_PATH
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


def test_clients_from_a_file(tmp_path):
    import json

    from contractkit.errors import ConfigError
    from contractkit.reference.token_issuer.clients import load_clients

    path = tmp_path / "clients.json"
    path.write_text(json.dumps([{"client_id": "a", "secret": "hush-123", "scopes": ["x"], "audiences": ["y"]}]))
    (client,) = load_clients(path)
    assert client.client_id == "a" and client.scopes == {"x"} and "hush-123" not in repr(client)
    path.write_text("[{}]")
    with pytest.raises(ConfigError):
        load_clients(path)
