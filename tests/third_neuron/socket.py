"""The payables WebSocket: dispute letters drafted turn by turn over one connection.

The token comes as the ``access_token`` query parameter (browsers cannot set headers on a
WebSocket). A connection whose token is missing, invalid, expired or without ``disputes:write``
is accepted and closed at once with 4003, before any data frame; a message that is not a draft
request closes it with 4400. Each turn is ``draft_start`` (with the tier), ``draft_piece`` frames,
then ``draft_end`` with usage, or ``draft_error`` when the model fails.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from contractkit.llm import ProviderError
from contractkit.reference.token_issuer.verifier import InvalidTokenError

from .support import PROVIDER_TIER, VALIDATORS, Problem, price

if TYPE_CHECKING:
    from .service import Payables

AUTH_FAILED, BAD_MESSAGE = 4003, 4400
SCOPE = "disputes:write"
TIMEOUT_S = 1.5


async def draft_socket(service: Payables, ws: WebSocket) -> None:
    await ws.accept()
    try:
        verified = service.credentials.verifier.verify(ws.query_params.get("access_token"))
    except InvalidTokenError:
        await ws.close(AUTH_FAILED)
        return
    if SCOPE not in verified.scopes and service.defect != "socket_unscoped_admitted":
        await ws.close(AUTH_FAILED)
        return
    await ws.send_json({"type": "session", "session_id": secrets.token_hex(8)})
    try:
        while True:
            ask = _ask(await ws.receive_text())
            if ask is None:
                await ws.close(BAD_MESSAGE)
                return
            await _turn(service, ws, ask)
    except WebSocketDisconnect:
        return


def _ask(text: str) -> dict[str, Any] | None:
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return message if not any(VALIDATORS["DraftAsk"].iter_errors(message)) else None


async def _turn(service: Payables, ws: WebSocket, ask: dict[str, Any]) -> None:
    invoice_id = ask["invoice_id"]
    try:
        prompt = service.letter_prompt(invoice_id, ask)
    except Problem:
        await ws.send_json({"type": "draft_error", "code": "not_found", "message": f"No invoice {invoice_id}."})
        return
    await ws.send_json({"type": "draft_start", "invoice_id": invoice_id, "tier": "deep"})
    chunks = service.model.stream(service.messages_for(prompt), PROVIDER_TIER["deep"], max_tokens=400).__aiter__()
    n = 0
    try:
        while True:
            chunk = await asyncio.wait_for(chunks.__anext__(), TIMEOUT_S)
            if chunk.done:
                tokens = chunk.usage.total_tokens
                service.health.degraded = False
                await ws.send_json({"type": "draft_end", "usage": {"tokens": tokens, "usd": price(tokens, "deep")}})
                return
            if chunk.text:
                await ws.send_json({"type": "draft_piece", "n": n, "text": chunk.text})
                n += 1
    except (ProviderError, TimeoutError, StopAsyncIteration):
        service.health.degraded = True
        await ws.send_json({"type": "draft_error", "code": "model_unavailable", "message": "The model stopped."})
