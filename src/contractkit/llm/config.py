"""Build the provider the environment asks for (the seed's environment-based configuration).

``LLM_PROVIDER``: ``embedded`` (default), ``openai`` (any OpenAI-compatible server: OpenAI, vLLM,
Ollama's ``/v1``), ``anthropic`` or ``ollama`` (native API). Per provider: ``OPENAI_BASE_URL`` /
``OPENAI_API_KEY``, ``ANTHROPIC_BASE_URL`` / ``ANTHROPIC_API_KEY``, ``OLLAMA_HOST``. Shared:
``LLM_TIMEOUT_SECONDS`` and ``LLM_MODEL_LIGHTWEIGHT`` / ``_BALANCED`` / ``_ADVANCED`` to override
the tier's model.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from contractkit.llm.anthropic import ANTHROPIC_TIERS, AnthropicProvider
from contractkit.llm.base import MODEL_TIERS, LLMProvider, TierModels
from contractkit.llm.embedded import EMBEDDED_TIERS, EmbeddedProvider
from contractkit.llm.errors import ProviderConfigError
from contractkit.llm.ollama import OLLAMA_TIERS, OllamaProvider
from contractkit.llm.openai_compat import OPENAI_TIERS, OpenAICompatibleProvider

PROVIDERS = ("embedded", "openai", "anthropic", "ollama")
_DEFAULT_TIERS = {"embedded": EMBEDDED_TIERS, "openai": OPENAI_TIERS, "anthropic": ANTHROPIC_TIERS,
                  "ollama": OLLAMA_TIERS}


def tiers_from_env(provider: str, env: Mapping[str, str]) -> TierModels:
    models = dict(_DEFAULT_TIERS[provider])
    for tier in MODEL_TIERS:
        override = env.get(f"LLM_MODEL_{tier.upper()}")
        if override:
            models[tier] = override
    return TierModels(models)


def provider_from_env(env: Mapping[str, str] | None = None) -> LLMProvider:
    """The provider named by ``LLM_PROVIDER``; ProviderConfigError when it cannot be built."""
    env = os.environ if env is None else env
    name = env.get("LLM_PROVIDER", "embedded").strip().lower() or "embedded"
    if name not in PROVIDERS:
        raise ProviderConfigError(f"LLM_PROVIDER={name!r} is not one of {', '.join(PROVIDERS)}")
    try:
        timeout = float(env.get("LLM_TIMEOUT_SECONDS", "10"))
    except ValueError:
        raise ProviderConfigError("LLM_TIMEOUT_SECONDS must be a number") from None
    tiers = tiers_from_env(name, env)
    if name == "openai":
        return OpenAICompatibleProvider(base_url=env.get("OPENAI_BASE_URL", "https://api.openai.com/v1"),
                                        api_key=env.get("OPENAI_API_KEY"), tiers=tiers, timeout_s=timeout)
    if name == "anthropic":
        return AnthropicProvider(base_url=env.get("ANTHROPIC_BASE_URL", "https://api.anthropic.com"),
                                 api_key=env.get("ANTHROPIC_API_KEY"), tiers=tiers, timeout_s=timeout)
    if name == "ollama":
        return OllamaProvider(base_url=env.get("OLLAMA_HOST", "http://localhost:11434"), tiers=tiers,
                              timeout_s=timeout)
    return EmbeddedProvider(tiers)
