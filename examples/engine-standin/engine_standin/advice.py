"""What engine/ shows its user: an answer from neuron/, a degraded one, or a friendly apology."""

from __future__ import annotations

from dataclasses import dataclass

SORRY = "Suggestions are unavailable right now. Please try again in a few minutes."


@dataclass(frozen=True)
class Advice:
    text: str
    source: str  # ai | degraded | unavailable
    cost_usd: float = 0.0
