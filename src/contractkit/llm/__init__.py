"""The LLM client layer: one interface, one adapter per vendor wire format, one error hierarchy.

``provider_from_env()`` builds what ``LLM_PROVIDER`` names (``embedded`` by default). Adapters
live in ``embedded.py``, ``openai_compat.py``, ``anthropic.py`` and ``ollama.py``; their failures
are the classes of ``errors.py``.
"""

from contractkit.llm.anthropic import AnthropicProvider
from contractkit.llm.base import MODEL_TIERS, Completion, LLMProvider, Message, StreamChunk, TierModels, Usage
from contractkit.llm.config import PROVIDERS, provider_from_env
from contractkit.llm.embedded import EmbeddedProvider
from contractkit.llm.errors import (
    ProviderConfigError,
    ProviderError,
    ProviderRateLimitError,
    ProviderResponseError,
    ProviderStreamError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from contractkit.llm.ollama import OllamaProvider
from contractkit.llm.openai_compat import OpenAICompatibleProvider
from contractkit.llm.tokens import count_tokens

__all__ = [
    "MODEL_TIERS",
    "PROVIDERS",
    "AnthropicProvider",
    "Completion",
    "EmbeddedProvider",
    "LLMProvider",
    "Message",
    "OllamaProvider",
    "OpenAICompatibleProvider",
    "ProviderConfigError",
    "ProviderError",
    "ProviderRateLimitError",
    "ProviderResponseError",
    "ProviderStreamError",
    "ProviderTimeoutError",
    "ProviderUnavailableError",
    "StreamChunk",
    "TierModels",
    "Usage",
    "count_tokens",
    "provider_from_env",
]
