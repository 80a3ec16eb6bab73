"""Verify bearer tokens as a resource server must: signature, expiry, audience, then scope.

neuron/ and the MCP servers share this, so "what counts as a valid token" is written once.
Keys come from the issuer's JWKS URL (fetched lazily, cached, refetched on an unknown ``kid``)
or are given directly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from jwt.algorithms import RSAAlgorithm


class InvalidTokenError(Exception):
    """The token is missing, malformed, tampered, expired or for another audience."""

    def __init__(self, reason: str, code: str = "invalid_token") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class VerifiedToken:
    """What a resource server needs to know about a valid token (never the token itself)."""

    client_id: str
    scopes: frozenset[str]
    audience: str
    expires_at: int
    claims: dict[str, Any]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class TokenVerifier:
    """Checks RS256 JWTs against the issuer's keys for one audience."""

    def __init__(
        self,
        audience: str,
        *,
        jwks_url: str | None = None,
        public_keys: dict[str, Any] | None = None,
        issuer: str | None = None,
        leeway_s: float = 0,
        refetch_interval_s: float = 30,
    ) -> None:
        if not jwks_url and not public_keys:
            raise ValueError("TokenVerifier needs a jwks_url or public_keys")
        self.audience = audience
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.leeway_s = leeway_s
        self._keys: dict[str, Any] = dict(public_keys or {})
        self._lock = threading.Lock()
        self._last_fetch = 0.0
        self._refetch_interval_s = refetch_interval_s

    @classmethod
    def from_jwks(cls, jwks: dict[str, Any], audience: str, **kw: Any) -> TokenVerifier:
        keys = {k["kid"]: RSAAlgorithm.from_jwk(k) for k in jwks.get("keys", []) if "kid" in k}
        return cls(audience, public_keys=keys, **kw)

    def verify(self, token: str | None) -> VerifiedToken:
        if not token:
            raise InvalidTokenError("no bearer token was given", code="unauthorized")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidTokenError("the token is not a well-formed JWT") from None
        if header.get("alg") != "RS256":
            raise InvalidTokenError("the token's algorithm is not accepted")
        key = self._key_for(str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "aud", "iat"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidTokenError("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise InvalidTokenError("the token is not for this audience") from None
        except jwt.PyJWTError:
            raise InvalidTokenError("the token is invalid") from None
        scope = claims.get("scope", "")
        scopes = scope.split() if isinstance(scope, str) else [str(s) for s in scope]
        aud = claims["aud"]
        return VerifiedToken(
            client_id=str(claims.get("client_id") or claims.get("sub") or ""),
            scopes=frozenset(scopes),
            audience=aud if isinstance(aud, str) else self.audience,
            expires_at=int(claims["exp"]),
            claims=claims,
        )

    def _key_for(self, kid: str) -> Any:
        key = self._keys.get(kid)
        if key is None and self.jwks_url:
            self._refresh()
            key = self._keys.get(kid)
        if key is None:
            raise InvalidTokenError("the token was not signed by a known key")
        return key

    def _refresh(self) -> None:
        with self._lock:
            if self._keys and time.monotonic() - self._last_fetch < self._refetch_interval_s:
                return
            self._last_fetch = time.monotonic()
            try:
                jwks = httpx.get(self.jwks_url, timeout=5.0).raise_for_status().json()  # type: ignore[arg-type]
            except (httpx.HTTPError, ValueError):
                return
            for item in jwks.get("keys", []):
                if "kid" in item:
                    self._keys[item["kid"]] = RSAAlgorithm.from_jwk(item)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None when there is none."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def missing_scopes(token: VerifiedToken, needed: Iterable[str]) -> list[str]:
    return [s for s in needed if s not in token.scopes]
