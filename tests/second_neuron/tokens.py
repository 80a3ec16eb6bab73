"""The churn service's own OAuth2 token endpoint (RFC 6749 client credentials) and token checks.

Clients authenticate with ``client_secret_post`` only; the audience is asked for as the RFC 8707
``resource``. Tokens are RS256 JWTs signed by a key generated at start-up, carrying ``aud``,
``scope``, ``iat`` and ``exp``. A non-standard ``expires_in`` form field asks for a shorter-lived
token, which is how a test suite gets a token that expires while it waits.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

AUDIENCE = "churn-api"
ISSUER = "churn-service"
DEFAULT_LIFETIME_S = 900
MAX_LIFETIME_S = 3600


@dataclass(frozen=True)
class Client:
    client_id: str
    secret: str = field(repr=False)
    scopes: frozenset[str]


class TokenRejected(Exception):
    """The token is not acceptable; ``reason`` is safe to show (it never quotes the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Issuer:
    """Mints tokens for registered clients and verifies the ones presented to the API."""

    def __init__(self, clients: list[Client]) -> None:
        self.clients = {c.client_id: c for c in clients}
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._public = self._key.public_key()
        self.kid = secrets.token_hex(4)

    def mint(self, client: Client, scopes: frozenset[str], audience: str, lifetime_s: int) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": client.client_id, "aud": audience, "scope": " ".join(sorted(scopes)),
                  "iat": now, "exp": now + lifetime_s, "jti": secrets.token_hex(8)}
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def verify(self, token: str, *, check_exp: bool = True, check_aud: bool = True) -> dict[str, Any]:
        """The claims of a token this issuer signed for the API; TokenRejected otherwise."""
        try:
            return jwt.decode(token, self._public, algorithms=["RS256"], audience=AUDIENCE if check_aud else None,
                              issuer=ISSUER, leeway=0,
                              options={"require": ["exp", "iat", "aud", "scope", "sub"], "verify_exp": check_exp,
                                       "verify_aud": check_aud})
        except jwt.ExpiredSignatureError:
            raise TokenRejected("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise TokenRejected("the token is not for churn-api") from None
        except jwt.PyJWTError:
            raise TokenRejected("the token is not valid") from None

    # -- the token endpoint ---------------------------------------------------------------
    async def token_endpoint(self, request: web.Request) -> web.Response:
        """``POST /oauth/token``: RFC 6749 section 4.4, errors as section 5.2."""
        if request.content_type != "application/x-www-form-urlencoded":
            return _oauth_error(400, "invalid_request", "send an application/x-www-form-urlencoded form")
        if request.headers.get("Authorization"):
            return _oauth_error(400, "invalid_request", "authenticate with client_secret_post (form fields)")
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
        client = self.clients.get(str(form.get("client_id", "")))
        secret = str(form.get("client_secret", ""))
        if client is None or not hmac.compare_digest(client.secret.encode(), secret.encode()):
            return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
        asked = str(form.get("scope", "")).split()
        scopes = frozenset(asked) if asked else client.scopes
        if not scopes <= client.scopes:
            return _oauth_error(400, "invalid_scope", "the client may not hold these scopes")
        resources = form.getall("resource", [])
        if len(resources) > 1:
            return _oauth_error(400, "invalid_target", "one resource per token")
        audience = str(resources[0]) if resources else AUDIENCE
        if not audience.strip():
            return _oauth_error(400, "invalid_target", "the resource is empty")
        lifetime = DEFAULT_LIFETIME_S
        if "expires_in" in form:
            raw = str(form["expires_in"])
            if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIFETIME_S:
                return _oauth_error(400, "invalid_request", f"expires_in must be 1 to {MAX_LIFETIME_S}")
            lifetime = int(raw)
        token = self.mint(client, scopes, audience, lifetime)
        return web.json_response({"access_token": token, "token_type": "Bearer", "expires_in": lifetime,
                                  "scope": " ".join(sorted(scopes))},
                                 headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status,
                             headers={"Cache-Control": "no-store"})
