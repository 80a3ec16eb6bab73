"""Anthropic's Messages API (``POST /v1/messages``), whole and streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from httpx_sse import EventSource

from contractkit.llm.base import Completion, Message, StreamChunk, TierModels, Usage
from contractkit.llm.errors import ProviderResponseError, ProviderStreamError
from contractkit.llm.http_base import HTTPProvider, load_json_frame

ANTHROPIC_TIERS = {
    "lightweight": "claude-3-5-haiku-20241022",
    "balanced": "claude-3-5-sonnet-20241022",
    "advanced": "claude-opus-4-20250514",
}
ANTHROPIC_VERSION = "2023-06-01"


class AnthropicProvider(HTTPProvider):
    """System messages go to ``system``; the rest are the conversation."""

    name = "anthropic"

    def __init__(self, *, base_url: str = "https://api.anthropic.com", api_key: str | None = None,
                 tiers: TierModels | None = None, timeout_s: float = 10.0, **kw: Any) -> None:
        headers = {"anthropic-version": ANTHROPIC_VERSION}
        if api_key:
            headers["x-api-key"] = api_key
        super().__init__(tiers or TierModels(ANTHROPIC_TIERS), base_url=base_url, timeout_s=timeout_s,
                         headers=headers, **kw)

    def _payload(self, messages: list[Message], tier: str, max_tokens: int, stream: bool) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model_for(tier),
            "max_tokens": max_tokens,
            "messages": [{"role": m.role, "content": m.content} for m in messages if m.role != "system"],
            "stream": stream,
        }
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        if system:
            payload["system"] = system
        return payload

    async def complete(self, messages: list[Message], tier: str, *, max_tokens: int = 512) -> Completion:
        body = await self.post_json("/v1/messages", self._payload(messages, tier, max_tokens, False))
        try:
            text = "".join(block["text"] for block in body["content"] if block.get("type") == "text")
            counts = Usage(int(body["usage"]["input_tokens"]), int(body["usage"]["output_tokens"]))
        except (KeyError, TypeError, ValueError):
            raise ProviderResponseError("the answer is not a Messages response", provider=self.name) from None
        finish = "length" if body.get("stop_reason") == "max_tokens" else "stop"
        return Completion(text=text, usage=counts, model=str(body.get("model", "")), finish_reason=finish)

    async def stream(self, messages: list[Message], tier: str, *, max_tokens: int = 512) -> AsyncIterator[StreamChunk]:
        async with self.open_stream("/v1/messages", self._payload(messages, tier, max_tokens, True)) as response:
            prompt_tokens = completion_tokens = 0
            finish = "stop"
            async for sse in EventSource(response).aiter_sse():
                frame = load_json_frame(sse.data, self.name)
                kind = frame.get("type", sse.event)
                try:
                    if kind == "message_start":
                        prompt_tokens = int(frame["message"]["usage"]["input_tokens"])
                    elif kind == "content_block_delta":
                        text = frame["delta"].get("text", "")
                        if text:
                            yield StreamChunk(text=text)
                    elif kind == "message_delta":
                        completion_tokens = int(frame.get("usage", {}).get("output_tokens", completion_tokens))
                        if frame["delta"].get("stop_reason") == "max_tokens":
                            finish = "length"
                    elif kind == "message_stop":
                        yield StreamChunk(done=True, usage=Usage(prompt_tokens, completion_tokens),
                                          finish_reason=finish)
                        return
                    elif kind == "error":
                        raise ProviderStreamError("the provider sent an error event", provider=self.name)
                except (KeyError, TypeError, ValueError, AttributeError):
                    raise ProviderStreamError(f"a {kind} event is malformed", provider=self.name) from None
            raise ProviderStreamError("the stream ended before message_stop", provider=self.name)
