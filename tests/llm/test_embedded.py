"""The embedded provider: deterministic, real token counts, JSON when asked for it."""

from __future__ import annotations

import asyncio
import json

from contractkit.llm import EmbeddedProvider, Message, count_tokens, provider_from_env
from contractkit.llm.tokens import split_for_streaming

JSON_ASK = [Message("system", "Respond with one JSON object with the keys: suggestion, confidence, reasoning.\n"
                              "- name: Acme\n- open_tickets: 4"), Message("user", "Go.")]


def test_same_input_same_answer_and_tiers_differ():
    provider = EmbeddedProvider()
    first, again = provider.answer(JSON_ASK, "balanced"), provider.answer(JSON_ASK, "balanced")
    assert first == again
    assert first.model == "embedded-base" and provider.answer(JSON_ASK, "advanced").model == "embedded-pro"


def test_usage_is_the_real_count_of_prompt_and_answer():
    answer = EmbeddedProvider().answer(JSON_ASK, "balanced")
    assert answer.usage.prompt_tokens == sum(count_tokens(m.content) for m in JSON_ASK)
    assert answer.usage.completion_tokens == count_tokens(answer.text) > 0


def test_json_instruction_gives_the_keys_asked_for():
    body = json.loads(EmbeddedProvider().answer(JSON_ASK, "balanced").text)
    assert set(body) == {"suggestion", "confidence", "reasoning"}
    assert 0 <= body["confidence"] <= 1 and "Acme" in body["suggestion"]


def test_max_tokens_cuts_with_finish_reason_length():
    answer = EmbeddedProvider().answer([Message("user", "Tell me about Acme")], "lightweight", max_tokens=5)
    assert answer.finish_reason == "length" and answer.usage.completion_tokens <= 5


def test_stream_concatenates_to_the_whole_answer_and_ends_with_usage():
    provider = EmbeddedProvider()

    async def collect():
        return [chunk async for chunk in provider.stream([Message("user", "hello there")], "lightweight")]

    chunks = asyncio.run(collect())
    whole = provider.answer([Message("user", "hello there")], "lightweight")
    assert "".join(c.text for c in chunks) == whole.text
    assert chunks[-1].done and chunks[-1].usage == whole.usage and not any(c.done for c in chunks[:-1])


def test_split_for_streaming_is_lossless():
    text = "  Call  the owner,\nthen  wait. "
    assert "".join(split_for_streaming(text)) == text.rstrip() or "".join(split_for_streaming(text)) == text


def test_default_provider_is_embedded():
    assert provider_from_env({}).name == "embedded"
