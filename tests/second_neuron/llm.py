"""The churn service's embedded "language model": deterministic, priced, and able to fail on demand.

Answers are derived from a hash of (tier, prompt), so a streamed answer and the whole answer to
the same prompt are the same words with the same token count; that is what lets the suite
compare them. Failures are the ones a real provider has (5xx, a hang, a 429, garbage, a stream
that breaks after three tokens), selected per request by the X-Chaos fault header.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

# usd per 1k tokens, exactly as the spec's x-pricing says
PRICES: dict[str, Decimal] = {"mini": Decimal("0.0004"), "pro": Decimal("0.0021")}
ROUNDING_DECIMALS = 8
SYSTEM_TOKENS = 12  # the service's own instructions, counted like a real provider counts them
CUT_AFTER = 3  # tokens before an interrupted stream breaks
HANG_S = 30.0

# X-Chaos header value -> fault mode (the spec's x-fault-injection modes)
CHAOS_VALUES: dict[str, str] = {
    "upstream-5xx": "provider_error",
    "upstream-hang": "provider_timeout",
    "upstream-429": "provider_rate_limit",
    "upstream-garbage": "provider_malformed",
    "upstream-cut": "stream_interrupted",
}

_WORDS = ("renewal", "usage", "dropped", "after", "the", "pricing", "change", "and", "support", "tickets",
          "doubled", "so", "schedule", "a", "call", "with", "their", "champion", "this", "week", "offer",
          "training", "review", "seats", "budget", "risk", "is", "rising", "steady", "expansion")


class ProviderFailure(Exception):
    """The model failed; ``code`` is what the service reports, never the provider's own text."""

    def __init__(self, mode: str) -> None:
        super().__init__(mode)
        self.mode = mode


@dataclass(frozen=True)
class Usage:
    tokens: int
    tier: str

    @property
    def cost_usd(self) -> float:
        return price(self.tokens, self.tier)

    def as_json(self) -> dict[str, float | int]:
        return {"tokens": self.tokens, "cost_usd": self.cost_usd}


def price(tokens: int, tier: str, rate: Decimal | None = None) -> float:
    """tokens / 1000 x the tier's rate, rounded half-even to the declared decimals."""
    value = Decimal(tokens) / 1000 * (rate if rate is not None else PRICES[tier])
    return float(value.quantize(Decimal(1).scaleb(-ROUNDING_DECIMALS), rounding=ROUND_HALF_EVEN))


def prompt_tokens(prompt: str) -> int:
    return SYSTEM_TOKENS + len(prompt.split())


def pieces(prompt: str, tier: str) -> list[str]:
    """The answer to ``prompt`` as the stream's pieces (one word and its trailing space each)."""
    digest = hashlib.sha256(f"{tier}\x00{prompt}".encode()).digest()
    count = 5 + digest[0] % 9
    words = [_WORDS[digest[1 + i] % len(_WORDS)] for i in range(count)]
    words[0] = words[0].capitalize()
    return [w + " " for w in words]


def score(*parts: str) -> float:
    """A deterministic score in [0, 1] for the given inputs."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return round(int.from_bytes(digest[:4], "big") / 0xFFFFFFFF, 3)


class Model:
    """Streams pieces of an answer; fails the way ``fault`` names, before or during the answer."""

    def __init__(self, piece_delay_s: float = 0.002) -> None:
        self.piece_delay_s = piece_delay_s

    async def stream(self, prompt: str, tier: str, fault: str | None) -> AsyncIterator[str]:
        if fault == "provider_timeout":
            await asyncio.sleep(HANG_S)
        if fault in ("provider_error", "provider_rate_limit", "provider_malformed"):
            raise ProviderFailure(fault)
        for index, piece in enumerate(pieces(prompt, tier)):
            if fault == "stream_interrupted" and index == CUT_AFTER:
                raise ProviderFailure(fault)
            await asyncio.sleep(self.piece_delay_s)
            yield piece

    async def complete(self, prompt: str, tier: str, fault: str | None, timeout_s: float) -> tuple[str, Usage]:
        """The whole answer, or ProviderFailure (a hang becomes one after ``timeout_s``)."""

        async def collect() -> list[str]:
            return [piece async for piece in self.stream(prompt, tier, fault)]

        try:
            got = await asyncio.wait_for(collect(), timeout_s)
        except TimeoutError:
            raise ProviderFailure("provider_timeout") from None
        return "".join(got), Usage(prompt_tokens(prompt) + len(got), tier)
