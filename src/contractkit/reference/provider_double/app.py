"""The provider double: an LLM provider over HTTP whose failures a test chooses.

Point neuron/ (or any AI service) at it as an OpenAI-compatible, Anthropic or Ollama endpoint.
A fault is chosen per request with the ``X-Double-Fault`` header, or armed for the next requests
with ``POST /_control/faults {"mode": ..., "count": n}`` (``count`` omitted: until
``DELETE /_control/faults``). ``GET /_control/faults`` shows what is armed and how many
requests the double has seen.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from contractkit.llm import EmbeddedProvider, Message
from contractkit.llm.anthropic import ANTHROPIC_TIERS
from contractkit.llm.embedded import EMBEDDED_TIERS
from contractkit.llm.ollama import OLLAMA_TIERS
from contractkit.llm.openai_compat import OPENAI_TIERS
from contractkit.llm.tokens import split_for_streaming
from contractkit.reference.connection import RAW_SEND, reset_connection
from contractkit.reference.provider_double import wire
from contractkit.reference.provider_double.faults import FAULT_HEADER, FAULT_MODES, FaultBoard

_TIER_OF_MODEL = {model: tier for table in (EMBEDDED_TIERS, OPENAI_TIERS, ANTHROPIC_TIERS, OLLAMA_TIERS)
                  for tier, model in table.items()}
_MEDIA = {wire.OPENAI: "text/event-stream", wire.ANTHROPIC: "text/event-stream", wire.OLLAMA: "application/x-ndjson"}


class ProviderDouble:
    """``app`` is the ASGI application; ``faults`` the board ``/_control/faults`` arms."""

    def __init__(self, *, hang_s: float = 30.0, slow_token_delay_s: float = 0.5, retry_after_s: int = 2,
                 truncate_after_tokens: int = 3) -> None:
        self.model = EmbeddedProvider()
        self.faults = FaultBoard()
        self.hang_s = hang_s
        self.slow_token_delay_s = slow_token_delay_s
        self.retry_after_s = retry_after_s
        self.truncate_after_tokens = truncate_after_tokens
        self.requests = 0
        self._starlette = Starlette(routes=[
            Route("/v1/chat/completions", self._openai, methods=["POST"]),
            Route("/chat/completions", self._openai, methods=["POST"]),
            Route("/v1/messages", self._anthropic, methods=["POST"]),
            Route("/api/chat", self._ollama, methods=["POST"]),
            Route("/_control/faults", self._control, methods=["GET", "POST", "DELETE"]),
            Route("/health", self._health, methods=["GET"]),
        ])

        self.app = _ExposeServerSend(self._starlette)

    async def _health(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def _control(self, request: Request) -> JSONResponse:
        if request.method == "DELETE":
            self.faults.clear()
        elif request.method == "POST":
            try:
                body = json.loads(await request.body())
                count = body.get("count")
                self.faults.arm(str(body["mode"]), None if count is None else int(count))
            except (ValueError, KeyError, TypeError, AttributeError):
                return JSONResponse({"error": f"send {{\"mode\": one of {', '.join(FAULT_MODES)}, \"count\": n}}"},
                                    status_code=400)
        return JSONResponse({"armed": self.faults.describe(), "requests": self.requests, "modes": list(FAULT_MODES)})

    async def _openai(self, request: Request) -> Response:
        return await self._serve(request, wire.OPENAI)

    async def _anthropic(self, request: Request) -> Response:
        return await self._serve(request, wire.ANTHROPIC)

    async def _ollama(self, request: Request) -> Response:
        return await self._serve(request, wire.OLLAMA)

    async def _serve(self, request: Request, kind: str) -> Response:
        self.requests += 1
        try:
            body = json.loads(await request.body())
            messages = [Message(str(m["role"]), str(m["content"])) for m in body["messages"]]
            if kind == wire.ANTHROPIC and body.get("system"):
                messages.insert(0, Message("system", str(body["system"])))
            model = str(body.get("model", "double"))
            max_tokens = int(body.get("max_tokens") or (body.get("options") or {}).get("num_predict") or 512)
        except (ValueError, KeyError, TypeError, AttributeError):
            return JSONResponse(wire.error_body(kind, 400, "invalid request"), status_code=400)
        streamed = bool(body.get("stream", kind == wire.OLLAMA))
        fault = request.headers.get(FAULT_HEADER) or self.faults.take()
        answer = self.model.answer(messages, _TIER_OF_MODEL.get(model, "balanced"), max_tokens)

        if fault == "error_5xx":
            return JSONResponse(wire.error_body(kind, 503, "the provider is overloaded"), status_code=503)
        if fault == "rate_limit":
            return JSONResponse(wire.error_body(kind, 429, "rate limited"), status_code=429,
                                headers={"Retry-After": str(self.retry_after_s)})
        if fault == "hang":
            await _wait_for_disconnect(request, self.hang_s)
            return JSONResponse(wire.error_body(kind, 504, "gave up"), status_code=504)
        if fault == "reset" and reset_connection(request.scope):
            return Response(status_code=204)  # never reaches the client: the connection is gone
        if fault == "malformed":
            return Response(b'{"this is": not the wire format', media_type="application/json")
        if not streamed:
            if fault == "slow_tokens":  # the whole answer waits for all its tokens (or for the client to leave)
                await _wait_for_disconnect(request, self.slow_token_delay_s * len(split_for_streaming(answer.text)))
            if fault == "truncated_stream":
                return _truncated_json(wire.whole(kind, model, answer), request.scope)
            return JSONResponse(wire.whole(kind, model, answer))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage", kind != wire.OPENAI))
        return StreamingResponse(self._frames(request, kind, model, answer, fault, include_usage),
                                 media_type=_MEDIA[kind])

    async def _frames(self, request: Request, kind: str, model: str, answer: Any, fault: str | None,
                      include_usage: bool) -> AsyncIterator[bytes]:
        for frame in wire.opening(kind, model, answer):
            yield frame
        for i, text in enumerate(split_for_streaming(answer.text)):
            if fault == "truncated_stream" and i >= self.truncate_after_tokens:
                reset_connection(request.scope)
                return
            if fault == "slow_tokens":
                await asyncio.sleep(self.slow_token_delay_s)
            yield wire.piece(kind, model, text)
        for frame in wire.closing(kind, model, answer, include_usage):
            yield frame


class _ExposeServerSend:
    """Keeps the server's own ``send`` in the scope: it is what lets ``reset`` reach the socket."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope[RAW_SEND] = send
        await self.app(scope, receive, send)


def _truncated_json(body: dict[str, Any], scope: dict[str, Any]) -> Response:
    """A response that announces its whole length but stops halfway."""
    data = json.dumps(body).encode()

    class Truncated(Response):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
            await send({"type": "http.response.body", "body": data[: len(data) // 2], "more_body": True})
            reset_connection(scope)
            await send({"type": "http.response.body", "body": b""})  # to the closed connection: dropped

    return Truncated()


async def _wait_for_disconnect(request: Request, limit_s: float) -> None:
    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(disconnected(), limit_s)
    except TimeoutError:
        return
