"""The HTTP adapters against the provider double: wire formats, streaming, and failure mapping."""

from __future__ import annotations

import asyncio

import pytest

from contractkit.llm import (
    AnthropicProvider,
    EmbeddedProvider,
    Message,
    OllamaProvider,
    OpenAICompatibleProvider,
    ProviderConfigError,
    ProviderRateLimitError,
    ProviderResponseError,
    ProviderStreamError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    provider_from_env,
)
from contractkit.llm.base import TierModels

MESSAGES = [Message("system", "Be brief."), Message("user", "What next for Acme?")]
WIRES = ["openai", "anthropic", "ollama"]


def adapter(wire: str, url: str, timeout_s: float = 10.0):
    if wire == "openai":
        return OpenAICompatibleProvider(base_url=url + "/v1", api_key="k", timeout_s=timeout_s)
    if wire == "anthropic":
        return AnthropicProvider(base_url=url, api_key="k", timeout_s=timeout_s)
    return OllamaProvider(base_url=url, timeout_s=timeout_s)


# Only the modes about time run on a short deadline: a mode about anything else gets one no loaded
# machine reaches, so that its verdict cannot turn into a timeout.
TIMED_MODES = {"hang", "slow_tokens"}


def deadline_for(mode: str) -> float:
    return 0.5 if mode in TIMED_MODES else 10.0


def run(coro_factory):
    return asyncio.run(coro_factory())


async def _complete(provider, tier="balanced"):
    try:
        return await provider.complete(MESSAGES, tier)
    finally:
        await provider.aclose()


async def _stream(provider, tier="lightweight"):
    try:
        return [chunk async for chunk in provider.stream(MESSAGES, tier)]
    finally:
        await provider.aclose()


def expected(provider, tier):
    """What the double (which answers with the embedded model for the tier) says."""
    tiers = TierModels({t: f"embedded-{s}" for t, s in (("lightweight", "lite"), ("balanced", "base"),
                                                         ("advanced", "pro"))})
    del provider
    return EmbeddedProvider(tiers).answer(MESSAGES, tier)


@pytest.mark.parametrize("wire", WIRES)
def test_whole_answer_and_usage(double, wire):
    _, url = double
    answer = run(lambda: _complete(adapter(wire, url)))
    reference = expected(None, "balanced")
    assert answer.text == reference.text and answer.usage == reference.usage
    assert answer.finish_reason == "stop"


@pytest.mark.parametrize("wire", WIRES)
def test_streamed_answer_and_usage(double, wire):
    _, url = double
    chunks = run(lambda: _stream(adapter(wire, url)))
    reference = expected(None, "lightweight")
    assert "".join(c.text for c in chunks) == reference.text
    assert chunks[-1].done and chunks[-1].usage == reference.usage


FAILURES = [
    ("error_5xx", ProviderUnavailableError),
    ("rate_limit", ProviderRateLimitError),
    ("hang", ProviderTimeoutError),
    ("reset", ProviderUnavailableError),
    ("malformed", ProviderResponseError),
    ("truncated_stream", ProviderUnavailableError),
    ("slow_tokens", ProviderTimeoutError),
]


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(("mode", "error"), FAILURES)
def test_whole_answer_failures_map_onto_the_hierarchy(double, wire, mode, error):
    provider_double, url = double
    provider_double.faults.arm(mode, 1)
    try:
        with pytest.raises(error) as info:
            run(lambda: _complete(adapter(wire, url, timeout_s=deadline_for(mode))))
    finally:
        provider_double.faults.clear()
    if mode == "rate_limit":
        assert info.value.retry_after_s == provider_double.retry_after_s
    assert info.value.provider == wire


STREAM_FAILURES = [
    ("error_5xx", ProviderUnavailableError),
    ("rate_limit", ProviderRateLimitError),
    ("hang", ProviderTimeoutError),
    ("reset", ProviderUnavailableError),
    ("malformed", ProviderResponseError),
    ("truncated_stream", ProviderStreamError),
    ("slow_tokens", ProviderStreamError),
]


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(("mode", "error"), STREAM_FAILURES)
def test_stream_failures_map_onto_the_hierarchy(double, wire, mode, error):
    provider_double, url = double
    provider_double.faults.arm(mode, 1)
    try:
        with pytest.raises((error, ProviderStreamError)) as info:
            run(lambda: _stream(adapter(wire, url, timeout_s=deadline_for(mode))))
    finally:
        provider_double.faults.clear()
    if mode in {"truncated_stream", "slow_tokens"}:
        assert isinstance(info.value, ProviderStreamError)
    elif mode != "malformed":
        assert isinstance(info.value, error)


def test_per_request_fault_header_and_control_endpoint(double):
    import httpx

    provider_double, url = double
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    assert httpx.post(url + "/v1/chat/completions", json=body, headers={"X-Double-Fault": "error_5xx"}).status_code \
        == 503
    assert httpx.post(url + "/_control/faults", json={"mode": "rate_limit", "count": 2}).json()["armed"] == [
        {"mode": "rate_limit", "remaining": 2}]
    limited = [httpx.post(url + "/v1/chat/completions", json=body) for _ in range(3)]
    assert [r.status_code for r in limited] == [429, 429, 200]
    assert limited[0].headers["retry-after"] == str(provider_double.retry_after_s)
    assert httpx.post(url + "/_control/faults", json={"mode": "nope"}).status_code == 400
    httpx.post(url + "/_control/faults", json={"mode": "malformed"})
    assert httpx.post(url + "/v1/chat/completions", json=body).status_code == 200
    assert httpx.delete(url + "/_control/faults").json()["armed"] == []


def test_provider_from_env_builds_each_adapter_with_tier_overrides():
    env = {"LLM_PROVIDER": "openai", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "LLM_MODEL_BALANCED": "my-model",
           "LLM_TIMEOUT_SECONDS": "3"}
    provider = provider_from_env(env)
    assert isinstance(provider, OpenAICompatibleProvider)
    assert provider.model_for("balanced") == "my-model" and provider.model_for("lightweight") == "gpt-4o-mini"
    assert provider.timeout_s == 3
    assert isinstance(provider_from_env({"LLM_PROVIDER": "anthropic"}), AnthropicProvider)
    ollama = provider_from_env({"LLM_PROVIDER": "ollama"})
    assert isinstance(ollama, OllamaProvider) and ollama.model_for("lightweight") == "llama3.2:3b"
    with pytest.raises(ProviderConfigError):
        provider_from_env({"LLM_PROVIDER": "azure-magic"})
    with pytest.raises(ProviderConfigError):
        provider_from_env({"LLM_PROVIDER": "openai", "LLM_TIMEOUT_SECONDS": "soon"})
    with pytest.raises(ValueError):
        provider.model_for("gigantic")


def test_connection_refused_is_unavailable():
    from contractkit.servers import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ProviderUnavailableError):
        run(lambda: _complete(adapter("openai", dead)))
