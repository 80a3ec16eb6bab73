"""The frames of one streamed chat turn, shared by the SSE and the WebSocket endpoints.

One ``start``, ``delta`` frames with consecutive indexes from 0, and exactly one terminal frame:
``done`` with the provider's usage, or ``error`` when the provider fails after the first token.
A failure before the first token streams the degraded reply and ends with ``done.fallback``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from contractkit.llm import ProviderError, count_tokens
from contractkit.llm.tokens import split_for_streaming
from contractkit.reference.neuron import calls
from contractkit.reference.neuron.answers import DEGRADED_REPLY, chat_messages
from contractkit.reference.neuron.contract import Operation
from contractkit.reference.neuron.problems import log
from contractkit.reference.neuron.state import NeuronState


async def chat_frames(state: NeuronState, op: Operation, request_id: str, body: Mapping[str, Any],
                      headers: Mapping[str, str]) -> AsyncIterator[dict[str, Any]]:
    tier = body.get("model_tier") or op.default_tier
    start: dict[str, Any] = {"type": "start", "request_id": request_id, "model_tier": tier}
    if body.get("conversation_id") is not None:
        start["conversation_id"] = body["conversation_id"]
    yield start
    messages = chat_messages(body["message"])
    provider = calls.provider_for(state, headers)
    index = 0
    produced: list[str] = []
    try:
        async for chunk in calls.stream(state, provider, messages, tier, calls.Budget.start(state, op)):
            if chunk.text:
                produced.append(chunk.text)
                yield {"type": "delta", "index": index, "text": chunk.text}
                index += 1
            if chunk.done:
                if not produced:
                    raise ProviderError("the provider streamed no text", provider=provider.name)
                tokens = chunk.usage.total_tokens if chunk.usage else 0
                state.health.success()
                yield {"type": "done", "finish_reason": chunk.finish_reason or "stop", "token_count": tokens,
                       "cost_usd": state.contract.price(tier, tokens), "fallback": False}
                return
    except ProviderError:
        if index == 0:
            for piece in split_for_streaming(DEGRADED_REPLY):
                yield {"type": "delta", "index": index, "text": piece}
                index += 1
            yield {"type": "done", "finish_reason": "stop", "token_count": 0, "cost_usd": 0.0, "fallback": True}
            return
        # the provider's usage never arrived: count what it had read and written
        tokens = sum(count_tokens(m.content) for m in messages) + count_tokens("".join(produced))
        yield {"type": "error", "code": "provider_unavailable", "message": "The AI provider failed mid-stream.",
               "request_id": request_id, "retryable": True, "token_count": tokens,
               "cost_usd": state.contract.price(tier, tokens)}
    except Exception:  # a bug of ours: still exactly one terminal frame, and nothing internal in it
        log.exception("unexpected error in stream %s", request_id)
        yield {"type": "error", "code": "internal_error", "message": "The server could not finish this answer.",
               "request_id": request_id, "retryable": False, "token_count": 0, "cost_usd": 0.0}
