"""The spec's ``x-fault-injection`` hook: a provider wrapper that fails the way the mode names.

It is only consulted when the settings enable it (``NEURON_FAULT_INJECTION=1``); otherwise the
header is ignored. Each mode raises the very exception the real provider failure raises (a
timeout really waits out the provider timeout), so the fallback path is the same code.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping

from contractkit.llm import (
    Completion,
    LLMProvider,
    Message,
    ProviderError,
    ProviderRateLimitError,
    ProviderResponseError,
    ProviderStreamError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    StreamChunk,
)


def requested_fault(headers: Mapping[str, str], header_name: str, modes: frozenset[str],
                    enabled: bool) -> str | None:
    """The fault mode this request asks for, or None (hook off, no header, or unknown mode)."""
    if not enabled:
        return None
    wanted = header_name.lower()
    mode = next((v for k, v in headers.items() if k.lower() == wanted), "").strip().lower()
    return mode if mode in modes else None


class FaultInjectingProvider(LLMProvider):
    """Wraps the real provider for one request and fails as ``mode`` says."""

    def __init__(self, inner: LLMProvider, mode: str, timeout_s: float) -> None:
        super().__init__(inner.tiers)
        self.inner = inner
        self.mode = mode
        self.timeout_s = timeout_s
        self.name = inner.name

    async def _fail(self) -> None:
        if self.mode == "provider_timeout":
            await asyncio.sleep(self.timeout_s)
            raise ProviderTimeoutError("injected: no answer within the provider timeout", provider=self.name)
        raise _error_for(self.mode, self.name)

    async def complete(self, messages: list[Message], tier: str, *, max_tokens: int = 512) -> Completion:
        await self._fail()
        raise AssertionError("unreachable")

    async def stream(self, messages: list[Message], tier: str, *, max_tokens: int = 512) -> AsyncIterator[StreamChunk]:
        if self.mode != "stream_interrupted":
            await self._fail()
        sent = 0
        async for chunk in self.inner.stream(messages, tier, max_tokens=max_tokens):
            if chunk.done or sent >= 3:
                break
            if chunk.text:
                sent += 1
            yield chunk
        raise ProviderStreamError("injected: the stream broke after some tokens", provider=self.name)


def _error_for(mode: str, provider: str) -> ProviderError:
    if mode == "provider_rate_limit":
        return ProviderRateLimitError("injected: the provider answered 429", provider=provider, retry_after_s=1)
    if mode == "provider_malformed":
        return ProviderResponseError("injected: the provider's answer is not its wire format", provider=provider)
    if mode == "stream_interrupted":  # on a whole-answer operation: the answer breaks off
        return ProviderStreamError("injected: the answer broke off", provider=provider)
    return ProviderUnavailableError("injected: the provider answered 503", provider=provider, status=503)
