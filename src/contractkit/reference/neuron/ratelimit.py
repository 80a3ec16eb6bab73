"""Fixed-window rate limiting per client and operation, as each ``x-rate-limit`` declares.

``rate_limit`` is a named dependency (after ``authorize``, keyed by the token's client id) that
answers 429 with ``Retry-After`` and the ``RateLimit-*`` headers, and leaves the headers of a
granted request in ``request.state.rate_limit_headers`` for the route to send.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from contractkit.reference.neuron.contract import RateLimit
from contractkit.reference.neuron.problems import ProblemError
from contractkit.reference.neuron.security import authorize
from contractkit.reference.neuron.state import operation_of
from contractkit.reference.token_issuer.verifier import VerifiedToken


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int

    def headers(self) -> dict[str, str]:
        return {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining),
                "RateLimit-Reset": str(self.reset_s)}


class RateLimiter:
    """Counts requests per (client, operation) in windows aligned to the first request."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str, operation: str, rule: RateLimit, now: float | None = None) -> Decision:
        now = time.monotonic() if now is None else now
        key = (client, operation)
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now - start >= rule.window_s:
                start, count = now, 0
            allowed = count < rule.requests
            if allowed:
                count += 1
            self._windows[key] = (start, count)
            if len(self._windows) > 10_000:
                self._windows = {k: v for k, v in self._windows.items() if now - v[0] < rule.window_s}
        reset = max(1, math.ceil(start + rule.window_s - now))
        return Decision(allowed, rule.requests, rule.requests - count, reset)


async def rate_limit(request: Request, token: Annotated[VerifiedToken, Depends(authorize)]) -> VerifiedToken:
    """Count this request against its client's limit for the operation; 429 when exhausted."""
    state = request.app.state.neuron
    op = operation_of(request)
    if op.rate_limit is None or not state.settings.rate_limits:
        return token
    decision = state.limiter.hit(token.client_id, op.key, op.rate_limit)
    if not decision.allowed:
        raise ProblemError(
            429, "rate_limited",
            f"Rate limit of {decision.limit} requests per {op.rate_limit.window_s:g} seconds exceeded.",
            headers={"Retry-After": str(decision.reset_s), **decision.headers()},
            retry_after_seconds=decision.reset_s,
        )
    request.state.rate_limit_headers = decision.headers()
    return token


Granted = Annotated[VerifiedToken, Depends(rate_limit)]
"""A route parameter type: the caller's token, authenticated, authorized and within its rate limit."""
