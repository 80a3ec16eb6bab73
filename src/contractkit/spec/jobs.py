"""The async-job declaration (``x-ai-operation.job``): an operation whose answer is at a job.

Long-running AI operations answer ``202 Accepted`` with the location of a job; the job answers
pending, then done with the result (or failed). The declaration says where the job is, how its
states are told apart, where its result is, how often to ask and how long the whole may take::

    x-ai-operation:
      deadline_ms: 60000                  # from the request to the job's final answer
      job:
        operation: getRiskJob             # the GET that answers the job (validates its answers)
        location: header:Location         # or a body pointer, e.g. /job_url
        status: /status                   # where a job answer says its state
        pending: [queued, running]
        done: [succeeded]
        failed: [failed]
        result: /result                   # where a done job carries the answer
        failed_status: /problem/status    # where a failed job gives its problem's HTTP status
        poll_interval_ms: 500

The rules that read an answer (usage, fallback, deadline, schema) follow the job to its final
answer; the pointers of ``x-ai-operation`` (usage, marker, answer text) are read on that answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contractkit.spec.pointers import is_valid

DEFAULT_POLL_INTERVAL_MS = 500


@dataclass(frozen=True)
class JobSpec:
    """How an async operation's job is followed to its final answer."""

    location: str
    status: str
    pending: tuple[Any, ...]
    done: tuple[Any, ...]
    failed: tuple[Any, ...]
    result: str | None = None
    operation: str | None = None
    poll_interval_ms: int = DEFAULT_POLL_INTERVAL_MS
    accepted_status: int = 202
    failed_status: str | None = None

    @classmethod
    def read(cls, raw: Any) -> JobSpec | None:
        """The job an ``x-ai-operation.job`` declares, or None when it is absent or unusable."""
        if not isinstance(raw, dict) or not is_valid(raw.get("location")) or not is_valid(raw.get("status")):
            return None
        states = {k: tuple(raw.get(k) or ()) for k in ("pending", "done", "failed")}
        if not states["pending"] or not states["done"]:
            return None
        interval = raw.get("poll_interval_ms", DEFAULT_POLL_INTERVAL_MS)
        return cls(raw["location"], raw["status"], states["pending"], states["done"], states["failed"],
                   raw.get("result") if is_valid(raw.get("result")) else None,
                   raw.get("operation") if isinstance(raw.get("operation"), str) else None,
                   int(interval) if isinstance(interval, int) and interval > 0 else DEFAULT_POLL_INTERVAL_MS,
                   int(raw.get("accepted_status", 202)),
                   raw.get("failed_status") if is_valid(raw.get("failed_status")) else None)

    @property
    def poll_interval_s(self) -> float:
        return self.poll_interval_ms / 1000

    def state(self, value: Any) -> str | None:
        """``pending``, ``done`` or ``failed`` for a job's status value; None if it is none of them."""
        for name, values in (("pending", self.pending), ("done", self.done), ("failed", self.failed)):
            if value in values:
                return name
        return None
