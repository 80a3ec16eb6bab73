"""The double's side of the spec's security: who mints tokens, how they are checked, and which
API keys it accepts.

An operation's ``security`` alternatives are honoured as OpenAPI means them: any one admits the
caller, each an AND of schemes (a bearer token holding the requirement's scopes; an API key in the
header, query parameter or cookie its scheme names). The double's key for an apiKey scheme is
``api_key(name)``: ``$NEURON_DOUBLE_API_KEY_<NAME>``, else a fixed test key printed on purpose.

By default the double runs the kit's token issuer inside itself, with one client that may hold
every scope of the spec for its audiences (``x-audience``); its token endpoint is the spec's
``tokenUrl`` path when that is relative, else ``/_double/token``. With ``jwks_url`` the double
starts no issuer and verifies tokens against that key set (any issuer of the consumer's).
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from contractkit.reference.token_issuer.clients import ClientRegistration
from contractkit.reference.token_issuer.issuer import TOKEN_PATH, TokenIssuer
from contractkit.reference.token_issuer.verifier import (
    InvalidTokenError,
    TokenVerifier,
    VerifiedToken,
    bearer_token,
)
from contractkit.spec.neuron import NeuronSpec, Operation
from contractkit.spec.security import Alternative

DOUBLE_TOKEN_PATH = "/_double/token"
DEFAULT_CLIENT_ID = "engine"
DEFAULT_SECRET = "neuron-double-secret"  # a test double's secret: printed on purpose, like the demo's
SECRET_ENV = "NEURON_DOUBLE_CLIENT_SECRET"
API_KEY_ENV_PREFIX = "NEURON_DOUBLE_API_KEY_"
# The audience `contractkit verify` asks for when it needs a token for another service.
OTHER_AUDIENCES = ("urn:contractkit:foreign-audience",)
# How a token carries its scopes (no spec declares it; issuers differ): RFC 8693's space-separated
# ``scope``, a ``scope`` list, an ``scp`` list (Okta, Keycloak) or a space-separated ``scp`` (Entra ID).
SCOPE_CLAIMS = {"scope": ("scope", False), "scope-list": ("scope", True), "scp": ("scp", True),
                "scp-string": ("scp", False)}


class AuthFailure(Exception):
    """A refused request: 401 (no or bad token) or 403 (a scope missing)."""

    def __init__(self, status: int, error: str | None, description: str, scope: str | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.scope = scope

    def challenge(self) -> str:
        parts = ['Bearer realm="neuron"']
        if self.error:
            parts.append(f'error="{self.error}"')
            parts.append(f'error_description="{self.description}"')
        if self.scope:
            parts.append(f'scope="{self.scope}"')
        return ", ".join(parts)


class DoubleAuth:
    """Tokens for the spec's audience and scopes: minted by an embedded issuer, verified here."""

    def __init__(self, spec: NeuronSpec, *, jwks_url: str | None = None, client_id: str = DEFAULT_CLIENT_ID,
                 client_secret: str | None = None, issuer_url: str | None = None,
                 lax: frozenset[str] = frozenset(), scope_claim: str = "scope") -> None:
        if scope_claim not in SCOPE_CLAIMS:
            raise ValueError(f"unknown scope claim {scope_claim!r}; known: {', '.join(SCOPE_CLAIMS)}")
        self.spec = spec
        self.audience = spec.audience or "neuron-api"
        self.client_id = client_id
        self.client_secret = client_secret or os.environ.get(SECRET_ENV) or DEFAULT_SECRET
        self.issuer: TokenIssuer | None = None
        if jwks_url:
            self.verifier = TokenVerifier(self.audience, jwks_url=jwks_url)
        else:
            client = ClientRegistration(client_id, self.client_secret, frozenset(spec.all_scopes),
                                        frozenset([*(spec.audiences or [self.audience]), *OTHER_AUDIENCES]),
                                        self.audience)
            self.issuer = _ShapedIssuer([client], issuer_url=issuer_url, scope_claim=scope_claim)
            self.verifier = TokenVerifier(self.audience, public_keys={self.issuer.key.kid:
                                                                      self.issuer.key.private_key.public_key()})
        self._cache: dict[str, VerifiedToken] = {}
        self.lax = lax  # defects played: check_audience, check_expiry switched off

    @property
    def token_path(self) -> str | None:
        """Where the double serves its token endpoint (None with an outside issuer)."""
        if self.issuer is None:
            return None
        url = self.spec.token_url or ""
        return url if url.startswith("/") and not urlsplit(url).netloc else DOUBLE_TOKEN_PATH

    def token_app(self) -> Any:
        """An ASGI app answering the issuer's token endpoint at whatever path it is mounted on."""
        assert self.issuer is not None
        return _TokenEndpoint(self.issuer)

    def admit(self, op: Operation, headers: Any, query: Any, cookies: Any,
              scopes_of: Any) -> None:
        """Admit a call to ``op`` when one of its security alternatives is met; AuthFailure otherwise
        (403 when an alternative failed only on a scope, else 401). ``scopes_of(requirement scopes)``
        gives the scopes the double asks of a token (fewer where a scope defect is played)."""
        alternatives = op.security
        if not alternatives or any(a.anonymous for a in alternatives):
            return
        refusals: list[AuthFailure] = []
        for alternative in alternatives:
            try:
                self._meets(alternative, headers, query, cookies, scopes_of)
                return
            except AuthFailure as refused:
                refusals.append(refused)
        raise next((r for r in refusals if r.status == 403), refusals[0])

    def _meets(self, alternative: Alternative, headers: Any, query: Any, cookies: Any, scopes_of: Any) -> None:
        for requirement in alternative.requirements:
            scheme = requirement.scheme
            if scheme.bearer:
                self.verify(headers.get("authorization"), scopes_of(requirement.scopes))
            elif scheme.api_key:
                where = {"header": headers, "query": query, "cookie": cookies}[scheme.location or "header"]
                sent = where.get(scheme.param or "")
                if not sent:
                    raise AuthFailure(401, None, f"The {scheme.name} API key is required.")
                if sent != api_key(scheme.name):
                    raise AuthFailure(401, "invalid_token", f"The {scheme.name} API key is not valid.")
            else:  # http basic, mutualTLS: the double holds no such credential
                raise AuthFailure(401, None, f"The double does not accept {scheme.describe()}.")

    def verify(self, authorization: str | None, scopes: tuple[str, ...] | None) -> VerifiedToken | None:
        """The caller's token once it holds every scope the operation needs; AuthFailure otherwise."""
        if scopes is None:
            return None
        token = bearer_token(authorization)
        if not token:
            raise AuthFailure(401, None, "A bearer token is required.")
        verified = self._cache.get(token)
        if verified is None or verified.expires_at <= time.time():
            try:
                verified = self._verify(token)
            except InvalidTokenError as exc:
                raise AuthFailure(401, "invalid_token", exc.reason.replace('"', "'")) from None
            if len(self._cache) > 1024:
                self._cache.clear()
            self._cache[token] = verified
        missing = [s for s in scopes if not verified.has_scope(s)]
        if missing:
            raise AuthFailure(403, "insufficient_scope", "The token lacks a scope this operation needs.",
                              " ".join(scopes))
        return verified


    def _verify(self, token: str) -> VerifiedToken:
        """The verifier's verdict, with the audience or the expiry left unchecked where a defect says so."""
        try:
            return _scopes_read(self.verifier.verify(token))
        except InvalidTokenError as exc:
            audience = "audience" in exc.reason and "check_audience" in self.lax
            expiry = "expired" in exc.reason and "check_expiry" in self.lax
            if not (audience or expiry) or self.issuer is None:
                raise
        import jwt

        aud = jwt.decode(token, options={"verify_signature": False}).get("aud")
        lax = TokenVerifier(str(aud[0] if isinstance(aud, list) else aud) if audience else self.audience,
                            public_keys={self.issuer.key.kid: self.issuer.key.private_key.public_key()},
                            leeway_s=10**9 if "check_expiry" in self.lax else 0)
        return _scopes_read(lax.verify(token))


def api_key_env(scheme: str) -> str:
    """The variable that may hold the double's key for the apiKey scheme ``scheme``."""
    return API_KEY_ENV_PREFIX + "".join(c if c.isalnum() else "_" for c in scheme).upper()


def api_key(scheme: str) -> str:
    """The key the double accepts for the apiKey scheme ``scheme``."""
    return os.environ.get(api_key_env(scheme)) or f"neuron-double-key-{scheme}"


def _scopes_read(verified: VerifiedToken) -> VerifiedToken:
    """The token's scopes from whichever claim carries them (``scope`` or ``scp``, a string or a list)."""
    claims = verified.claims or {}
    raw = claims.get("scope") if claims.get("scope") is not None else claims.get("scp")
    scopes = raw.split() if isinstance(raw, str) else [str(s) for s in raw] if isinstance(raw, list) else []
    return dataclasses.replace(verified, scopes=frozenset(scopes))


class _ShapedIssuer(TokenIssuer):
    """The kit's issuer, with the scopes in the claim (and form) the double was asked for."""

    def __init__(self, clients: list[ClientRegistration], *, issuer_url: str | None, scope_claim: str) -> None:
        super().__init__(clients, issuer_url=issuer_url)
        self.scope_claim = scope_claim

    def mint(self, client_id: str, scopes: Iterable[str], audience: str | list[str], lifetime_s: int | None = None,
             issuer: str | None = None) -> str:
        token = super().mint(client_id, scopes, audience, lifetime_s, issuer)
        if self.scope_claim == "scope":
            return token
        import jwt

        claims = jwt.decode(token, options={"verify_signature": False})
        held = claims.pop("scope").split()
        name, as_list = SCOPE_CLAIMS[self.scope_claim]
        claims[name] = held if as_list else " ".join(held)
        return jwt.encode(claims, self.key.private_key, algorithm="RS256", headers={"kid": self.key.kid})


class _TokenEndpoint:
    """The issuer's token endpoint as an ASGI app, whatever path it is routed from."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.issuer.app({**scope, "path": TOKEN_PATH, "raw_path": TOKEN_PATH.encode(), "root_path": ""},
                              receive, send)
