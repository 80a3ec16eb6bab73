"""The ledger assistant (ledger-api.yaml): a small aiohttp neuron/ whose facts differ per operation.

Two kinds of entity (a supplier in a query parameter, an invoice in a header, each with its own
pattern and example), a data-only SSE chat whose opening frame names the model tier (the ending
frame carries tokens and cost, priced at that tier, not at the operation's default), and an
operation whose model takes longer than the suite's default request timeout but stays within the
operation's deadline. ``LedgerServer(defect=...)`` serves it on a free 127.0.0.1 port from a
thread; each defect breaks one promise of the spec (``DEFECTS``).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

SPEC_PATH = Path(__file__).with_name("ledger-api.yaml")
SUPPLIERS = {"sup_acmecorp": 0.82}
INVOICES = {"INV-004211": "It waits for a signed delivery note."}
SUPPLIER_RE = re.compile(r"^sup_[a-z]{8}$")
INVOICE_RE = re.compile(r"^INV-[0-9]{6}$")
RATES = {"lite": 0.0005, "pro": 0.004}
RATE_LIMITS = {"supplierScore": 20, "latestAudit": 5}  # per second, as the spec declares
RATE_WINDOW_S = 1.0
AUDIT_LATENCY_S = 1.5  # longer than the test's --request-timeout 1, well inside the 6 s deadline
MODEL_TIMEOUT_S = 1.0  # how long a hanging model is waited for before the fallback
FAULT_HEADER = "X-Ledger-Fault"

DEFECTS = {
    "stream_cost_default_tier": "the chat's ending frame is priced at the default tier, not the one it opened with",
    "invoice_unknown_200": "an unknown invoice gets an invented 200 explanation",
}


def _usage(tokens: int, tier: str) -> dict[str, Any]:
    return {"tokens": tokens, "cost_usd": round(tokens / 1000 * RATES[tier], 8)}


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"code": code, "message": message}, status=status, headers=headers)


class Ledger:
    """The handlers, with the one defect they play (or none)."""

    def __init__(self, defect: str | None = None) -> None:
        if defect is not None and defect not in DEFECTS:
            raise ValueError(f"unknown defect {defect!r}")
        self.defect = defect
        self._windows: dict[str, tuple[float, int]] = {}

    async def _model(self, request: web.Request, latency: float = 0.0) -> bool:
        """Whether the model answered (False: it failed as the fault header asks)."""
        fault = request.headers.get(FAULT_HEADER)
        if fault == "model-5xx":
            return False
        if fault == "model-hang":
            await asyncio.sleep(MODEL_TIMEOUT_S)
            return False
        await asyncio.sleep(latency)
        return True

    def _limited(self, operation: str) -> bool:
        """A fixed window per operation, counted when the request arrives."""
        now = time.monotonic()
        start, count = self._windows.get(operation, (0.0, 0))
        if now - start >= RATE_WINDOW_S:
            start, count = now, 0
        self._windows[operation] = (start, count + 1)
        return count + 1 > RATE_LIMITS[operation]

    async def supplier_score(self, request: web.Request) -> web.Response:
        if self._limited("supplierScore"):
            return _error(429, "rate_limited", "Too many requests.", {"Retry-After": "1"})
        supplier = request.query.get("supplier", "")
        if not SUPPLIER_RE.match(supplier) or len(request.query.getall("supplier", [])) != 1:
            return _error(400, "bad_input", "supplier must look like sup_ and eight letters.")
        if supplier not in SUPPLIERS:
            return _error(404, "unknown_supplier", "No supplier has this id.")
        if not await self._model(request):
            return web.json_response({"supplier": supplier, "score": 0.5, "tier": "lite", "degraded": True,
                                      "usage": _usage(0, "lite")})
        return web.json_response({"supplier": supplier, "score": SUPPLIERS[supplier], "tier": "pro",
                                  "degraded": False, "usage": _usage(42, "pro")})

    async def _question(self, request: web.Request) -> str | web.Response:
        if request.content_type != "application/json":
            return _error(415, "unsupported_media", "Send application/json.")
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _error(400, "bad_input", "The body is not JSON.")
        question = body.get("question") if isinstance(body, dict) else None
        if not isinstance(body, dict) or set(body) != {"question"} or not isinstance(question, str) \
                or not 1 <= len(question) <= 200:
            return _error(400, "bad_input", "Send {question: a string of 1 to 200 characters}.")
        return question

    async def explain_invoice(self, request: web.Request) -> web.Response:
        question = await self._question(request)
        if isinstance(question, web.Response):
            return question
        invoice = request.headers.get("X-Invoice-Id", "")
        if not INVOICE_RE.match(invoice):
            return _error(400, "bad_input", "X-Invoice-Id must look like INV- and six digits.")
        if invoice not in INVOICES and self.defect != "invoice_unknown_200":
            return _error(404, "unknown_invoice", "No invoice has this id.")
        if not await self._model(request):
            return web.json_response({"text": "The explanation is not available now.", "degraded": True,
                                      "usage": _usage(0, "lite")})
        text = INVOICES.get(invoice, "It was paid twice, then refunded.")
        return web.json_response({"text": text, "degraded": False, "usage": _usage(10 + len(question) // 4, "lite")})

    async def latest_audit(self, request: web.Request) -> web.Response:
        if self._limited("latestAudit"):  # its answers take longer than its window: a burst must be concurrent
            return _error(429, "rate_limited", "Too many requests.", {"Retry-After": "1"})
        if not await self._model(request, AUDIT_LATENCY_S):
            return web.json_response({"text": "No audit summary now.", "degraded": True, "usage": _usage(0, "pro")})
        return web.json_response({"text": "Two invoices were paid late.", "degraded": False,
                                  "usage": _usage(120, "pro")})

    async def chat(self, request: web.Request) -> web.StreamResponse:
        question = await self._question(request)
        if isinstance(question, web.Response):
            return question
        answered = await self._model(request)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)

        async def frame(data: dict[str, Any]) -> None:
            await response.write(b"data: " + json.dumps(data).encode() + b"\n\n")

        await frame({"type": "open", "tier": "pro"})
        if not answered:
            await frame({"type": "failed", "message": "The model is not available."})
        else:
            pieces = ["We owe ", "two suppliers."]
            for i, piece in enumerate(pieces):
                await frame({"type": "delta", "i": i, "t": piece})
            tokens = 8 + len(question) // 4
            tier = "lite" if self.defect == "stream_cost_default_tier" else "pro"
            await frame({"type": "done", "degraded": False,
                         "usage": {"tokens": tokens, "cost_usd": _usage(tokens, tier)["cost_usd"]}})
        await response.write_eof()
        return response


def create_app(defect: str | None = None, hits: Counter[str] | None = None) -> web.Application:
    ledger = Ledger(defect)

    @web.middleware
    async def errors(request: web.Request, handler: Any) -> web.StreamResponse:
        if hits is not None:
            hits[request.path] += 1
        try:
            return await handler(request)
        except web.HTTPException as exc:  # no route, wrong method: the spec's error body
            return _error(exc.status, "not_found" if exc.status == 404 else "refused", exc.reason or "Refused.")

    app = web.Application(middlewares=[errors])
    app.router.add_get("/suppliers/score", ledger.supplier_score)
    app.router.add_post("/invoices/explain", ledger.explain_invoice)
    app.router.add_get("/audits/latest", ledger.latest_audit)
    app.router.add_post("/chat", ledger.chat)
    return app


class LedgerServer:
    """``with LedgerServer(defect=None) as server: server.url``: served from a thread, stopped on exit."""

    def __init__(self, defect: str | None = None) -> None:
        self.defect = defect
        self.hits: Counter[str] = Counter()  # requests per path
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="ledger-service", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup() if self._runner else asyncio.sleep(0))
        self._loop.close()

    async def _start(self) -> None:
        self._runner = web.AppRunner(create_app(self.defect, self.hits), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=512)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    def __enter__(self) -> LedgerServer:
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("the ledger service did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
