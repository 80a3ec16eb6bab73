"""Reading a text/event-stream answer into (event type, JSON data or None, raw data) with httpx-sse."""

from __future__ import annotations

import json
from typing import Any

import httpx
from httpx_sse import EventSource

from contractkit.conformance.http import Exchange

Event = tuple[str, Any, str]


def parse_sse(exchange: Exchange) -> list[Event]:
    """The events of a (fully read, capped) SSE body; unparsable data gives ``None`` as JSON."""
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=exchange.body)
    events: list[Event] = []
    for sse in EventSource(response).iter_sse():
        try:
            data = json.loads(sse.data)
        except ValueError:
            data = None
        events.append((sse.event or "message", data, sse.data))
    return events
