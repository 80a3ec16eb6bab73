"""The helpdesk's audit log: one JSON line per tools/call, under the keys our contract names.

Argument values under any key containing one of the contract's ``redact`` words (at any depth,
case-insensitive) are written as ``"***"``.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

KEYS = {"time": "ts", "caller": "client", "tool": "tool_name", "arguments": "args", "outcome": "outcome",
        "request_id": "request_id"}


class AuditLog:
    def __init__(self, path: str | Path | None, redact: tuple[str, ...] = ("password", "token", "secret"),
                 *, skip_tool: str | None = None, redact_values: bool = True) -> None:
        self.path = Path(path) if path else None
        self.redact = tuple(w.lower() for w in redact)
        self.skip_tool = skip_tool  # a planted defect: calls of this tool are not audited
        self.redact_values = redact_values  # False is a planted defect
        self._lock = threading.Lock()

    def write(self, caller: str, tool: str, arguments: Any, outcome: str, request_id: Any) -> None:
        if self.path is None or tool == self.skip_tool:
            return
        record = {KEYS["time"]: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), KEYS["caller"]: caller,
                  KEYS["tool"]: tool, KEYS["arguments"]: self._scrub(arguments), KEYS["outcome"]: outcome,
                  KEYS["request_id"]: request_id}
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: "***" if self.redact_values and any(w in str(k).lower() for w in self.redact)
                    else self._scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrub(v) for v in value]
        return value
