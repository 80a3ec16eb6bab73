"""The reference token issuer: engine/'s service-token endpoint (OAuth2 client credentials).

``POST /api/auth/service-token`` takes ``grant_type=client_credentials`` with the client's id and
secret (``client_secret_post`` form fields or ``client_secret_basic``, never both), an optional
space-separated ``scope``, the ``audience`` or RFC 8707 ``resource`` (repeatable; omitted: the
client's default audience) and an optional ``expires_in`` no longer than the issuer's lifetime
(a non-standard extension the conformance suite uses for expired-token rules). It answers an
RS256 JWT, or the error body of RFC 6749 section 5.2 (``invalid_client`` is a 401 with a Basic
challenge; a forbidden audience is RFC 8707's ``invalid_target``). The public keys are served at
``/.well-known/jwks.json`` and the metadata of RFC 8414 at
``/.well-known/oauth-authorization-server``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import time
from collections.abc import Iterable
from urllib.parse import parse_qs, unquote_plus

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from contractkit.reference.token_issuer.clients import ClientRegistration, load_clients
from contractkit.reference.token_issuer.keys import SigningKey

TOKEN_PATH = "/api/auth/service-token"
JWKS_PATH = "/.well-known/jwks.json"
METADATA_PATH = "/.well-known/oauth-authorization-server"
DEFAULT_LIFETIME_S = 900
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_REPEATABLE = {"resource", "audience"}


class TokenIssuer:
    """Mints service tokens for registered clients; ``app`` is its ASGI application."""

    def __init__(
        self,
        clients: Iterable[ClientRegistration] | None = None,
        *,
        key: SigningKey | None = None,
        issuer_url: str | None = None,
        lifetime_s: int = DEFAULT_LIFETIME_S,
    ) -> None:
        self.clients = {c.client_id: c for c in (clients if clients is not None else load_clients())}
        self.key = key or SigningKey.generate()
        self.issuer_url = issuer_url
        self.lifetime_s = lifetime_s
        self.app = Starlette(
            routes=[
                Route(TOKEN_PATH, self._token, methods=["POST"]),
                Route(JWKS_PATH, self._jwks, methods=["GET"]),
                Route(METADATA_PATH, self._metadata, methods=["GET"]),
            ]
        )

    def mint(self, client_id: str, scopes: Iterable[str], audience: str | list[str], lifetime_s: int | None = None,
             issuer: str | None = None) -> str:
        """Sign a token; the issuer's own tests and in-process users call this directly."""
        now = int(time.time())
        claims = {
            "iss": issuer or self.issuer_url or "contractkit-token-issuer",
            "sub": client_id,
            "client_id": client_id,
            "aud": audience,
            "scope": " ".join(sorted(set(scopes))),
            "iat": now,
            "nbf": now,
            "exp": now + (lifetime_s or self.lifetime_s),
            "jti": secrets.token_hex(12),
        }
        return jwt.encode(claims, self.key.private_key, algorithm="RS256", headers={"kid": self.key.kid})

    def _issuer_for(self, request: Request) -> str:
        return self.issuer_url or str(request.base_url).rstrip("/")

    async def _jwks(self, request: Request) -> JSONResponse:
        return JSONResponse(self.key.jwks(), headers={"Cache-Control": "max-age=300"})

    async def _metadata(self, request: Request) -> JSONResponse:
        base = self._issuer_for(request)
        scopes = sorted({s for c in self.clients.values() for s in c.scopes})
        return JSONResponse({
            "issuer": base,
            "token_endpoint": base + TOKEN_PATH,
            "jwks_uri": base + JWKS_PATH,
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "scopes_supported": scopes,
        })

    def _authenticate(self, credentials: tuple[str, str], *, encoded: bool) -> ClientRegistration | None:
        """The client whose id and secret these are, or None.

        RFC 6749 section 2.3.1 form-encodes id and secret before HTTP Basic; many clients do not,
        so a Basic pair is accepted decoded or as sent.
        """
        candidates = [credentials]
        if encoded:
            candidates.insert(0, (unquote_plus(credentials[0]), unquote_plus(credentials[1])))
        for client_id, secret in candidates:
            client = self.clients.get(client_id)
            if client is not None and hmac.compare_digest(client.secret.encode(), secret.encode()):
                return client
        return None

    async def _token(self, request: Request) -> JSONResponse:
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return _oauth_error("invalid_request", "the body must be application/x-www-form-urlencoded")
        body = await request.body()
        if len(body) > 16_384:
            return _oauth_error("invalid_request", "the request body is too large")
        try:
            fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return _oauth_error("invalid_request", "the body is not UTF-8")
        repeated = sorted(k for k, v in fields.items() if len(v) > 1 and k not in _REPEATABLE)
        if repeated:  # RFC 6749 section 3.2: parameters MUST NOT be included more than once
            return _oauth_error("invalid_request", f"the parameter {repeated[0]} appears more than once")
        form = {k: v[0] for k, v in fields.items()}
        if form.get("grant_type") != "client_credentials":
            return _oauth_error("unsupported_grant_type", "only client_credentials is supported")

        header = request.headers.get("authorization")
        basic = _basic_credentials(header or "")
        if basic is not None and "client_secret" in form:  # RFC 6749 section 2.3: one method per request
            return _oauth_error("invalid_request", "use client_secret_basic or client_secret_post, not both")
        client = self._authenticate(basic or (form.get("client_id", ""), form.get("client_secret", "")),
                                    encoded=basic is not None)
        if client is None:
            return _oauth_error("invalid_client", "client authentication failed", status=401)

        requested = form.get("scope", "").split()
        scopes = requested or sorted(client.scopes)
        if not set(scopes) <= client.scopes:
            return _oauth_error("invalid_scope", "the client may not hold the requested scope")

        # The audience: `audience`, or RFC 8707 `resource` (repeatable); the same value named both
        # ways is one audience.
        audiences = list(dict.fromkeys(v for k in ("audience", "resource") for v in fields.get(k, []) if v))
        if not audiences:
            unnamed = client.audience_when_unnamed()
            if unnamed is None:
                return _oauth_error("invalid_request", "name the audience (audience or resource): this client "
                                                       "has several")
            audiences = [unnamed]
        if not set(audiences) <= client.audiences:
            return _oauth_error("invalid_target", "the client may not ask for that audience")

        lifetime = self.lifetime_s
        if "expires_in" in form:
            try:
                lifetime = int(form["expires_in"])
            except ValueError:
                return _oauth_error("invalid_request", "expires_in must be an integer")
            if not 1 <= lifetime <= self.lifetime_s:
                return _oauth_error("invalid_request", f"expires_in must be from 1 to {self.lifetime_s}")

        audience: str | list[str] = audiences[0] if len(audiences) == 1 else audiences
        token = self.mint(client.client_id, scopes, audience, lifetime, self._issuer_for(request))
        return JSONResponse(
            {"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": " ".join(scopes)},
            headers=_NO_STORE,
        )


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def _oauth_error(error: str, description: str, *, status: int = 400) -> JSONResponse:
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="token-issuer"'
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=headers)
