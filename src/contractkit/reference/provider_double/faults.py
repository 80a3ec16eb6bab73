"""Which fault the provider double plays for a request: per request (header) or armed by control.

Modes: ``error_5xx``, ``rate_limit`` (429 + Retry-After), ``hang`` (no answer until the client
gives up), ``reset`` (TCP reset), ``malformed`` (200 that is not the wire format),
``truncated_stream`` (stops mid-answer without the terminator), ``slow_tokens`` (paced tokens).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

FAULT_MODES = ("error_5xx", "rate_limit", "hang", "reset", "malformed", "truncated_stream", "slow_tokens")
FAULT_HEADER = "X-Double-Fault"


@dataclass
class ArmedFault:
    mode: str
    remaining: int | None  # None: until cleared


class FaultBoard:
    """Faults armed through ``/_control/faults``; each request takes the next one."""

    def __init__(self) -> None:
        self._armed: deque[ArmedFault] = deque()
        self._lock = threading.Lock()

    def arm(self, mode: str, count: int | None = None) -> None:
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {mode!r}")
        with self._lock:
            self._armed.append(ArmedFault(mode, count))

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def take(self) -> str | None:
        with self._lock:
            if not self._armed:
                return None
            fault = self._armed[0]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._armed.popleft()
            return fault.mode

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"mode": f.mode, "remaining": f.remaining} for f in self._armed]
