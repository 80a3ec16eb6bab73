"""The faults the double can play, and how one is chosen for a request.

The vocabulary is the spec's ``x-fault-injection`` modes (a provider failure behind neuron/, which
neuron/ answers with its declared fallback) plus what a consumer meets when neuron/ itself
misbehaves (slow, throttled, broken bodies and streams, down). A fault is chosen, first match:

1. per request, by the ``X-Neuron-Double-Fault`` header (a fault name) or the spec's own
   ``x-fault-injection`` header with the spec's value for a mode;
2. per operation, armed through the control endpoint (``POST /_double/faults``);
3. by the seeded schedule (``--faults provider_error=0.1,timeout=0.05 --seed 7``): the n-th call of
   an operation draws from ``Random(seed, operation, n)``, so the same calls get the same faults.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from contractkit.double.generate import seeded
from contractkit.errors import ConfigError
from contractkit.spec.neuron import NeuronSpec

FAULT_HEADER = "X-Neuron-Double-Fault"
ANY_OPERATION = "*"


@dataclass(frozen=True)
class Fault:
    """One fault: its name, where it acts, and what the consumer sees."""

    name: str
    acts_on: str  # provider: behind neuron/ (the fallback answers) | neuron: neuron/ itself | transport
    summary: str
    streams_only: bool = False
    websocket_only: bool = False
    whole_only: bool = False

    def applies_to(self, kind: str) -> bool:
        """Whether the fault can be played on a call of this kind: whole (a JSON answer), sse or ws."""
        if self.websocket_only:
            return kind == "ws"
        if self.streams_only:
            return kind in ("sse", "ws")
        return kind == "whole" if self.whole_only else True


_TABLE = (
    Fault("provider_error", "provider", "the provider fails: the declared fallback (a degraded answer, or 503 "
          "with Retry-After)"),
    Fault("provider_timeout", "provider", "the provider hangs: the fallback, after a wait, within the deadline"),
    Fault("provider_rate_limit", "provider", "the provider refuses with 429: the declared fallback"),
    Fault("provider_malformed", "provider", "the provider answers garbage: the declared fallback"),
    Fault("stream_interrupted", "provider", "the provider breaks mid-answer: a stream ends with its error frame "
          "(a whole answer falls back)"),
    Fault("slow", "neuron", "neuron/ answers only after the operation's deadline"),
    Fault("rate_limited", "neuron", "429 with Retry-After and the error body"),
    Fault("server_error", "neuron", "500 with the error body"),
    Fault("malformed_json", "neuron", "a success status whose body is not JSON"),
    Fault("truncated_body", "neuron", "a success status whose body is cut short (Content-Length not reached)",
          whole_only=True),
    Fault("stream_cut", "neuron", "the stream's connection drops after a few frames", streams_only=True),
    Fault("stream_no_terminal", "neuron", "the stream ends cleanly without its terminal frame", streams_only=True),
    Fault("ws_no_terminal", "neuron", "the WebSocket closes (1000) without a terminal frame", websocket_only=True),
    Fault("slow_tokens", "neuron", "a stream's frames trickle in, one every half second", streams_only=True),
    Fault("connection_reset", "transport", "the connection is reset before any answer"),
    Fault("down", "transport", "neuron/ is down: connection refused (chaos points the consumer at a closed "
          "port; on a live double, a reset)"),
)
FAULTS: dict[str, Fault] = {f.name: f for f in _TABLE}
ALIASES = {"error": "provider_error", "timeout": "provider_timeout", "malformed": "provider_malformed",
           "throttled": "rate_limited", "429": "rate_limited", "500": "server_error", "reset": "connection_reset",
           "cut": "stream_cut", "refused": "down"}
SPEC_MODES = ("provider_error", "provider_timeout", "provider_rate_limit", "provider_malformed", "stream_interrupted")


def fault_named(name: str) -> Fault:
    """The fault a user named (an alias too); ConfigError naming the known ones otherwise."""
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in FAULTS:
        raise ConfigError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
    return FAULTS[key]


def parse_fault_rates(text: str | None, default_rate: float | None = None) -> dict[str, float]:
    """``provider_error=0.1,timeout=0.05`` -> {fault: rate}; a bare name gets ``default_rate``."""
    rates: dict[str, float] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        name, _, raw = item.partition("=")
        fault = fault_named(name)
        if not raw:
            if default_rate is None:
                raise ConfigError(f"--faults: give a rate for {name.strip()} (name=rate, 0 to 1)")
            rates[fault.name] = default_rate
            continue
        try:
            rate = float(raw)
        except ValueError:
            raise ConfigError(f"--faults: the rate of {name.strip()} is not a number: {raw!r}") from None
        if not 0 <= rate <= 1:
            raise ConfigError(f"--faults: the rate of {name.strip()} must be from 0 to 1, not {raw}")
        rates[fault.name] = rate
    if sum(rates.values()) > 1 + 1e-9:
        raise ConfigError("--faults: the rates add up to more than 1")
    return rates


@dataclass
class Armed:
    fault: str
    remaining: int | None  # None: until cleared


class FaultPlan:
    """Which fault (if any) a request gets, by header, by what is armed, or by the schedule."""

    def __init__(self, spec: NeuronSpec, rates: Mapping[str, float] | None = None, seed: int = 0) -> None:
        hook = spec.fault_injection
        self.hook_header = str(hook.get("header") or "").lower() or None
        self.hook_values = {str(spec.fault_value(m)).lower(): m for m in SPEC_MODES if spec.fault_value(m)}
        self.rates = dict(rates or {})
        self.seed = seed
        self.armed: dict[str, Armed] = {}
        self._calls: dict[str, int] = {}
        self._lock = threading.Lock()

    def choose(self, operation: str, headers: Mapping[str, str], kind: str = "whole") -> tuple[str | None, str]:
        """(fault name or None, how it was chosen: header | spec-header | armed | schedule | none); a fault
        that cannot be played on a call of this ``kind`` (say, a stream fault on a whole answer) is None."""
        name, source = self._choose(operation, headers)
        if name is not None and not FAULTS[name].applies_to(kind):
            return None, "not-applicable"
        return name, source

    def _choose(self, operation: str, headers: Mapping[str, str]) -> tuple[str | None, str]:
        lowered = {k.lower(): v for k, v in headers.items()}
        asked = lowered.get(FAULT_HEADER.lower(), "").strip()
        if asked:
            return fault_named(asked).name, "header"
        if self.hook_header and lowered.get(self.hook_header):
            mode = self.hook_values.get(lowered[self.hook_header].strip().lower())
            if mode:
                return mode, "spec-header"
        with self._lock:
            for key in (operation, ANY_OPERATION):
                armed = self.armed.get(key)
                if armed is not None:
                    if armed.remaining is not None:
                        armed.remaining -= 1
                        if armed.remaining <= 0:
                            del self.armed[key]
                    return armed.fault, "armed"
            n = self._calls.get(operation, 0)
            self._calls[operation] = n + 1
        if self.rates:
            draw = seeded(self.seed, "schedule", operation, n).random()
            total = 0.0
            for name, rate in self.rates.items():
                total += rate
                if draw < total:
                    return name, "schedule"
        return None, "none"

    def arm(self, fault: str, operation: str = ANY_OPERATION, count: int | None = None) -> None:
        name = fault_named(fault).name
        with self._lock:
            self.armed[operation] = Armed(name, count)

    def clear(self, operation: str | None = None) -> None:
        with self._lock:
            if operation is None:
                self.armed.clear()
            else:
                self.armed.pop(operation, None)

    def reset_schedule(self) -> None:
        with self._lock:
            self._calls.clear()

    def provider_fault_armed(self) -> bool:
        return any(FAULTS[a.fault].acts_on == "provider" for a in self.armed.values())

    def snapshot(self) -> dict[str, object]:
        return {"armed": {k: {"fault": a.fault, "remaining": a.remaining} for k, a in self.armed.items()},
                "schedule": self.rates, "seed": self.seed, "header": FAULT_HEADER,
                "faults": {f.name: f.summary for f in _TABLE}}
