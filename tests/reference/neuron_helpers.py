"""Helpers of the reference tests: problem-body assertions and an SSE frame parser."""

from __future__ import annotations

import json
from typing import Any

import httpx

from contractkit.reference.neuron.contract import NeuronContract

CUSTOMER = "3f2b8c1e-5d4a-4c6b-9e2f-7a1d0c9b8e21"
UNKNOWN_CUSTOMER = "00000000-0000-4000-8000-000000000000"


def assert_problem(contract: NeuronContract, response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    errors = [e.message for e in contract.validator("Problem").iter_errors(body)]
    assert not errors, errors
    assert body["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def sse_frames(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(event, data) pairs of an SSE body, parsed by the rules of the format (comments skipped)."""
    frames = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        event, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
        if data:
            frames.append((event, json.loads("\n".join(data))))
    return frames
