"""The provider interface every adapter implements, and the values it returns.

An adapter turns ``messages`` and a model tier into a :class:`Completion` (whole answer) or an
async stream of :class:`StreamChunk` ending with one chunk that carries the usage. Usage numbers
are the provider's own counts; neuron/ prices them, it never estimates them when the provider
reported them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

MODEL_TIERS = ("lightweight", "balanced", "advanced")


@dataclass(frozen=True)
class Message:
    """One chat message: ``role`` is system, user or assistant."""

    role: str
    content: str


@dataclass(frozen=True)
class Usage:
    """Token counts as the provider reported them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Completion:
    """A whole answer of the provider."""

    text: str
    usage: Usage
    model: str
    finish_reason: str = "stop"


@dataclass(frozen=True)
class StreamChunk:
    """A piece of a streamed answer; the last chunk has ``done`` set and carries the usage."""

    text: str = ""
    done: bool = False
    usage: Usage | None = None
    finish_reason: str | None = None


@dataclass
class TierModels:
    """Which model answers each tier; the seed's vendor guide gives the defaults per provider."""

    models: Mapping[str, str] = field(default_factory=dict)

    def model_for(self, tier: str) -> str:
        try:
            return self.models[tier]
        except KeyError:
            raise ValueError(f"unknown model tier {tier!r}; expected one of {', '.join(MODEL_TIERS)}") from None


class LLMProvider(ABC):
    """An LLM the AI layer can call; one implementation per vendor wire format."""

    name: str = "provider"

    def __init__(self, tiers: TierModels) -> None:
        self.tiers = tiers

    def model_for(self, tier: str) -> str:
        return self.tiers.model_for(tier)

    @abstractmethod
    async def complete(self, messages: list[Message], tier: str, *, max_tokens: int = 512) -> Completion:
        """The whole answer, or a :class:`~contractkit.llm.errors.ProviderError`."""

    @abstractmethod
    def stream(self, messages: list[Message], tier: str, *, max_tokens: int = 512) -> AsyncIterator[StreamChunk]:
        """Chunks of the answer; the last one has ``done=True`` and the usage."""

    async def aclose(self) -> None:
        """Release connections; adapters over httpx close their client here."""
        return None
