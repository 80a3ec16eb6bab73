"""Bearer-token checks as named FastAPI dependencies (RFC 6750 challenges on failure).

``authenticate`` verifies the token (signature, expiry, audience) and ``authorize`` checks the
scope the spec gives the route's operation. They are module-level functions on purpose: a
deliberately broken variant replaces one with ``app.dependency_overrides[authorize] = ...``
without copying neuron/.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from contractkit.reference.neuron.problems import ProblemError
from contractkit.reference.neuron.state import NeuronState, operation_of
from contractkit.reference.token_issuer.verifier import InvalidTokenError, VerifiedToken, bearer_token

REALM = 'Bearer realm="neuron-api"'


def challenge(error: str | None = None, description: str | None = None, scope: str | None = None) -> str:
    """The ``WWW-Authenticate`` value: no error code when no credentials were sent (RFC 6750 3.1)."""
    parts = [REALM]
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{description}"')
    if scope:
        parts.append(f'scope="{scope}"')
    return ", ".join(parts)


def check_token(state: NeuronState, authorization: str | None) -> VerifiedToken:
    """Verify or raise the 401 problem; shared by HTTP routes and the WebSocket handshake."""
    token = bearer_token(authorization)
    try:
        return state.verified.get(token) or state.verified.put(token, state.verifier.verify(token))
    except InvalidTokenError as exc:
        if exc.code == "unauthorized":
            raise ProblemError(401, "unauthorized", "A bearer token is required.",
                               headers={"WWW-Authenticate": challenge()}) from None
        raise ProblemError(401, "invalid_token", "The access token is missing, malformed, expired or not for this API.",
                           headers={"WWW-Authenticate": challenge("invalid_token", exc.reason)}) from None


def check_scope(token: VerifiedToken, scope: str | None) -> VerifiedToken:
    if scope and not token.has_scope(scope):
        raise ProblemError(403, "insufficient_scope", f"This operation needs the {scope} scope.",
                           headers={"WWW-Authenticate": challenge("insufficient_scope", scope=scope)})
    return token


async def authenticate(request: Request) -> VerifiedToken:
    """The caller's verified token, or 401 with the Bearer challenge."""
    return check_token(request.app.state.neuron, request.headers.get("authorization"))


async def authorize(request: Request, token: Annotated[VerifiedToken, Depends(authenticate)]) -> VerifiedToken:
    """The token again, once it holds the scope of this route's operation; else 403."""
    return check_scope(token, operation_of(request).scope)
