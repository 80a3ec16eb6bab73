"""The JSON-lines audit log: one record per tool call, with caller, outcome and duration.

Records carry the fields the spec's ``audit_log.fields`` lists (every field the format knows
when it lists none), each under the key ``audit_log.keys`` gives it (its own name otherwise).
Argument values under a key that contains any of the spec's ``redact`` words (case-insensitive,
at any depth) are replaced by ``"[REDACTED]"``; the spec names the words, the log assumes none.
Each record is one ``write`` of one line under a lock, flushed at once, so a reader tailing the
file never sees half a record.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REDACTED = "[REDACTED]"
FIELDS = ("time", "caller", "server", "tool", "outcome", "duration_ms", "arguments", "request_id")


def redact(value: Any, words: Iterable[str]) -> Any:
    """``value`` with every mapping entry whose key contains a redaction word replaced."""
    needles = tuple(w.lower() for w in words)
    if isinstance(value, dict):
        return {k: REDACTED if any(n in str(k).lower() for n in needles) else redact(v, needles)
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, needles) for v in value]
    return value


class AuditLog:
    """Appends audit records to ``path`` (a JSON-lines file), or keeps them in memory if ``path`` is None."""

    def __init__(self, path: str | Path | None, *, server: str, redact_words: Iterable[str] = (),
                 keys: dict[str, str] | None = None) -> None:
        self.path = Path(path) if path else None
        self.server = server
        self.redact_words = tuple(redact_words)
        self.keys = dict(keys) if keys else {f: f for f in FIELDS}  # field -> the key it is written under
        self.records: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch()

    def record(self, *, caller: str, tool: str, outcome: str, started: float, arguments: Any,
               request_id: Any = None) -> None:
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "caller": caller,
            "server": self.server,
            "tool": tool,
            "outcome": outcome,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            "arguments": redact(arguments, self.redact_words),
            "request_id": request_id,
        }
        entry = {self.keys[f]: value for f, value in entry.items() if f in self.keys}
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
        with self._lock:
            self.records.append(entry)
            if self.path:
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(line)
                    fh.flush()
