"""The record of what a consumer did: every call, the fault it met, and how the exchange went.

A call is a retry when the same client sends the same request (operation and body) again after
an answer that failed it (a 429 or 5xx, a fault, a cut stream); the record keeps how long it
waited against the ``Retry-After`` it was given. A failed call that nothing retried is where the
consumer gave up. Kept in memory, appended as JSON lines when a file is given, summarised for
``contractkit chaos``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RETRY_SLACK_S = 0.05
# faults of neuron/ itself (not of its provider, which neuron/ answers with its fallback)
NEURON_SIDE = frozenset({"slow", "rate_limited", "server_error", "malformed_json", "truncated_body", "stream_cut",
                         "stream_no_terminal", "ws_no_terminal", "connection_reset", "down"})


@dataclass
class Call:
    """One call the consumer made, as the double saw it."""

    n: int
    operation: str
    method: str
    path: str
    client: str
    request_key: str
    fault: str | None
    fault_source: str
    started: float
    status: int | None = None
    duration_s: float = 0.0
    retry_after_s: float | None = None
    retry_of: int | None = None
    waited_s: float | None = None
    honoured_retry_after: bool | None = None
    stream: str | None = None  # complete | error (ended by its error frame) | abandoned (the consumer stopped
    #                            reading) | cut (by the fault: no terminal frame)
    frames: int = 0
    degraded: bool = False
    hung_up: bool = False  # the consumer closed the connection before the answer began
    _ended: float = field(default=0.0, repr=False)

    @property
    def failed(self) -> bool:
        """An answer the consumer could not use as is (a degraded answer is usable: neuron/ handled
        its provider's failure), so retrying or giving up was its call."""
        if self.status is None or self.status == 429 or self.status >= 500 or self.stream in ("cut", "error") \
                or self.hung_up:
            return True
        return self.fault is not None and self.fault in NEURON_SIDE

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        out["duration_s"] = round(self.duration_s, 3)
        if self.waited_s is not None:
            out["waited_s"] = round(self.waited_s, 3)
        return out


class Record:
    """Every call of a run, in order; thread-safe (the double serves from one loop, chaos reads)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._last: dict[tuple[str, str, str], Call] = {}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def start(self, operation: str, method: str, path: str, client: str, request_key: str,
              fault: str | None, source: str) -> Call:
        now = time.time()
        with self._lock:
            call = Call(len(self.calls) + 1, operation, method, path, client, request_key, fault, source, now)
            previous = self._last.get((client, operation, request_key))
            if previous is not None and previous.failed and previous._ended:
                call.retry_of = previous.n
                call.waited_s = max(0.0, now - previous._ended)
                if previous.retry_after_s is not None:
                    call.honoured_retry_after = call.waited_s + RETRY_SLACK_S >= previous.retry_after_s
            self._last[(client, operation, request_key)] = call
            self.calls.append(call)
        return call

    def finish(self, call: Call) -> None:
        call._ended = time.time()
        call.duration_s = call._ended - call.started
        if self.path is not None:
            with self._lock, self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(call.as_dict(), separators=(",", ":")) + "\n")

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()
            self._last.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [c.as_dict() for c in self.calls]

    def summary(self) -> dict[str, Any]:
        """What chaos shows beside each mode: calls, faults played, retries, Retry-After honoured, giving up."""
        with self._lock:
            calls = list(self.calls)
        retried = {c.retry_of for c in calls if c.retry_of is not None}
        gave_up = [c for c in calls if c.failed and c.n not in retried]
        honoured = [c.honoured_retry_after for c in calls if c.honoured_retry_after is not None]
        give_up_times = []
        for last in gave_up:
            first = last
            while first.retry_of is not None:
                first = calls[first.retry_of - 1]
            give_up_times.append(last._ended - first.started if last._ended else 0.0)
        return {
            "calls": len(calls),
            "faulted": sum(1 for c in calls if c.fault),
            "statuses": _count(str(c.status) for c in calls),
            "retries": sum(1 for c in calls if c.retry_of is not None),
            "retry_after_honoured": sum(1 for h in honoured if h),
            "retry_after_ignored": sum(1 for h in honoured if not h),
            "gave_up": len(gave_up),
            "time_to_give_up_s": round(max(give_up_times), 3) if give_up_times else None,
            "streams_read_to_end": sum(1 for c in calls if c.stream in ("complete", "error")),
            "streams_abandoned": sum(1 for c in calls if c.stream == "abandoned"),
            "hung_up": sum(1 for c in calls if c.hung_up),
        }


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for value in values:
        out[value] = out.get(value, 0) + 1
    return out
