"""Security as the user's spec declares it: every scheme type, requirements as alternatives, cookie
parameters, the clock-skew leeway and the foreign audience; and how each credential is presented."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from contractkit.conformance.neuron import credentials
from contractkit.conformance.neuron.requests import build
from contractkit.conformance.options import options_from_values
from contractkit.conformance.outcomes import NotVerified
from contractkit.conformance.redaction import REDACTOR
from contractkit.errors import ConfigError
from contractkit.spec.neuron import NeuronSpec

OK = {"200": {"description": "ok"}}
SCHEMES = {
    "svc": {"type": "oauth2", "x-audience": ["api-a", "api-b"], "x-clock-skew-seconds": 30,
            "x-foreign-audience": "mcp-crm", "x-token-request": {"auth_method": "client_secret_post"},
            "flows": {"clientCredentials": {"tokenUrl": "https://issuer/token",
                                            "scopes": {"a.read": "", "a.write": ""}},
                      "authorizationCode": {"authorizationUrl": "https://i/a", "tokenUrl": "https://i/t",
                                            "scopes": {"user.profile": ""}}}},
    "jwt": {"type": "http", "scheme": "Bearer", "bearerFormat": "JWT"},
    "key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "qkey": {"type": "apiKey", "in": "query", "name": "api_key"},
    "ckey": {"type": "apiKey", "in": "cookie", "name": "session"},
    "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://issuer/.well-known/openid-configuration"},
    "basic": {"type": "http", "scheme": "basic"},
}


def spec(paths: dict[str, Any], schemes: dict[str, Any] | None = None, **extra: Any) -> NeuronSpec:
    return NeuronSpec({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths,
                       "components": {"securitySchemes": schemes if schemes is not None else SCHEMES}, **extra})


def one_op(security: Any, schemes: dict[str, Any] | None = None, **op: Any):
    model = spec({"/a": {"get": {"security": security, "responses": OK, **op}}}, schemes)
    (operation,) = model.operations
    return model, operation


def test_every_scheme_type_is_read_with_where_its_credential_goes() -> None:
    schemes = spec({}).security_schemes
    assert set(schemes) == set(SCHEMES)
    assert schemes["svc"].token_url == "https://issuer/token" and schemes["svc"].bearer
    assert set(schemes["svc"].scopes) == {"a.read", "a.write", "user.profile"}
    assert schemes["svc"].audiences == ("api-a", "api-b") and schemes["svc"].clock_skew_s == 30
    assert schemes["svc"].foreign_audience == "mcp-crm"
    assert schemes["jwt"].bearer and schemes["jwt"].http_scheme == "bearer"
    assert [(schemes[n].location, schemes[n].param) for n in ("key", "qkey", "ckey")] == [
        ("header", "X-API-Key"), ("query", "api_key"), ("cookie", "session")]
    assert schemes["oidc"].bearer and schemes["oidc"].discovery_url.endswith("openid-configuration")
    assert not schemes["basic"].bearer and not schemes["basic"].api_key


def test_requirements_are_alternatives_not_one_merged_requirement() -> None:
    _, op = one_op([{"key": []}, {"svc": ["a.read"]}, {"jwt": [], "qkey": []}])
    assert len(op.security) == 3
    assert op.credential.bearer.scheme.name == "svc"  # a bearer alternative is preferred
    assert op.scopes == ("a.read",) and op.bearer
    _, keys_only = one_op([{"key": []}])
    assert keys_only.authenticated and keys_only.scopes == () and not keys_only.bearer
    _, both = one_op([{"svc": ["a.read"], "key": []}])
    assert [r.scheme.name for r in both.credential.requirements] == ["svc", "key"]
    _, anonymous = one_op([{"svc": ["a.write"]}, {}])
    assert not anonymous.authenticated and anonymous.credential is None


def test_the_token_scheme_is_the_one_operations_use_and_openid_connect_is_one() -> None:
    model, _ = one_op([{"oidc": ["a.read"]}], {"oidc": SCHEMES["oidc"], "key": SCHEMES["key"]})
    assert model.token_url is None and model.discovery_url == SCHEMES["oidc"]["openIdConnectUrl"]
    assert model.all_scopes == ["a.read"]
    model, _ = one_op([{"jwt": []}], {"jwt": SCHEMES["jwt"], "svc": SCHEMES["svc"]})
    assert model.token_scheme.name == "svc"  # the scheme that says where tokens are minted
    model, _ = one_op([{"key": []}], {"key": SCHEMES["key"]})
    assert model.token_scheme is None and model.audiences == [] and model.clock_skew_s is None


def test_cookie_parameters_are_read_and_sent() -> None:
    param = {"name": "tenant", "in": "cookie", "required": True, "schema": {"type": "string", "example": "t 1"}}
    model, op = one_op([{}], parameters=[param])
    assert [(p.location, p.name) for p in op.parameters] == [("cookie", "tenant")]
    parts = build(model, op, None)
    assert parts.cookies == {"tenant": "t 1"} and parts.cookie_header() == "tenant=t%201"


def test_each_credential_is_presented_where_its_scheme_says() -> None:
    _, op = one_op([{"svc": ["a.read"], "key": [], "qkey": [], "ckey": []}])
    shown = credentials.present(op.credential, "tok", {"key": "k1", "qkey": "k2", "ckey": "k3"})
    assert shown.headers == {"X-API-Key": "k1"} and shown.query == {"api_key": "k2"}
    assert shown.cookies == {"session": "k3"}
    _, basic = one_op([{"basic": []}])
    with pytest.raises(NotVerified, match="cannot present http basic"):
        credentials.present(basic.credential, None, {})
    assert credentials.wrong_keys(op).headers["X-API-Key"] != "k1"


def test_an_api_key_comes_from_the_named_variable_and_is_redacted() -> None:
    scheme = spec({}).security_schemes["key"]
    with pytest.raises(NotVerified, match="--api-key-env key=VAR"):
        credentials.api_key({}, scheme, {})
    with pytest.raises(NotVerified, match=r"\$KEY_VAR .* is not set"):
        credentials.api_key({"key": "KEY_VAR"}, scheme, {})
    secret = "ck-secret-api-key-0123456789"
    assert credentials.api_key({"key": "KEY_VAR"}, scheme, {"KEY_VAR": secret}) == secret
    assert secret in REDACTOR.secrets


def test_the_expiry_wait_honours_the_leeway_up_to_a_cap() -> None:
    model = spec({})
    target = SimpleNamespace(spec=model, options=SimpleNamespace(clock_skew=None))
    assert credentials.expiry_wait(target, 1.0) == pytest.approx(1.0 + 30 + 1.2)  # x-clock-skew-seconds
    target.options.clock_skew = 0.0  # the flag wins
    assert credentials.expiry_wait(target, 1.0) == pytest.approx(2.2)
    target.options.clock_skew = 120.0
    with pytest.raises(NotVerified, match="longer than the suite waits"):
        credentials.expiry_wait(target, 1.0)


def test_require_bearer_names_the_alternatives() -> None:
    _, op = one_op([{"key": []}])
    with pytest.raises(NotVerified, match="apiKey 'key'"):
        credentials.require_bearer(op)


def values(**given: Any):
    defaults = {"profile": "quick", "request_timeout": 10.0, "neuron_url": "http://127.0.0.1:1"}
    return lambda name: {**defaults, **given}.get(name)


def test_the_clock_skew_and_api_key_flags_are_read_and_checked() -> None:
    options = options_from_values(values(clock_skew="45", api_key_env=["key=MY_KEY", "other = OTHER"]))
    assert options.clock_skew == 45.0 and options.api_key_envs == {"key": "MY_KEY", "other": "OTHER"}
    with pytest.raises(ConfigError, match="--api-key-env takes SCHEME=VAR"):
        options_from_values(values(api_key_env=["key"]))
    with pytest.raises(ConfigError, match="--clock-skew"):
        options_from_values(values(clock_skew="-1"))


def test_a_socket_or_raw_security_list_needs_one_alternative_s_scopes() -> None:
    from contractkit.spec.security import scopes_of

    assert scopes_of([{"svc": ["a.read"]}, {"svc": ["a.write"]}], spec({}).security_schemes) == ("a.read",)
    assert scopes_of([{"key": []}, {"svc": ["a.write"]}], spec({}).security_schemes) == ("a.write",)
    assert scopes_of([{"x": ["s1", "s2"]}, {"y": ["s3"]}]) == ("s1", "s2")
    assert scopes_of([{"x": ["s1"]}, {}]) == () and scopes_of(None) == ()


def test_an_undeclared_not_found_status_is_the_operation_s_404_or_nothing() -> None:
    ai = {"deadline_ms": 100, "fallback": {"mode": "unavailable"}, "subject": {"in": "query", "name": "id"}}
    model = spec({"/a": {"get": {"x-ai-operation": ai, "responses": {"200": {"description": "ok"},
                                                                      "404": {"description": "none"}}}},
                  "/b": {"get": {"x-ai-operation": ai, "responses": {"200": {"description": "ok"}}}}}, {})
    with_404, without = model.operations
    assert with_404.subject.not_found_status == 404 and without.subject.not_found_status is None


def test_a_token_probe_keeps_the_good_api_keys_of_its_alternative(monkeypatch: pytest.MonkeyPatch) -> None:
    from contractkit.conformance.neuron.requests import RequestParts

    _, both = one_op([{"svc": ["a.read"], "ckey": []}])
    target = SimpleNamespace(options=SimpleNamespace(api_key_envs={"ckey": "CK_SESSION"}))
    monkeypatch.setenv("CK_SESSION", "ck-good-session-key-123456")
    parts = credentials.with_api_keys(target, both, RequestParts(query={"q": "1"}))
    assert parts.cookies == {"session": "ck-good-session-key-123456"} and parts.query == {"q": "1"}
    _, keys_only = one_op([{"key": []}])
    assert credentials.with_api_keys(target, keys_only, RequestParts()) == RequestParts()  # the probe decides
