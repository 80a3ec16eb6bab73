"""Service tokens for a run, minted by the client-credentials grant at the spec's token URL.

Credentials come from ``--client-id`` (or ``$CONTRACTKIT_CLIENT_ID``) and the environment
variable named by ``--client-secret-env`` (default ``$CONTRACTKIT_CLIENT_SECRET``); the secret is
never accepted on the command line, never printed, and every token minted is registered with
the redactor. One token is minted per (scope set, audience, lifetime) and cached for the run.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import httpx

from contractkit.conformance.outcomes import NotVerified
from contractkit.conformance.redaction import REDACTOR
from contractkit.errors import ConfigError


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        return f"Credentials(client_id={self.client_id!r}, client_secret=***)"


def credentials_from(client_id: str | None, secret_env: str | None) -> Credentials | None:
    """Credentials from flags and environment, or None when the user gave none."""
    client_id = client_id or os.environ.get("CONTRACTKIT_CLIENT_ID")
    env_name = secret_env or "CONTRACTKIT_CLIENT_SECRET"
    secret = os.environ.get(env_name)
    if client_id and not secret:
        raise ConfigError(f"a client id was given but ${env_name} (the client secret) is not set")
    if not client_id:
        return None
    REDACTOR.add(secret)
    return Credentials(client_id, secret or "")


class TokenSource:
    """Mints and caches tokens; raises ``NotVerified`` when a check needs a token it cannot get."""

    def __init__(self, token_url: str | None, credentials: Credentials | None, audience: str | None,
                 *, timeout: float = 10.0) -> None:
        self.token_url = token_url
        self.credentials = credentials
        self.audience = audience
        self.timeout = timeout
        self._cache: dict[tuple[tuple[str, ...], str | None, int | None], str] = {}
        self._refused: dict[tuple[tuple[str, ...], str | None, int | None], str] = {}
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._http.close()

    @property
    def available(self) -> bool:
        return bool(self.token_url and self.credentials)

    def why_unavailable(self) -> str:
        if not self.credentials:
            return "no client credentials were given (--client-id and $CONTRACTKIT_CLIENT_SECRET)"
        return "no token URL (the spec declares none and --token-url was not given)"

    def token(self, scopes: list[str] | tuple[str, ...] | set[str] | frozenset[str], audience: str | None = None,
              expires_in: int | None = None, *, cache: bool = True) -> str:
        """A token with exactly ``scopes`` for ``audience`` (default: the spec's), or NotVerified."""
        if not self.available:
            raise NotVerified(self.why_unavailable())
        key = (tuple(sorted(scopes)), audience or self.audience, expires_in)
        with self._lock:
            if cache and key in self._cache:
                return self._cache[key]
            if key in self._refused:
                raise NotVerified(self._refused[key])
        token = self._mint(*key)
        if cache:
            with self._lock:
                self._cache[key] = token
        return token

    def try_token(self, scopes: list[str] | tuple[str, ...], audience: str | None = None,
                  expires_in: int | None = None, *, cache: bool = True) -> str | None:
        try:
            return self.token(scopes, audience, expires_in, cache=cache)
        except NotVerified:
            return None

    def _mint(self, scopes: tuple[str, ...], audience: str | None, expires_in: int | None) -> str:
        assert self.credentials and self.token_url
        form = {"grant_type": "client_credentials", "scope": " ".join(scopes)}
        if audience:
            form["audience"] = audience
        if expires_in is not None:
            form["expires_in"] = str(expires_in)
        try:
            response = self._http.post(
                self.token_url, data=form, auth=(self.credentials.client_id, self.credentials.client_secret))
        except httpx.HTTPError as exc:
            raise ConfigError(f"the token endpoint {self.token_url} is not reachable: {type(exc).__name__}") from None
        body = _json(response)
        if response.status_code == 401:
            raise ConfigError(f"the token endpoint {self.token_url} rejected the client credentials")
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            error = body.get("error") or f"HTTP {response.status_code}"
            reason = (f"the token endpoint refused a token with scopes {list(scopes) or '(none)'} "
                      f"for audience {audience!r}" + (f" lasting {expires_in} s" if expires_in else "") + f": {error}")
            with self._lock:
                self._refused[(scopes, audience, expires_in)] = reason
            raise NotVerified(reason)
        token = body["access_token"]
        REDACTOR.add(token)
        return token


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
