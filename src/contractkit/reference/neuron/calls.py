"""Calling the provider within the operation's deadline, and keeping readiness up to date.

Every provider call of neuron/ goes through here: the fault-injection hook (when enabled) wraps
the provider, the wait is bounded by the provider timeout and by what is left of the operation's
``deadline_ms``, and each outcome updates the health that /ready reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from contractkit.llm import (
    Completion,
    LLMProvider,
    Message,
    ProviderError,
    ProviderTimeoutError,
    StreamChunk,
)
from contractkit.reference.neuron.contract import Operation
from contractkit.reference.neuron.faults import FaultInjectingProvider, requested_fault
from contractkit.reference.neuron.state import NeuronState

FAILURE_CODE = "provider_unavailable"


@dataclass
class Budget:
    """The time an operation may still spend on its provider."""

    deadline: float
    timeout_s: float

    @classmethod
    def start(cls, state: NeuronState, op: Operation) -> Budget:
        if not state.settings.enforce_deadlines:
            return cls(float("inf"), state.settings.provider_timeout_s)
        deadline_s = (op.deadline_ms or 30_000) / 1000 - state.settings.deadline_margin_s
        return cls(time.monotonic() + max(deadline_s, 0.05), state.settings.provider_timeout_s)

    def next_wait(self) -> float:
        return max(0.0, min(self.timeout_s, self.deadline - time.monotonic()))


def provider_for(state: NeuronState, headers: Mapping[str, str]) -> LLMProvider:
    """The provider, wrapped by the fault injector when the hook is on and the header asks."""
    contract = state.contract
    mode = requested_fault(headers, contract.fault_header, contract.fault_modes, state.settings.fault_injection)
    if mode is None:
        return state.provider
    return FaultInjectingProvider(state.provider, mode, state.settings.provider_timeout_s)


async def complete(state: NeuronState, provider: LLMProvider, messages: list[Message], tier: str,
                   budget: Budget) -> Completion:
    """The whole answer within the budget; any failure is a ProviderError and marks readiness."""
    try:
        completion = await asyncio.wait_for(provider.complete(messages, tier), budget.next_wait())
    except TimeoutError:
        state.health.failure(FAILURE_CODE)
        raise ProviderTimeoutError("no answer within the deadline", provider=provider.name) from None
    except ProviderError:
        state.health.failure(FAILURE_CODE)
        raise
    return completion


async def stream(state: NeuronState, provider: LLMProvider, messages: list[Message], tier: str,
                 budget: Budget) -> AsyncIterator[StreamChunk]:
    """Chunks within the budget (each waited for at most the provider timeout)."""
    chunks = provider.stream(messages, tier).__aiter__()
    try:
        while True:
            try:
                chunk = await asyncio.wait_for(chunks.__anext__(), budget.next_wait())
            except StopAsyncIteration:
                raise ProviderError("the stream ended without a final chunk", provider=provider.name) from None
            except TimeoutError:
                raise ProviderTimeoutError("the stream stalled past the deadline", provider=provider.name) from None
            yield chunk
            if chunk.done:
                return
    except ProviderError:
        state.health.failure(FAILURE_CODE)
        raise
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(ProviderError, RuntimeError):
                await aclose()
