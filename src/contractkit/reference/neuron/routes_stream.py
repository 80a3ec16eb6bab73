"""``POST /chat/stream``: one chat turn as server-sent events (sse-starlette)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from contractkit.reference.neuron.bodies import ChatBody
from contractkit.reference.neuron.frames import chat_frames
from contractkit.reference.neuron.ratelimit import Granted
from contractkit.reference.neuron.state import operation_of

router = APIRouter()


@router.post("/chat/stream", operation_id="chatStream")
async def chat_stream(request: Request, token: Granted,
                      body: ChatBody) -> EventSourceResponse:
    state = request.app.state.neuron
    frames = chat_frames(state, operation_of(request), request.state.request_id, body, dict(request.headers))

    async def events() -> AsyncIterator[ServerSentEvent]:
        async for frame in frames:
            yield ServerSentEvent(data=json.dumps(frame, separators=(",", ":")), event=frame["type"])

    headers = {"Cache-Control": "no-store", **getattr(request.state, "rate_limit_headers", {})}
    return EventSourceResponse(events(), headers=headers, ping=10)
