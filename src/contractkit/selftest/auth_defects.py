"""Auth defects for the self-test's neuron/ variants: verifiers and dependency overrides that cheat.

Each builder takes ``(stack, settings)`` and returns the ASGI app of a reference neuron/ whose
token handling is broken in one way. Verifier wrappers that should only cheat on HTTP read the
request type from a context variable set by ``_MarkScopeType``, and the verified-token cache is
disabled so a token let through on HTTP is not trusted on the WebSocket afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request, WebSocket

from contractkit.reference.neuron import NeuronSettings, create_neuron_app
from contractkit.reference.neuron.security import authenticate, authorize, check_scope, check_token
from contractkit.reference.token_issuer.verifier import InvalidTokenError, TokenVerifier, VerifiedToken
from contractkit.selftest.middleware import EchoRequestHeader

ALL_SCOPES = frozenset({"neuron.analyze", "neuron.suggest", "neuron.risk", "neuron.chat"})
WS_KEY = "WS /chat/ws"


class _AnonymousAllowed:
    """A verifier that lets a request without a token through with every scope."""

    def __init__(self, inner: TokenVerifier) -> None:
        self.inner = inner

    def verify(self, token: str | None) -> VerifiedToken:
        if not token:
            return VerifiedToken("anonymous", ALL_SCOPES, "neuron-api", int(time.time()) + 600, {})
        return self.inner.verify(token)


def no_token_accepted(stack: Any, settings: NeuronSettings) -> Any:
    app = create_neuron_app(settings)
    state = app.state.neuron
    state.verifier = _AnonymousAllowed(state.verifier)
    return app


def scope_ignored(stack: Any, settings: NeuronSettings) -> Any:
    app = create_neuron_app(settings)

    def lenient(request: Request, token: Annotated[VerifiedToken, Depends(authenticate)]) -> VerifiedToken:
        if isinstance(request, WebSocket):  # the WebSocket keeps its scope check: one defect per variant
            return check_scope(token, request.app.state.neuron.contract.operations[WS_KEY].scope)
        return token

    app.dependency_overrides[authorize] = lenient
    return app


class _AnyAudience:
    """A verifier that accepts a token for any audience the issuer serves."""

    def __init__(self, inner: TokenVerifier, jwks_url: str) -> None:
        self.inner = inner
        self.others = [TokenVerifier(aud, jwks_url=jwks_url) for aud in
                       ("crm-data-mcp", "document-retrieval-mcp", "engine-internal")]

    def verify(self, token: str | None) -> VerifiedToken:
        try:
            return self.inner.verify(token)
        except InvalidTokenError:
            for other in self.others:
                try:
                    return other.verify(token)
                except InvalidTokenError:
                    continue
            raise


def wrong_audience_accepted(stack: Any, settings: NeuronSettings) -> Any:
    app = create_neuron_app(settings)
    state = app.state.neuron
    state.verifier = _AnyAudience(state.verifier, str(settings.jwks_url))
    return app


_SCOPE_TYPE: ContextVar[str] = ContextVar("contractkit_selftest_scope_type", default="")


class _MarkScopeType:
    """Records whether the current request is HTTP or WebSocket, for verifiers that only cheat on HTTP."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        mark = _SCOPE_TYPE.set(scope["type"])
        try:
            await self.app(scope, receive, send)
        finally:
            _SCOPE_TYPE.reset(mark)


class _LenientOnHttp:
    """Wraps the verifier: a token it rejects is let through on HTTP when ``accept`` says so."""

    def __init__(self, inner: TokenVerifier, accept: Callable[[TokenVerifier, str], VerifiedToken | None]) -> None:
        self.inner = inner
        self.accept = accept

    def verify(self, token: str | None) -> VerifiedToken:
        try:
            return self.inner.verify(token)
        except InvalidTokenError:
            if token and _SCOPE_TYPE.get() == "http":
                granted = self.accept(self.inner, token)
                if granted is not None:
                    return granted
            raise


def _granted(claims: dict[str, Any]) -> VerifiedToken:
    return VerifiedToken(str(claims.get("client_id", "x")), frozenset(str(claims.get("scope", "")).split()),
                         "neuron-api", int(claims.get("exp", 0)), claims)


def accept_malformed(inner: TokenVerifier, token: str) -> VerifiedToken | None:
    if token.count(".") != 2:
        return VerifiedToken("anyone", ALL_SCOPES, "neuron-api", int(time.time()) + 600, {})
    return None


def accept_unsigned(inner: TokenVerifier, token: str) -> VerifiedToken | None:
    """Reads the claims without checking the signature (still checks audience and expiry)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False, "verify_aud": False})
    except jwt.PyJWTError:
        return None
    if claims.get("aud") == "neuron-api" and int(claims.get("exp", 0)) > time.time():
        return _granted(claims)
    return None


def accept_expired(inner: TokenVerifier, token: str) -> VerifiedToken | None:
    """Checks signature and audience, but not expiry."""
    try:
        key = inner._keys.get(jwt.get_unverified_header(token).get("kid"))
        claims = jwt.decode(token, key, algorithms=["RS256"], audience="neuron-api",
                            options={"verify_exp": False}) if key is not None else None
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    return _granted(claims) if claims else None


class _NoTokenCache:
    """Replaces neuron/'s verified-token cache, so a token let through on HTTP is not trusted on the WebSocket."""

    def get(self, token: str | None) -> VerifiedToken | None:
        return None

    def put(self, token: str | None, verified: VerifiedToken) -> VerifiedToken:
        return verified


def lenient(accept: Callable[[TokenVerifier, str], VerifiedToken | None]) -> Callable[[Any, NeuronSettings], Any]:
    def build(stack: Any, settings: NeuronSettings) -> Any:
        app = create_neuron_app(settings)
        app.state.neuron.verifier = _LenientOnHttp(app.state.neuron.verifier, accept)
        app.state.neuron.verified = _NoTokenCache()
        return _MarkScopeType(app)

    return build


def ws_accepts_bad_auth(stack: Any, settings: NeuronSettings) -> Any:
    app = create_neuron_app(settings)

    def trusting(request: Request) -> VerifiedToken:
        if isinstance(request, WebSocket):
            return VerifiedToken("anyone", ALL_SCOPES, "neuron-api", int(time.time()) + 600, {})
        return check_token(request.app.state.neuron, request.headers.get("authorization"))

    app.dependency_overrides[authenticate] = trusting
    return app


def token_echoed(stack: Any, settings: NeuronSettings) -> Any:
    return EchoRequestHeader(create_neuron_app(settings), "authorization", {401})


