"""The verifier: signature, expiry, audience, algorithm, key rotation; never the token in errors."""

from __future__ import annotations

import time

import jwt
import pytest

from contractkit.reference.token_issuer.issuer import JWKS_PATH, TokenIssuer
from contractkit.reference.token_issuer.keys import SigningKey
from contractkit.reference.token_issuer.verifier import InvalidTokenError, TokenVerifier, bearer_token, missing_scopes


@pytest.fixture(scope="module")
def local():
    token_issuer = TokenIssuer()
    public = {token_issuer.key.kid: token_issuer.key.private_key.public_key()}
    verifier = TokenVerifier("neuron-api", public_keys=public)
    return token_issuer, verifier


def test_valid_token(local):
    token_issuer, verifier = local
    verified = verifier.verify(token_issuer.mint("c1", ["neuron.chat"], "neuron-api"))
    assert (verified.client_id, verified.audience) == ("c1", "neuron-api")
    assert verified.has_scope("neuron.chat") and not verified.has_scope("neuron.risk")
    assert missing_scopes(verified, ["neuron.chat", "neuron.risk"]) == ["neuron.risk"]


@pytest.mark.parametrize("kind", ["none", "garbage", "expired", "audience", "foreign", "hs256", "no_exp"])
def test_invalid_tokens(local, kind):
    token_issuer, verifier = local
    key, kid = token_issuer.key.private_key, token_issuer.key.kid
    claims = {"sub": "c1", "aud": "neuron-api", "scope": "neuron.chat", "iat": int(time.time()),
              "exp": int(time.time()) + 60}
    token = {
        "none": None,
        "garbage": "abc.def",
        "expired": jwt.encode({**claims, "exp": int(time.time()) - 5}, key, algorithm="RS256", headers={"kid": kid}),
        "audience": token_issuer.mint("c1", ["neuron.chat"], "other-api"),
        "foreign": jwt.encode(claims, SigningKey.generate().private_key, algorithm="RS256", headers={"kid": kid}),
        "hs256": jwt.encode(claims, "k" * 32, algorithm="HS256", headers={"kid": kid}),
        "no_exp": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, key, algorithm="RS256",
                             headers={"kid": kid}),
    }[kind]
    with pytest.raises(InvalidTokenError) as info:
        verifier.verify(token)
    assert info.value.code == ("unauthorized" if kind == "none" else "invalid_token")
    if token:
        assert token not in str(info.value)


def test_jwks_url_is_fetched_and_refetched_on_a_new_key():
    from contractkit.servers import serving

    token_issuer = TokenIssuer()
    with serving(token_issuer.app) as server:
        verifier = TokenVerifier("neuron-api", jwks_url=server.url + JWKS_PATH, refetch_interval_s=0)
        assert verifier.verify(token_issuer.mint("c1", [], "neuron-api")).client_id == "c1"
        token_issuer.key = SigningKey.generate()  # rotation: a new kid appears in the JWKS
        assert verifier.verify(token_issuer.mint("c2", [], "neuron-api")).client_id == "c2"


def test_unreachable_jwks_is_an_invalid_token_not_a_crash():
    from contractkit.servers import free_port

    verifier = TokenVerifier("neuron-api", jwks_url=f"http://127.0.0.1:{free_port()}/jwks.json")
    with pytest.raises(InvalidTokenError):
        verifier.verify(TokenIssuer().mint("c1", [], "neuron-api"))


@pytest.mark.parametrize(("header", "token"), [
    (None, None), ("", None), ("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Basic abc", None), ("Bearer", None),
])
def test_bearer_token(header, token):
    assert bearer_token(header) == token
