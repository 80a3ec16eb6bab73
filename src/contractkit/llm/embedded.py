"""The embedded provider: a small deterministic model that needs no network.

It is the default (``LLM_PROVIDER=embedded``) so that the reference neuron/, the demo and the
tests answer the same way every time. The same messages give the same answer; its usage is the
real count, by :mod:`contractkit.llm.tokens`, of the prompt it read and the text it wrote.

It follows two kinds of instruction, enough for neuron/'s prompts:

- ``Respond with one JSON object with the keys: a, b, c.`` -> a JSON object with those keys,
  values derived from the facts (``- name: value`` lines) in the prompt;
- anything else -> a short reply that refers to the user's last message.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import AsyncIterator

from contractkit.llm.base import Completion, LLMProvider, Message, StreamChunk, TierModels, Usage
from contractkit.llm.tokens import count_tokens, split_for_streaming

EMBEDDED_TIERS = {"lightweight": "embedded-lite", "balanced": "embedded-base", "advanced": "embedded-pro"}

_JSON_INSTRUCTION = re.compile(r"Respond with one JSON object with the keys: ([a-z_, ]+)\.")
_FACT = re.compile(r"^- ([a-z_]+): (.+)$", re.MULTILINE)
_ACTIONS = (
    "Schedule a call with the account owner this week",
    "Send a short check-in email about the open tickets",
    "Offer a renewal review before the contract date",
    "Escalate the open support tickets to the account team",
    "Share a usage report and propose a training session",
)
_REPLIES = (
    "Start with the open support tickets, then confirm the renewal date with the account owner.",
    "Review the last three interactions and call the main contact with a concrete proposal.",
    "Send a brief summary of recent usage and ask which outcome matters most this quarter.",
    "Check billing status first; then plan a follow-up that addresses the latest request.",
)


class EmbeddedProvider(LLMProvider):
    """Deterministic answers computed in-process; ``delay_s`` paces streamed tokens."""

    name = "embedded"

    def __init__(self, tiers: TierModels | None = None, *, token_delay_s: float = 0.0) -> None:
        super().__init__(tiers or TierModels(EMBEDDED_TIERS))
        self.token_delay_s = token_delay_s

    def answer(self, messages: list[Message], tier: str, max_tokens: int = 512) -> Completion:
        """The completion, synchronously: the provider double reuses it to speak other wire formats."""
        model = self.model_for(tier)
        prompt = "\n".join(m.content for m in messages)
        seed = int.from_bytes(hashlib.sha256(f"{model}\n{prompt}".encode()).digest()[:8], "big")
        match = _JSON_INSTRUCTION.search(prompt)
        if match:
            keys = [k.strip() for k in match.group(1).split(",") if k.strip()]
            text = json.dumps(_json_answer(keys, dict(_FACT.findall(prompt)), seed), separators=(", ", ": "))
        else:
            last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
            text = _chat_answer(last_user, seed)
        finish = "stop"
        if count_tokens(text) > max_tokens:
            pieces = split_for_streaming(text)
            while pieces and count_tokens("".join(pieces)) > max_tokens:
                pieces.pop()
            text, finish = "".join(pieces), "length"
        usage = Usage(prompt_tokens=sum(count_tokens(m.content) for m in messages),
                      completion_tokens=count_tokens(text))
        return Completion(text=text, usage=usage, model=model, finish_reason=finish)

    async def complete(self, messages: list[Message], tier: str, *, max_tokens: int = 512) -> Completion:
        return self.answer(messages, tier, max_tokens)

    async def stream(self, messages: list[Message], tier: str, *, max_tokens: int = 512) -> AsyncIterator[StreamChunk]:
        completion = self.answer(messages, tier, max_tokens)
        for piece in split_for_streaming(completion.text):
            if self.token_delay_s:
                await asyncio.sleep(self.token_delay_s)
            yield StreamChunk(text=piece)
        yield StreamChunk(done=True, usage=completion.usage, finish_reason=completion.finish_reason)


def _json_answer(keys: list[str], facts: dict[str, str], seed: int) -> dict[str, object]:
    name = facts.get("name", "the customer")
    fact_items = [(k, v) for k, v in facts.items() if k not in {"name", "customer_id"}]
    score = round(((seed >> 8) % 1000) / 1000, 2)
    answer: dict[str, object] = {}
    for i, key in enumerate(keys):
        if key in {"confidence", "score"}:
            answer[key] = score if key == "score" else round(0.55 + ((seed >> (4 * i)) % 40) / 100, 2)
        elif key == "level":
            answer[key] = ("low", "medium", "high", "critical")[min(int(score * 4), 3)]
        elif key == "factors":
            answer[key] = [f"{k.replace('_', ' ')}: {v}" for k, v in fact_items[: 2 + seed % 2]]
        elif key == "reasoning":
            shown = "; ".join(f"{k.replace('_', ' ')} is {v}" for k, v in fact_items[:3]) or "few facts are known"
            answer[key] = f"For {name}, {shown}."
        elif key == "suggestion":
            answer[key] = f"{_ACTIONS[seed % len(_ACTIONS)]} with {name}."
        elif key == "analysis":
            trend = facts.get("order_trend", "stable")
            answer[key] = f"{name} has a {trend} order trend and {facts.get('open_tickets', 'no')} open tickets."
        else:
            answer[key] = f"{key.replace('_', ' ').capitalize()} for {name}."
    return answer


def _chat_answer(message: str, seed: int) -> str:
    topic = " ".join(message.split()[:8]).strip(" ?!.")
    lead = f"About \"{topic}\": " if topic else ""
    return lead + _REPLIES[seed % len(_REPLIES)]
