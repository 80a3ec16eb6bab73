"""Service tokens for a run: minted at any RFC 6749 client-credentials endpoint, or pre-issued.

Minted tokens: credentials come from ``--client-id`` (or ``$CONTRACTKIT_CLIENT_ID``) and the
environment variable named by ``--client-secret-env`` (default ``$CONTRACTKIT_CLIENT_SECRET``);
the secret is never accepted on the command line and never printed. The client authenticates by
``client_secret_basic`` or ``client_secret_post`` ("auto" tries Basic, then the form, and keeps
what worked), and names the audience as ``audience``, as RFC 8707 ``resource``, or not at all.
Nothing non-standard is required of the endpoint: short-lived tokens (``expires_in=N``, for the
expired-token rules) are asked for with a non-standard ``expires_in`` field, and when the answer
shows the endpoint ignored it the rule is not verified rather than judged on a long-lived token.

Pre-issued tokens: ``token_env`` names a variable holding one token for every scope set;
``scope_tokens`` maps a scope set to a variable holding a token with exactly those scopes.

The token endpoint is the spec's oauth2 ``clientCredentials.tokenUrl``, or the ``token_endpoint``
of its openIdConnect discovery document (OpenID Connect Discovery 1.0 section 3), fetched once
when the first token is needed.

Every token, minted or pre-issued, is registered with the redactor. Every request to the token
endpoint (and to the discovery document) has a total deadline and a size cap, so a slow or
hostile endpoint cannot hang a run.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

import httpx

from contractkit.conformance.outcomes import NotVerified
from contractkit.conformance.redaction import REDACTOR, redact
from contractkit.errors import ConfigError

DEFAULT_SECRET_ENV = "CONTRACTKIT_CLIENT_SECRET"
AUTH_METHODS = ("auto", "client_secret_basic", "client_secret_post")
AUDIENCE_PARAMS = ("auto", "audience", "resource", "none")
MAX_ANSWER_BYTES = 64 * 1024
SHORT_LIVED_REFUSED = "the token endpoint does not issue short-lived tokens on request"
_AUTH_ALIASES = {"basic": "client_secret_basic", "post": "client_secret_post"}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BEARER = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")  # RFC 6750 section 2.1 b64token

Scopes = list[str] | tuple[str, ...] | set[str] | frozenset[str]


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        return f"Credentials(client_id={self.client_id!r}, client_secret=***)"


def credentials_from(client_id: str | None, secret_env: str | None) -> Credentials | None:
    """Credentials from flags and environment, or None when the user gave none."""
    client_id = client_id or os.environ.get("CONTRACTKIT_CLIENT_ID")
    env_name = secret_env or DEFAULT_SECRET_ENV
    secret = os.environ.get(env_name)
    if client_id and not secret:
        raise ConfigError(f"a client id was given but ${env_name} (the client secret) is not set")
    if not client_id:
        return None
    REDACTOR.add(secret)
    return Credentials(client_id, secret or "")


@dataclass(frozen=True)
class TokenSettings:
    """How a run gets its tokens; filled from CLI flags and spec extensions.

    ``auth_method``: "auto" | "client_secret_basic" | "client_secret_post" ("basic", "post").
    ``audience_param``: "auto" (``audience`` and ``resource`` together, then each alone) |
    "audience" | "resource" | "none". ``token_env``: a variable holding a pre-issued token used for
    every scope set; ``scope_tokens``: scope set -> variable holding a token with exactly those
    scopes. ``timeout``: the total deadline of one token request, in seconds.
    """

    token_url: str | None
    client_id: str | None
    client_secret_env: str
    auth_method: str = "auto"
    audience_param: str = "auto"
    token_env: str | None = None
    scope_tokens: dict[frozenset[str], str] = field(default_factory=dict)
    timeout: float = 10.0
    discovery_url: str | None = None

    def __post_init__(self) -> None:
        method = _AUTH_ALIASES.get(self.auth_method, self.auth_method)
        if method not in AUTH_METHODS:
            raise ConfigError(f"unknown token auth method {self.auth_method!r} (expected one of "
                              f"{', '.join(AUTH_METHODS)})")
        object.__setattr__(self, "auth_method", method)
        if self.audience_param not in AUDIENCE_PARAMS:
            raise ConfigError(f"unknown audience parameter {self.audience_param!r} (expected one of "
                              f"{', '.join(AUDIENCE_PARAMS)})")
        if not self.timeout or self.timeout <= 0:
            raise ConfigError(f"the token timeout must be positive, not {self.timeout!r}")
        for name in [self.token_env, *self.scope_tokens.values()]:
            if name is not None and not _ENV_NAME.match(name):
                raise ConfigError(f"{name!r} is not the name of an environment variable")


def parse_scope_token(text: str) -> tuple[frozenset[str], str]:
    """``"a,b=VAR"`` -> ``({"a", "b"}, "VAR")``: the value of a ``--scope-token`` flag.

    ``"=VAR"`` is a token with no scopes.
    """
    scopes, sep, env_name = text.rpartition("=")
    env_name = env_name.strip()
    if not sep or not _ENV_NAME.match(env_name):
        raise ConfigError(f"--scope-token takes SCOPE,SCOPE=ENV_VAR (the variable holding the token), "
                          f"not {text!r}")
    return frozenset(s.strip() for s in scopes.split(",") if s.strip()), env_name


def scope_token_hint(scopes: Iterable[str]) -> str:
    """The reason a check is not verified when no pre-issued token has these scopes."""
    ordered = sorted(scopes)
    return f"no token for scopes [{', '.join(ordered)}]: give --scope-token {','.join(ordered)}=VAR"


@dataclass(frozen=True)
class PreIssued:
    """Tokens the user obtained elsewhere (a vault, a CLI login), read once from the environment."""

    every: str | None = field(default=None, repr=False)
    by_scopes: dict[frozenset[str], str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, token_env: str | None, scope_tokens: Mapping[frozenset[str], str],
                 environ: Mapping[str, str] | None = None) -> PreIssued | None:
        """Read and check the named variables; an unset or empty one is a ConfigError."""
        if not token_env and not scope_tokens:
            return None
        environ = os.environ if environ is None else environ
        every = _read_token(token_env, "--token-env", environ) if token_env else None
        by_scopes = {frozenset(scopes): _read_token(name, f"--scope-token {','.join(sorted(scopes))}={name}",
                                                    environ)
                     for scopes, name in scope_tokens.items()}
        return cls(every, by_scopes)

    def exact(self, scopes: frozenset[str]) -> str | None:
        return self.by_scopes.get(scopes)


def _read_token(env_name: str, given_as: str, environ: Mapping[str, str]) -> str:
    value = (environ.get(env_name) or "").strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    if not value:
        raise ConfigError(f"${env_name} (given with {given_as}) is not set or is empty")
    REDACTOR.add(value)
    if not _BEARER.match(value):
        raise ConfigError(f"${env_name} (given with {given_as}) does not hold a bearer token "
                          "(RFC 6750 allows letters, digits and -._~+/ only)")
    return value


@dataclass
class _Answer:
    """One answer of the token endpoint, read within the deadline and the size cap."""

    status: int
    body: dict[str, Any]
    json_ok: bool

    @property
    def error(self) -> str:
        error = self.body.get("error")
        return error if isinstance(error, str) else f"HTTP {self.status}"

    @property
    def invalid_client(self) -> bool:
        return self.status == 401 or self.body.get("error") == "invalid_client"

    @property
    def token(self) -> str | None:
        token = self.body.get("access_token")
        return token if self.status == 200 and isinstance(token, str) and token else None


_Key = tuple[tuple[str, ...], str | None, int | None]


class TokenSource:
    """Gets and caches tokens; raises ``NotVerified`` when a check needs a token it cannot get.

    Order for a scope set: a pre-issued token for exactly that set, else a minted one (when a
    token URL and credentials are given), else the ``token_env`` token, else ``NotVerified``.
    """

    def __init__(self, token_url: str | None, credentials: Credentials | None, audience: str | None,
                 *, timeout: float = 10.0, auth_method: str = "auto", audience_param: str = "auto",
                 pre_issued: PreIssued | None = None, secret_env: str = DEFAULT_SECRET_ENV,
                 max_answer_bytes: int = MAX_ANSWER_BYTES, discovery_url: str | None = None) -> None:
        self.token_url = token_url
        self.discovery_url = discovery_url if not token_url else None
        self.credentials = credentials
        self.audience = audience
        self.timeout = timeout
        self.auth_method = _AUTH_ALIASES.get(auth_method, auth_method)
        self.audience_param = audience_param
        self.pre_issued = pre_issued
        self.secret_env = secret_env
        self.max_answer_bytes = max_answer_bytes
        self._cache: dict[_Key, str] = {}
        self._refused: dict[_Key, str] = {}
        self._lock = threading.Lock()
        self._auth_found: str | None = None
        self._audience_found: str | None = None
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), follow_redirects=False)

    @classmethod
    def from_settings(cls, settings: TokenSettings, audience: str | None) -> TokenSource:
        """A source for one target whose own audience is ``audience``; reads the environment now,
        so a missing secret or token variable is a ConfigError before the suite starts."""
        pre_issued = PreIssued.from_env(settings.token_env, settings.scope_tokens)
        credentials = credentials_from(settings.client_id, settings.client_secret_env)
        return cls(settings.token_url, credentials, audience, timeout=settings.timeout,
                   auth_method=settings.auth_method, audience_param=settings.audience_param,
                   pre_issued=pre_issued, secret_env=settings.client_secret_env or DEFAULT_SECRET_ENV,
                   discovery_url=settings.discovery_url)

    def close(self) -> None:
        self._http.close()

    @property
    def can_mint(self) -> bool:
        return bool((self.token_url or self.discovery_url) and self.credentials)

    @property
    def available(self) -> bool:
        return self.can_mint or self.pre_issued is not None

    def why_unavailable(self) -> str:
        if not self.credentials:
            return (f"no client credentials were given (--client-id and ${self.secret_env}) and no "
                    "pre-issued token (--token-env or --scope-token)")
        return "no token URL (the spec declares none and --token-url was not given)"

    def token(self, scopes: Scopes, audience: str | None = None,
              expires_in: int | None = None, *, cache: bool = True) -> str:
        """A token with exactly ``scopes`` for ``audience`` (default: the target's), or NotVerified.

        ``expires_in``: a token lasting that many seconds, if the endpoint mints them on request.
        """
        key: _Key = (tuple(sorted(set(scopes))), audience or self.audience, expires_in)
        with self._lock:
            if cache and key in self._cache:
                return self._cache[key]
            if key in self._refused:
                raise NotVerified(self._refused[key])
        token = self._obtain(key)
        if cache:
            with self._lock:
                self._cache[key] = token
        return token

    def try_token(self, scopes: Scopes, audience: str | None = None,
                  expires_in: int | None = None, *, cache: bool = True) -> str | None:
        try:
            return self.token(scopes, audience, expires_in, cache=cache)
        except NotVerified:
            return None

    # -- where a token comes from ----------------------------------------------------------
    def _obtain(self, key: _Key) -> str:
        scopes, audience, expires_in = key
        own_audience = audience == self.audience
        if self.pre_issued and own_audience and expires_in is None:
            exact = self.pre_issued.exact(frozenset(scopes))
            if exact:
                return exact
        if self.can_mint:
            return self._mint(key)
        if self.pre_issued is None:
            raise NotVerified(self.why_unavailable())
        if expires_in is not None:
            raise NotVerified(f"{SHORT_LIVED_REFUSED}: pre-issued tokens cannot be made short-lived "
                              "(give --token-url and client credentials)")
        if not own_audience:
            raise NotVerified(f"no token for audience {audience!r}: pre-issued tokens are for "
                              f"{self.audience!r} (give --token-url and client credentials)")
        if self.pre_issued.every:
            return self.pre_issued.every
        raise NotVerified(scope_token_hint(scopes))

    def _refuse(self, key: _Key, reason: str) -> NotVerified:
        with self._lock:
            self._refused[key] = reason
        return NotVerified(reason)

    def _mint(self, key: _Key) -> str:
        scopes, audience, expires_in = key
        self._discover()
        form = {"grant_type": "client_credentials"}
        if scopes:
            form["scope"] = " ".join(scopes)
        if expires_in is not None:
            form["expires_in"] = str(expires_in)
        modes = self._audience_modes(key)
        answer: _Answer | None = None
        for index, mode in enumerate(modes):
            answer = self._authenticated_post({**form, **_audience_fields(mode, audience)})
            if answer.token:
                if self.audience_param == "auto" and audience:
                    with self._lock:
                        self._audience_found = mode
                break
            if answer.error not in {"invalid_request", "invalid_target"} or index == len(modes) - 1:
                break
        assert answer is not None
        if answer.status == 200 and not answer.token:
            raise ConfigError(f"{self._where()} answered HTTP 200 without an access_token in a JSON object; "
                              "is this the token URL?")
        wanted = (f"a token with scopes [{', '.join(scopes)}] for audience {audience!r}"
                  + (f" lasting {expires_in} s" if expires_in is not None else ""))
        if not answer.token:
            raise self._refuse(key, f"the token endpoint refused {wanted}: {answer.error}")
        token = answer.token
        REDACTOR.add(token)
        problem = _mismatch(answer.body, _jwt_claims(token), scopes, audience, expires_in)
        if problem:
            if expires_in is not None and problem.startswith("the token lasts"):
                raise self._refuse(key, f"{SHORT_LIVED_REFUSED} (asked for {expires_in} s, {problem})")
            raise self._refuse(key, f"asked for {wanted}, {problem}")
        return token

    def _audience_modes(self, key: _Key) -> list[str | None]:
        _, audience, _ = key
        if not audience:
            return [None]
        if self.audience_param == "none":
            if audience != self.audience:
                raise self._refuse(key, f"no token for audience {audience!r}: the token endpoint is not asked "
                                        "for audiences (audience parameter 'none')")
            return [None]
        if self.audience_param != "auto":
            return [self.audience_param]
        with self._lock:
            found = self._audience_found
        return [found] if found else ["both", "audience", "resource"]

    def _authenticated_post(self, form: dict[str, str]) -> _Answer:
        """Post ``form`` with the client's credentials; "auto" falls back from Basic to the form."""
        assert self.credentials
        with self._lock:
            found = self._auth_found
        if found:
            methods = [found]
        elif self.auth_method == "auto":
            methods = ["client_secret_basic", "client_secret_post"]
        else:
            methods = [self.auth_method]
        answers: list[_Answer] = []
        for method in methods:
            answer = self._post(form, method)
            if answer.token:
                with self._lock:
                    self._auth_found = method
                return answer
            answers.append(answer)
            # a form-only endpoint may call a Basic request invalid_request (no client_id): try the form
            if not (answer.invalid_client or answer.error == "invalid_request"):
                return answer
        authenticated = [a for a in answers if not a.invalid_client]
        if authenticated:  # some method got past authentication: its refusal is the answer
            return authenticated[0]
        raise ConfigError(f"{self._where()} rejected the client credentials of {self.credentials.client_id!r} "
                          f"({' and '.join(methods)}): {answers[-1].error}")

    def _discover(self) -> None:
        """Read the token endpoint from the openIdConnect discovery document (once per run)."""
        with self._lock:
            if self.token_url or not self.discovery_url:
                return
        status, raw = self._bounded("GET", self.discovery_url, None, {"Accept": "application/json"})
        try:
            document = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            document = None
        endpoint = document.get("token_endpoint") if isinstance(document, dict) else None
        where = f"the openIdConnect discovery document {redact(self.discovery_url)}"
        if status != 200 or not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
            raise ConfigError(f"{where} names no token_endpoint (HTTP {status})")
        with self._lock:
            self.token_url = endpoint

    # -- one bounded request ---------------------------------------------------------------
    def _post(self, form: dict[str, str], method: str) -> _Answer:
        assert self.credentials and self.token_url
        headers = {"Accept": "application/json"}
        data = dict(form)
        if method == "client_secret_basic":
            # RFC 6749 section 2.3.1: id and secret are form-encoded before Basic encoding
            pair = f"{quote_plus(self.credentials.client_id)}:{quote_plus(self.credentials.client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        else:
            data["client_id"] = self.credentials.client_id
            data["client_secret"] = self.credentials.client_secret
        status, raw = self._bounded("POST", self.token_url, data, headers)
        try:
            body = json.loads(raw.decode("utf-8"))
            json_ok = isinstance(body, dict)
        except (UnicodeDecodeError, ValueError):
            body, json_ok = {}, False
        return _Answer(status, body if json_ok else {}, json_ok)

    def _bounded(self, method: str, url: str, data: dict[str, str] | None,
                 headers: dict[str, str]) -> tuple[int, bytes]:
        """Send within a total deadline (headers included) and read at most ``max_answer_bytes``.

        httpx's timeouts bound each read, not the whole exchange, so an endpoint trickling a
        byte a second would never time out: the request runs in a worker thread and is
        abandoned at the deadline (``close()`` closes its connection).
        """
        outcome: dict[str, Any] = {}
        done = threading.Event()
        deadline = time.monotonic() + self.timeout

        def work() -> None:
            try:
                outcome["value"] = self._read(method, url, data, headers, deadline)
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc
            finally:
                done.set()

        threading.Thread(target=work, name="token-request", daemon=True).start()
        if not done.wait(self.timeout + 0.25):
            raise ConfigError(f"{self._where()} gave no complete answer within {self.timeout:g} s")
        error = outcome.get("error")
        if isinstance(error, _TooLarge):
            raise ConfigError(f"{self._where()} answered more than {self.max_answer_bytes // 1024} KiB; "
                              "that is not a token response")
        if isinstance(error, httpx.TimeoutException):
            raise ConfigError(f"{self._where()} gave no complete answer within {self.timeout:g} s")
        if isinstance(error, httpx.HTTPError):
            raise ConfigError(f"{self._where()} is not reachable: {type(error).__name__}")
        if error is not None:
            raise error
        return outcome["value"]

    def _read(self, method: str, url: str, data: dict[str, str] | None, headers: dict[str, str],
              deadline: float) -> tuple[int, bytes]:
        with self._http.stream(method, url, data=data, headers=headers) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_answer_bytes:
                raise _TooLarge()
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():  # decoded: a gzip bomb still stops at the cap
                size += len(chunk)
                if size > self.max_answer_bytes:
                    raise _TooLarge()
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("the answer was still arriving at the deadline")
                chunks.append(chunk)
            return response.status_code, b"".join(chunks)

    def _where(self) -> str:
        return f"the token endpoint {redact(self.token_url or self.discovery_url or '')}"


class _TooLarge(Exception):
    """The token endpoint's answer passed the size cap."""


def _audience_fields(mode: str | None, audience: str | None) -> dict[str, str]:
    if not audience or mode is None:
        return {}
    if mode == "both":
        return {"audience": audience, "resource": audience}
    return {mode: audience}


def _jwt_claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT (unverified: only to see what the endpoint issued), or None if opaque."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def _mismatch(body: dict[str, Any], claims: dict[str, Any] | None, scopes: tuple[str, ...],
              audience: str | None, expires_in: int | None) -> str | None:
    """What makes the issued token other than the one asked for, or None.

    A check judged on a token with more scopes, another audience or a longer life than it asked
    for would blame the server for the endpoint's choice; such a token is refused instead.
    """
    if scopes:
        granted = [body.get("scope")]
        if claims is not None:
            granted += [claims.get("scope"), claims.get("scp")]
        for value in granted:
            held = _scope_set(value)
            if held is not None and held != set(scopes):
                return f"the token endpoint granted scopes [{', '.join(sorted(held))}]"
    if audience and claims is not None and "aud" in claims:
        aud = claims["aud"]
        auds = [aud] if isinstance(aud, str) else [str(a) for a in aud] if isinstance(aud, list) else []
        if audience not in auds:
            return f"the token endpoint issued a token for audience {aud!r}"
    if expires_in is not None:
        lasts = _lifetimes(body, claims)
        slack = max(1.0, 0.1 * expires_in)
        if not lasts:
            return "the token lasts an unknown time (no expires_in, no exp claim)"
        for seconds in lasts:
            if abs(seconds - expires_in) > slack:
                return f"the token lasts {seconds:g} s"
    return None


def _scope_set(value: Any) -> set[str] | None:
    if isinstance(value, str):
        return set(value.split())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return set(value)
    return None


def _lifetimes(body: dict[str, Any], claims: dict[str, Any] | None) -> list[float]:
    found: list[float] = []
    declared = body.get("expires_in")
    if isinstance(declared, str) and declared.strip().isdigit():
        declared = int(declared)
    if isinstance(declared, int | float) and not isinstance(declared, bool):
        found.append(float(declared))
    if claims is not None and isinstance(claims.get("exp"), int | float):
        start = next((claims[k] for k in ("iat", "nbf") if isinstance(claims.get(k), int | float)), time.time())
        found.append(float(claims["exp"]) - float(start))
    return found


def settings_for(options: Any, token_url: str | None, token_request: dict[str, Any] | None = None,
                 discovery_url: str | None = None) -> TokenSettings:
    """The run's token settings: the flags, then what the spec says of its token endpoint
    (``x-token-request``; an openIdConnect ``discovery_url`` when it gives no token URL), then the
    defaults. ``options`` is a ``VerifyOptions``."""
    spec = token_request or {}
    method = options.token_auth_method if options.token_auth_method != "auto" else spec.get("auth_method", "auto")
    audience_param = (options.token_audience_param if options.token_audience_param != "auto"
                      else spec.get("audience_parameter", "auto"))
    return TokenSettings(
        token_url=token_url, client_id=options.client_id, client_secret_env=options.client_secret_env,
        auth_method=method, audience_param=audience_param, token_env=options.token_env,
        scope_tokens=dict(parse_scope_token(t) for t in options.scope_tokens), timeout=options.request_timeout,
        discovery_url=discovery_url,
    )
