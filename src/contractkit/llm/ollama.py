"""Ollama's native chat API (``POST /api/chat``), whole and streamed as NDJSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from contractkit.llm.base import Completion, Message, StreamChunk, TierModels, Usage
from contractkit.llm.errors import ProviderResponseError, ProviderStreamError
from contractkit.llm.http_base import HTTPProvider, load_json_frame

OLLAMA_TIERS = {"lightweight": "llama3.2:3b", "balanced": "llama3.1:8b", "advanced": "llama3.1:70b"}


class OllamaProvider(HTTPProvider):
    """Usage comes from ``prompt_eval_count`` and ``eval_count`` of the final object."""

    name = "ollama"

    def __init__(self, *, base_url: str = "http://localhost:11434", tiers: TierModels | None = None,
                 timeout_s: float = 30.0, **kw: Any) -> None:
        super().__init__(tiers or TierModels(OLLAMA_TIERS), base_url=base_url, timeout_s=timeout_s, **kw)

    def _payload(self, messages: list[Message], tier: str, max_tokens: int, stream: bool) -> dict[str, Any]:
        return {
            "model": self.model_for(tier),
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": stream,
            "options": {"num_predict": max_tokens},
        }

    async def complete(self, messages: list[Message], tier: str, *, max_tokens: int = 512) -> Completion:
        body = await self.post_json("/api/chat", self._payload(messages, tier, max_tokens, False))
        try:
            text = body["message"]["content"]
            counts = Usage(int(body.get("prompt_eval_count", 0)), int(body.get("eval_count", 0)))
        except (KeyError, TypeError, ValueError):
            raise ProviderResponseError("the answer is not an Ollama chat response", provider=self.name) from None
        if not isinstance(text, str):
            raise ProviderResponseError("the answer has no text", provider=self.name)
        finish = "length" if body.get("done_reason") == "length" else "stop"
        return Completion(text=text, usage=counts, model=str(body.get("model", "")), finish_reason=finish)

    async def stream(self, messages: list[Message], tier: str, *, max_tokens: int = 512) -> AsyncIterator[StreamChunk]:
        async with self.open_stream("/api/chat", self._payload(messages, tier, max_tokens, True)) as response:
            async for line in response.aiter_lines():
                if not line.strip():
                    continue
                frame = load_json_frame(line, self.name)
                text = (frame.get("message") or {}).get("content")
                if text:
                    yield StreamChunk(text=str(text))
                if frame.get("done"):
                    try:
                        usage = Usage(int(frame.get("prompt_eval_count", 0)), int(frame.get("eval_count", 0)))
                    except (TypeError, ValueError):
                        raise ProviderStreamError("the final frame is malformed", provider=self.name) from None
                    finish = "length" if frame.get("done_reason") == "length" else "stop"
                    yield StreamChunk(done=True, usage=usage, finish_reason=finish)
                    return
            raise ProviderStreamError("the stream ended before done", provider=self.name)
