"""The state one neuron/ app holds (``app.state.neuron``): contract, verifier, provider, limiter, health.

A variant or a test reaches everything through it: ``app.state.neuron.provider`` is the LLM
provider in use, ``app.state.neuron.health`` what /ready reports.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from contractkit.llm import EmbeddedProvider, LLMProvider
from contractkit.reference.neuron.contract import NeuronContract, Operation
from contractkit.reference.neuron.customers import DEMO_CUSTOMERS, Customer
from contractkit.reference.neuron.jobs import JobStore
from contractkit.reference.neuron.settings import NeuronSettings
from contractkit.reference.token_issuer.verifier import TokenVerifier, VerifiedToken


@dataclass
class ProviderHealth:
    """Degraded from a provider failure until a call succeeds again (what /ready reports)."""

    name: str
    consecutive_failures: int = 0
    last_failure_code: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def success(self) -> None:
        with self._lock:
            self.consecutive_failures = 0

    def failure(self, code: str = "provider_unavailable") -> None:
        with self._lock:
            self.consecutive_failures += 1
            self.last_failure_code = code

    @property
    def degraded(self) -> bool:
        return self.consecutive_failures > 0

    def snapshot(self) -> dict[str, Any]:
        provider: dict[str, Any] = {"name": self.name, "state": "degraded" if self.degraded else "ok",
                                    "consecutive_failures": self.consecutive_failures}
        if self.degraded and self.last_failure_code:
            provider["last_failure_code"] = self.last_failure_code
        return {"status": "degraded" if self.degraded else "ready", "provider": provider}


class VerifiedTokenCache:
    """Tokens already verified (signature, audience), until they expire: RS256 checks cost ~0.2 ms.

    Expiry is checked again on every hit, so a cached token stops working the second it expires.
    """

    def __init__(self, size: int = 1024) -> None:
        self._items: dict[str, VerifiedToken] = {}
        self._size = size

    def get(self, token: str | None) -> VerifiedToken | None:
        if not token:
            return None
        found = self._items.get(token)
        if found is not None and found.expires_at <= time.time():
            self._items.pop(token, None)
            return None
        return found

    def put(self, token: str | None, verified: VerifiedToken) -> VerifiedToken:
        if token:
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[token] = verified
        return verified


@dataclass
class NeuronState:
    settings: NeuronSettings
    contract: NeuronContract
    verifier: TokenVerifier
    provider: LLMProvider
    health: ProviderHealth
    limiter: Any
    customers: Mapping[str, Customer] = field(default_factory=lambda: DEMO_CUSTOMERS)
    verified: VerifiedTokenCache = field(default_factory=VerifiedTokenCache)
    jobs: JobStore = field(default_factory=JobStore)

    @classmethod
    def build(cls, settings: NeuronSettings, contract: NeuronContract) -> NeuronState:
        from contractkit.reference.neuron.ratelimit import RateLimiter

        if settings.public_keys:
            verifier = TokenVerifier(contract.audience, public_keys=settings.public_keys, issuer=settings.issuer)
        else:
            verifier = TokenVerifier(contract.audience, jwks_url=settings.jwks_url, issuer=settings.issuer)
        provider = settings.provider or EmbeddedProvider()
        return cls(settings, contract, verifier, provider, ProviderHealth(provider.name), RateLimiter())


def operation_of(request: Request) -> Operation:
    """The spec's operation for the route that matched this request."""
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    return request.app.state.neuron.contract.operations[f"{request.method} {path}"]
