"""TokenSource against real token endpoints on loopback: the reference issuer with a clients file,
an independent RFC 6749 endpoint (client_secret_post and RFC 8707 ``resource`` only, opaque tokens,
``expires_in`` ignored), hostile endpoints (trickling, huge), and pre-issued tokens."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qs

import jwt
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from contractkit.conformance.outcomes import NotVerified
from contractkit.conformance.redaction import MASK, REDACTOR
from contractkit.conformance.tokens import (
    SHORT_LIVED_REFUSED,
    Credentials,
    TokenSettings,
    TokenSource,
    parse_scope_token,
)
from contractkit.errors import ConfigError
from contractkit.reference.token_issuer.clients import load_clients
from contractkit.reference.token_issuer.issuer import JWKS_PATH, TOKEN_PATH, TokenIssuer
from contractkit.reference.token_issuer.verifier import TokenVerifier
from contractkit.servers import serving

CI_SECRET = "ci-secret+with/odd:chars%41"
CLIENTS_YAML = """\
clients:
  - client_id: ci-conformance
    secret_env: TS_TEST_CI_SECRET
    scopes: [neuron.chat, neuron.suggest]
    audiences: [neuron-api, crm-data-mcp]
    default_audience: neuron-api
"""


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Iterator[str]:
    """The reference issuer serving the clients of a clients file; yields its token URL."""
    path = tmp_path_factory.mktemp("clients") / "clients.yaml"
    path.write_text(CLIENTS_YAML)
    issuer = TokenIssuer(load_clients(path, environ={"TS_TEST_CI_SECRET": CI_SECRET}), lifetime_s=600)
    with serving(issuer.app) as server:
        yield server.url


def source(url: str, **kw) -> TokenSource:
    kw.setdefault("timeout", 5.0)
    secret = kw.pop("secret", CI_SECRET)
    return TokenSource(url + TOKEN_PATH, Credentials("ci-conformance", secret), "neuron-api", **kw)


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


# -- the reference issuer, clients from a file ------------------------------------------------

def test_reference_issuer_tokens_are_exact_verifiable_cached_and_redacted(reference):
    tokens = source(reference)
    try:
        token = tokens.token(["neuron.chat"])
        verified = TokenVerifier("neuron-api", jwks_url=reference + JWKS_PATH).verify(token)
        assert verified.client_id == "ci-conformance" and verified.scopes == {"neuron.chat"}
        assert tokens.token(("neuron.chat",)) == token, "cached per scope set"
        assert tokens.token(["neuron.chat"], cache=False) != token
        assert REDACTOR.redact(f"sent {token}") == f"sent {MASK}"
        assert claims(tokens.token(["neuron.suggest"], "crm-data-mcp"))["aud"] == "crm-data-mcp"
        short = claims(tokens.token(["neuron.chat"], expires_in=1, cache=False))
        assert short["exp"] - short["iat"] == 1
    finally:
        tokens.close()


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post", "basic", "post"])
@pytest.mark.parametrize("audience_param", ["audience", "resource"])
def test_reference_issuer_with_each_forced_method_and_audience_parameter(reference, auth_method, audience_param):
    settings = TokenSettings(reference + TOKEN_PATH, "ci-conformance", "TS_TEST_SECRET_ENV",
                             auth_method=auth_method, audience_param=audience_param, timeout=5.0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TS_TEST_SECRET_ENV", CI_SECRET)
        tokens = TokenSource.from_settings(settings, "crm-data-mcp")
    try:
        assert claims(tokens.token(["neuron.chat"]))["aud"] == "crm-data-mcp"
    finally:
        tokens.close()


def test_reference_issuer_refusals_are_not_verified_with_the_oauth_error(reference):
    tokens = source(reference)
    try:
        with pytest.raises(NotVerified, match="invalid_scope"):
            tokens.token(["neuron.risk"])
        with pytest.raises(NotVerified, match="invalid_target"):
            tokens.token(["neuron.chat"], "document-retrieval-mcp")
        assert tokens.try_token(["neuron.risk"]) is None
    finally:
        tokens.close()


def test_wrong_secret_is_one_config_line_without_the_secret(reference):
    tokens = source(reference, secret="not-the-secret-123")
    try:
        with pytest.raises(ConfigError) as info:
            tokens.token(["neuron.chat"])
    finally:
        tokens.close()
    line = info.value.one_line()
    assert "client_secret_basic and client_secret_post" in line and "invalid_client" in line
    assert "not-the-secret-123" not in line and "\n" not in line


# -- an independent RFC 6749 endpoint: post only, resource only, opaque, ignores expires_in ----

class StrictEndpoint:
    """A client-credentials endpoint that shares nothing with the reference issuer.

    It authenticates by client_secret_post only (a Basic request gets ``basic_reply``), takes the
    audience as RFC 8707 ``resource`` only (``audience`` is ignored, as RFC 6749 section 3.2 asks
    of unknown parameters), ignores ``expires_in`` and issues opaque tokens lasting an hour.
    """

    CLIENT, SECRET = "strict-client", "strict-secret-0123"
    SCOPES = frozenset({"neuron.chat", "neuron.suggest"})
    RESOURCES = frozenset({"https://api.example/neuron", "https://api.example/crm"})

    def __init__(self, basic_reply: str = "invalid_client", grant_extra_scope: bool = False) -> None:
        self.basic_reply = basic_reply
        self.grant_extra_scope = grant_extra_scope
        self.requests: list[tuple[bool, dict[str, list[str]]]] = []
        self.app = Starlette(routes=[Route("/oauth/token", self.token, methods=["POST"])])

    async def token(self, request: Request) -> JSONResponse:
        form = parse_qs((await request.body()).decode())
        basic = "authorization" in request.headers
        self.requests.append((basic, form))
        one = {k: v[0] for k, v in form.items()}
        if one.get("grant_type") != "client_credentials":
            return self.error("unsupported_grant_type")
        if basic:
            return self.error(self.basic_reply, 401 if self.basic_reply == "invalid_client" else 400)
        if (one.get("client_id"), one.get("client_secret")) != (self.CLIENT, self.SECRET):
            return self.error("invalid_client", 401)
        scopes = one.get("scope", "").split()
        if not set(scopes) <= self.SCOPES:
            return self.error("invalid_scope")
        resources = form.get("resource", [])
        if not resources:
            return self.error("invalid_request")
        if not set(resources) <= self.RESOURCES:
            return self.error("invalid_target")
        granted = scopes + (["neuron.suggest"] if self.grant_extra_scope else [])
        return JSONResponse({"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                             "expires_in": 3600, "scope": " ".join(granted)}, headers={"Cache-Control": "no-store"})

    @staticmethod
    def error(code: str, status: int = 400) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Basic realm="strict"'} if status == 401 else {}
        return JSONResponse({"error": code}, status_code=status, headers=headers)


@pytest.fixture
def strict(request) -> Iterator[tuple[StrictEndpoint, TokenSource]]:
    endpoint = StrictEndpoint(**getattr(request, "param", {}))
    with serving(endpoint.app) as server:
        tokens = TokenSource(server.url + "/oauth/token", Credentials(StrictEndpoint.CLIENT, StrictEndpoint.SECRET),
                             "https://api.example/neuron", timeout=5.0)
        try:
            yield endpoint, tokens
        finally:
            tokens.close()


@pytest.mark.parametrize("strict", [{"basic_reply": "invalid_client"}, {"basic_reply": "invalid_request"}],
                         indirect=True)
def test_auto_falls_back_to_post_and_resource_and_keeps_what_worked(strict):
    endpoint, tokens = strict
    token = tokens.token(["neuron.chat"])
    assert token.count(".") != 2, "an opaque token is accepted as it is"
    basic, form = endpoint.requests[-1]
    assert not basic and form["resource"] == ["https://api.example/neuron"]
    assert "expires_in" not in form, "no non-standard field unless a short-lived token is asked for"
    assert {k for b, f in endpoint.requests for k in f} <= {"grant_type", "scope", "audience", "resource",
                                                            "client_id", "client_secret"}
    before = len(endpoint.requests)
    tokens.token(["neuron.suggest"], "https://api.example/crm")
    assert len(endpoint.requests) == before + 1, "the working method and audience parameter are remembered"
    assert REDACTOR.redact(token) == MASK


def test_an_endpoint_that_ignores_expires_in_gives_not_verified(strict):
    endpoint, tokens = strict
    with pytest.raises(NotVerified) as info:
        tokens.token(["neuron.chat"], expires_in=1, cache=False)
    assert info.value.message.startswith(SHORT_LIVED_REFUSED) and "3600" in info.value.message
    assert endpoint.requests[-1][1]["expires_in"] == ["1"]
    assert tokens.try_token(["neuron.chat"], expires_in=1, cache=False) is None
    assert tokens.token(["neuron.chat"]), "ordinary tokens still work"


def test_forced_settings_the_endpoint_does_not_support(strict):
    endpoint, tokens = strict
    tokens.audience_param = "audience"
    with pytest.raises(NotVerified, match="invalid_request"):
        tokens.token(["neuron.chat"])
    tokens.audience_param = "none"
    with pytest.raises(NotVerified, match="audience parameter 'none'"):
        tokens.token(["neuron.chat"], "https://api.example/crm")
    tokens.audience_param, tokens.auth_method = "resource", "client_secret_basic"
    with pytest.raises(ConfigError, match="rejected the client credentials"):
        tokens.token(["neuron.suggest"])
    assert all(basic for basic, _ in endpoint.requests[-1:])


@pytest.mark.parametrize("strict", [{"grant_extra_scope": True}], indirect=True)
def test_a_token_with_more_scopes_than_asked_for_is_refused(strict):
    _, tokens = strict
    with pytest.raises(NotVerified, match=r"granted scopes \[neuron.chat, neuron.suggest\]"):
        tokens.token(["neuron.chat"])


def test_a_jwt_for_another_audience_is_refused():
    """An endpoint that ignores the audience asked for: the JWT's aud shows it."""
    issuer = TokenIssuer()

    async def token(request: Request) -> JSONResponse:
        return JSONResponse({"access_token": issuer.mint("c", ["neuron.chat"], "somewhere-else"),
                             "token_type": "Bearer", "expires_in": 900})

    with serving(Starlette(routes=[Route("/t", token, methods=["POST"])])) as server:
        tokens = TokenSource(server.url + "/t", Credentials("c", "secret-1234"), "neuron-api", timeout=5.0)
        try:
            with pytest.raises(NotVerified, match="for audience 'somewhere-else'"):
                tokens.token(["neuron.chat"])
        finally:
            tokens.close()


# -- hostile endpoints: every exchange is bounded in time and size ------------------------------

class RawEndpoint:
    """A socket server answering every connection with ``behaviour``: trickle or huge."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/token"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def __enter__(self) -> RawEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            if self.behaviour == "trickle-headers":
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
                    if self.stop.wait(0.05):
                        break
                    conn.sendall(bytes([byte]))
            elif self.behaviour == "trickle-body":
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10000\r\n\r\n")
                while not self.stop.wait(0.05):
                    conn.sendall(b" ")
            elif self.behaviour == "huge-chunked":
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                chunk = b"x" * 65536
                for _ in range(1600):  # 100 MiB, if anyone read it
                    conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            elif self.behaviour == "huge-declared":
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                             b"content-length: 104857600\r\n\r\n" + b"{" * 65536)
        except OSError:
            pass
        finally:
            conn.close()


@pytest.mark.parametrize(("behaviour", "message"), [
    ("trickle-headers", "no complete answer within 1 s"),
    ("trickle-body", "no complete answer within 1 s"),
    ("huge-chunked", "more than 64 KiB"),
    ("huge-declared", "more than 64 KiB"),
])
def test_a_trickling_or_huge_endpoint_is_one_line_within_the_deadline(behaviour, message):
    with RawEndpoint(behaviour) as endpoint:
        tokens = TokenSource(endpoint.url, Credentials("c", "secret-1234"), "neuron-api", timeout=1.0)
        started = time.monotonic()
        try:
            with pytest.raises(ConfigError) as info:
                tokens.token(["neuron.chat"])
        finally:
            tokens.close()
        elapsed = time.monotonic() - started
    assert elapsed < 3.0, f"took {elapsed:.1f} s"
    line = info.value.one_line()
    assert message in line and "\n" not in line and "secret-1234" not in line


# -- pre-issued tokens --------------------------------------------------------------------------

def pre_issued(monkeypatch, **kw) -> TokenSource:
    return TokenSource.from_settings(TokenSettings(None, None, "TS_TEST_NO_SECRET", **kw), "neuron-api")


def test_token_env_serves_every_scope_set_of_the_own_audience_only(monkeypatch):
    monkeypatch.delenv("CONTRACTKIT_CLIENT_ID", raising=False)
    monkeypatch.setenv("TS_TEST_TOKEN", "Bearer vault-token-abcdef\n")
    tokens = pre_issued(monkeypatch, token_env="TS_TEST_TOKEN")
    assert tokens.available
    assert tokens.token(["neuron.chat"]) == tokens.token([]) == "vault-token-abcdef"
    assert REDACTOR.redact("vault-token-abcdef") == MASK
    with pytest.raises(NotVerified, match="pre-issued tokens are for 'neuron-api'"):
        tokens.token(["neuron.chat"], "crm-data-mcp")
    with pytest.raises(NotVerified, match=SHORT_LIVED_REFUSED):
        tokens.token(["neuron.chat"], expires_in=1, cache=False)


def test_scope_tokens_are_exact_and_a_missing_set_names_the_flag(monkeypatch):
    monkeypatch.setenv("TS_TEST_CHAT", "chat-token-123456")
    monkeypatch.setenv("TS_TEST_BOTH", "both-token-123456")
    scope_tokens = dict([parse_scope_token("neuron.chat=TS_TEST_CHAT"),
                         parse_scope_token("neuron.suggest,neuron.chat=TS_TEST_BOTH")])
    tokens = pre_issued(monkeypatch, scope_tokens=scope_tokens)
    assert tokens.token(["neuron.chat"]) == "chat-token-123456"
    assert tokens.token(["neuron.chat", "neuron.suggest"]) == "both-token-123456"
    with pytest.raises(NotVerified) as info:
        tokens.token(["neuron.suggest", "neuron.risk"])
    assert info.value.message == ("no token for scopes [neuron.risk, neuron.suggest]: "
                                  "give --scope-token neuron.risk,neuron.suggest=VAR")


def test_pre_issued_exact_tokens_come_before_minted_ones(monkeypatch, reference):
    monkeypatch.setenv("TS_TEST_CHAT", "chat-token-123456")
    monkeypatch.setenv("TS_TEST_CI", CI_SECRET)
    settings = TokenSettings(reference + TOKEN_PATH, "ci-conformance", "TS_TEST_CI",
                             scope_tokens={frozenset({"neuron.chat"}): "TS_TEST_CHAT"})
    tokens = TokenSource.from_settings(settings, "neuron-api")
    try:
        assert tokens.token(["neuron.chat"]) == "chat-token-123456"
        assert claims(tokens.token(["neuron.suggest"]))["scope"] == "neuron.suggest"
    finally:
        tokens.close()


@pytest.mark.parametrize("value", [None, "", "  ", "two words here"])
def test_an_unset_empty_or_malformed_token_variable_is_one_config_line(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("TS_TEST_TOKEN", raising=False)
    else:
        monkeypatch.setenv("TS_TEST_TOKEN", value)
    with pytest.raises(ConfigError) as info:
        pre_issued(monkeypatch, token_env="TS_TEST_TOKEN")
    assert "$TS_TEST_TOKEN" in info.value.one_line() and "words" not in info.value.one_line()


def test_without_credentials_or_tokens_checks_are_not_verified(monkeypatch):
    monkeypatch.delenv("CONTRACTKIT_CLIENT_ID", raising=False)
    tokens = pre_issued(monkeypatch)
    assert not tokens.available
    with pytest.raises(NotVerified, match=r"--client-id and \$TS_TEST_NO_SECRET"):
        tokens.token(["neuron.chat"])


@pytest.mark.parametrize(("kw", "message"), [
    ({"auth_method": "client_secret_jwt"}, "unknown token auth method"),
    ({"audience_param": "aud"}, "unknown audience parameter"),
    ({"timeout": 0}, "must be positive"),
    ({"token_env": "not a name"}, "not the name of an environment variable"),
])
def test_settings_are_validated(kw, message):
    with pytest.raises(ConfigError, match=message):
        TokenSettings(None, None, "X", **kw)


@pytest.mark.parametrize(("text", "parsed"), [
    ("a,b=VAR", (frozenset({"a", "b"}), "VAR")),
    (" a , b = VAR ", (frozenset({"a", "b"}), "VAR")),
    ("=EMPTY_SET", (frozenset(), "EMPTY_SET")),
])
def test_parse_scope_token(text, parsed):
    assert parse_scope_token(text) == parsed


@pytest.mark.parametrize("text", ["a,b", "a=", "a=1VAR", "a=my var"])
def test_parse_scope_token_rejects(text):
    with pytest.raises(ConfigError, match="SCOPE,SCOPE=ENV_VAR"):
        parse_scope_token(text)


def test_a_compressed_answer_is_read_and_a_compression_bomb_stops_at_the_cap():
    from starlette.middleware import Middleware
    from starlette.middleware.gzip import GZipMiddleware

    async def token(request: Request) -> JSONResponse:
        padding = "x" * (1 << 20) if "bomb" in request.url.path else ""
        return JSONResponse({"access_token": "opaque-token-0123456789", "token_type": "Bearer", "expires_in": 60,
                             "padding": padding})

    app = Starlette(routes=[Route("/t", token, methods=["POST"]), Route("/bomb", token, methods=["POST"])],
                    middleware=[Middleware(GZipMiddleware, minimum_size=0)])
    with serving(app) as server:
        good = TokenSource(server.url + "/t", Credentials("c", "secret-1234"), None, timeout=5.0)
        bomb = TokenSource(server.url + "/bomb", Credentials("c", "secret-1234"), None, timeout=5.0)
        try:
            assert good.token(["a"]) == "opaque-token-0123456789"
            with pytest.raises(ConfigError, match="more than 64 KiB"):
                bomb.token(["a"])
        finally:
            good.close()
            bomb.close()


def test_an_openid_connect_discovery_document_names_the_token_endpoint(reference):
    """The token URL comes from the discovery document (fetched once, bounded); a document without
    ``token_endpoint`` is one config line."""
    fetched = []

    async def document(request: Request) -> JSONResponse:
        fetched.append(request.url.path)
        return JSONResponse({"issuer": reference, "token_endpoint": reference + TOKEN_PATH})

    async def empty(request: Request) -> JSONResponse:
        return JSONResponse({"issuer": reference})

    app = Starlette(routes=[Route("/.well-known/openid-configuration", document), Route("/empty", empty)])
    with serving(app) as server:
        tokens = TokenSource(None, Credentials("ci-conformance", CI_SECRET), "neuron-api", timeout=5.0,
                             discovery_url=server.url + "/.well-known/openid-configuration")
        assert tokens.can_mint
        assert claims(tokens.token(["neuron.chat"]))["scope"] == "neuron.chat"
        tokens.token(["neuron.suggest"])
        assert fetched == ["/.well-known/openid-configuration"] and tokens.token_url == reference + TOKEN_PATH
        broken = TokenSource(None, Credentials("ci-conformance", CI_SECRET), "neuron-api", timeout=5.0,
                             discovery_url=server.url + "/empty")
        with pytest.raises(ConfigError, match="names no token_endpoint"):
            broken.token(["neuron.chat"])
