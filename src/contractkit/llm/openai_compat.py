"""OpenAI-compatible chat completions: OpenAI itself, vLLM, and Ollama's ``/v1`` endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from httpx_sse import EventSource

from contractkit.llm.base import Completion, Message, StreamChunk, TierModels, Usage
from contractkit.llm.errors import ProviderResponseError, ProviderStreamError
from contractkit.llm.http_base import HTTPProvider, load_json_frame
from contractkit.llm.tokens import count_tokens

OPENAI_TIERS = {"lightweight": "gpt-4o-mini", "balanced": "gpt-4o", "advanced": "o1"}


class OpenAICompatibleProvider(HTTPProvider):
    """``POST {base_url}/chat/completions``; ``base_url`` ends with ``/v1`` as in the OpenAI SDK."""

    name = "openai"

    def __init__(self, *, base_url: str = "https://api.openai.com/v1", api_key: str | None = None,
                 tiers: TierModels | None = None, timeout_s: float = 10.0, **kw: Any) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        super().__init__(tiers or TierModels(OPENAI_TIERS), base_url=base_url, timeout_s=timeout_s,
                         headers=headers, **kw)

    def _payload(self, messages: list[Message], tier: str, max_tokens: int, stream: bool) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model_for(tier),
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_tokens,
            "stream": stream,
        }
        if stream:
            payload["stream_options"] = {"include_usage": True}
        return payload

    async def complete(self, messages: list[Message], tier: str, *, max_tokens: int = 512) -> Completion:
        body = await self.post_json("/chat/completions", self._payload(messages, tier, max_tokens, False))
        try:
            choice = body["choices"][0]
            text = choice["message"]["content"]
            usage = body["usage"]
            counts = Usage(int(usage["prompt_tokens"]), int(usage["completion_tokens"]))
        except (KeyError, IndexError, TypeError, ValueError):
            raise ProviderResponseError("the answer is not a chat completion", provider=self.name) from None
        if not isinstance(text, str):
            raise ProviderResponseError("the completion has no text", provider=self.name)
        finish = "length" if choice.get("finish_reason") == "length" else "stop"
        return Completion(text=text, usage=counts, model=str(body.get("model", "")), finish_reason=finish)

    async def stream(self, messages: list[Message], tier: str, *, max_tokens: int = 512) -> AsyncIterator[StreamChunk]:
        payload = self._payload(messages, tier, max_tokens, True)
        async with self.open_stream("/chat/completions", payload) as response:
            usage: Usage | None = None
            finish: str | None = None
            produced: list[str] = []
            async for sse in EventSource(response).aiter_sse():
                if sse.data.strip() == "[DONE]":
                    if finish is None:
                        raise ProviderStreamError("the stream ended without a finish reason", provider=self.name)
                    if usage is None:  # servers without include_usage: count what was produced
                        prompt = sum(count_tokens(m.content) for m in messages)
                        usage = Usage(prompt, count_tokens("".join(produced)))
                    yield StreamChunk(done=True, usage=usage, finish_reason=finish)
                    return
                frame = load_json_frame(sse.data, self.name)
                if frame.get("usage"):
                    try:
                        usage = Usage(int(frame["usage"]["prompt_tokens"]), int(frame["usage"]["completion_tokens"]))
                    except (KeyError, TypeError, ValueError):
                        raise ProviderStreamError("a usage frame is malformed", provider=self.name) from None
                for choice in frame.get("choices") or []:
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        produced.append(text)
                        yield StreamChunk(text=text)
                    if choice.get("finish_reason"):
                        finish = "length" if choice["finish_reason"] == "length" else "stop"
            raise ProviderStreamError("the stream ended before [DONE]", provider=self.name)
