"""Review jobs: the long-running form of an AI answer (``POST /account-reviews`` answers 202).

A job is created queued, runs the analysis in the background within the operation's deadline,
and ends ``succeeded`` (with the answer, degraded if the provider failed) or ``failed`` (with a
problem). The store keeps the most recent jobs only, and one example job that always exists
(the spec's example of ``x-subject``), so a record can be looked up by a known id.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from typing import Any

EXAMPLE_JOB_ID = "rev_example000001"
MAX_JOBS = 2000

_EXAMPLE = {
    "id": EXAMPLE_JOB_ID,
    "status": "succeeded",
    "result": {
        "analysis": "A steady account with growing usage.",
        "confidence": 0.72,
        "reasoning": "Usage grew for three quarters; no support escalations.",
        "token_count": 180,
        "cost_usd": 0.00054,
        "model_tier": "balanced",
        "fallback": False,
    },
}


class JobStore:
    """The jobs neuron/ knows, newest last; thread-safe."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, dict[str, Any]] = OrderedDict({EXAMPLE_JOB_ID: dict(_EXAMPLE)})
        self._lock = threading.Lock()

    def create(self) -> dict[str, Any]:
        job = {"id": "rev_" + secrets.token_hex(10), "status": "queued"}
        with self._lock:
            self._jobs[job["id"]] = job
            while len(self._jobs) > MAX_JOBS:
                oldest = next(k for k in self._jobs if k != EXAMPLE_JOB_ID)
                del self._jobs[oldest]
        return dict(job)

    def update(self, job_id: str, **fields: Any) -> None:
        with self._lock:
            if job_id in self._jobs:
                self._jobs[job_id] = {**self._jobs[job_id], **fields}

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return dict(job) if job is not None else None
