"""The payables service: a neuron/ on Starlette, written against its own spec (payables-api.yaml).

``create_app(provider_url=..., jwks=..., partner_key=..., defect=None)`` builds it. Its model is
an OpenAI-compatible provider at ``provider_url`` (the kit's provider double in the tests). With
``defect`` set to one of ``DEFECTS`` it breaks exactly one promise of its spec.

Pipeline of every API operation: request id -> credentials (401/403) -> quota (429) -> path and
query (422) -> body: media type, size, JSON, schema (415/413/422) -> entity (404) -> the model with
its fallback -> the answer.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute

from contractkit.llm import Message, OpenAICompatibleProvider, ProviderError, TierModels
from contractkit.llm.openai_compat import OPENAI_TIERS

from .socket import draft_socket
from .support import (
    PROVIDER_TIER,
    Caller,
    Credentials,
    Problem,
    Quota,
    check_id,
    json_body,
    price,
    problem_response,
    request_id,
)

SUPPLIER_RE, INVOICE_RE, AUDIT_RE = r"SUP-[0-9]{5}", r"inv_[a-z0-9]{10}", r"aud-[0-9a-f]{8}"
NOTE_RE = r"[a-z0-9][a-z0-9-]{2,39}"
MODEL_TIMEOUT_S = 1.5  # inside every deadline: a hanging provider still gets the fallback in time
RETRY_AFTER_S = "3"
MAX_NOTES, MAX_AUDITS = 200, 500
FALLBACK_EXPLANATION = "The explanation is not available right now; the invoice lines are unchanged."

# name -> the one promise of the spec it breaks
DEFECTS: dict[str, str] = {
    "problem_without_trace": "problem bodies lack the required trace_id member",
    "unknown_invoice_explained": "an unknown invoice of a known supplier gets an invented explanation",
    "header_cost_tenfold": "X-Usage-Cost-USD is ten times the x-pricing cost",
    "readiness_never_degraded": "readiness answers 200 while the provider is failing",
    "merge_patch_unchecked": "PATCH applies a merge patch without checking it against SupplierPatch",
    "stream_tokens_drift": "the stream's final frame reports one token more than the whole letter",
    "audit_stuck_on_fault": "a risk audit whose model call fails stays running forever",
    "socket_unscoped_admitted": "the WebSocket admits a token without disputes:write",
    "audit_invents_supplier": "a risk audit of an unknown supplier completes with an invented result",
}


@dataclass
class Books:
    """The engine's records this service reads and edits (suppliers, invoices, notes, audits)."""

    suppliers: dict[str, dict[str, Any]] = field(default_factory=lambda: {
        "SUP-10422": {"supplier_id": "SUP-10422", "display_name": "Nordlicht Packaging GmbH",
                      "payment_terms_days": 30, "contact_email": "ap@nordlicht.example", "tags": ["packaging"]},
        "SUP-20077": {"supplier_id": "SUP-20077", "display_name": "Vela Freight", "payment_terms_days": 45,
                      "contact_email": None, "tags": []},
    })
    invoices: dict[str, dict[str, Any]] = field(default_factory=lambda: {
        "inv_7k2m9q4x1z": {"supplier_id": "SUP-10422", "lines": ["2,000 folding boxes at 0.42", "freight 85.00"]},
        "inv_0000000042": {"supplier_id": "SUP-20077", "lines": ["pallet transport Hamburg-Lyon 1,240.00"]},
    })
    notes: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    audits: dict[str, dict[str, Any]] = field(default_factory=lambda: {
        "aud-0000c0de": {"audit_id": "aud-0000c0de", "supplier_id": "SUP-10422", "state": "complete",
                         "result": {"summary": "Payments on time; one duplicate in March.", "risk": "low",
                                    "degraded": False, "tier": "deep", "usage": {"tokens": 0, "usd": 0.0}}},
    })

    def supplier(self, supplier_id: str) -> dict[str, Any]:
        found = self.suppliers.get(check_id(supplier_id, SUPPLIER_RE, "supplier_id"))
        if found is None:
            raise Problem(404, "not_found", f"No supplier {supplier_id}.")
        return found

    def invoice(self, invoice_id: str, supplier_id: str | None = None) -> dict[str, Any]:
        found = self.invoices.get(check_id(invoice_id, INVOICE_RE, "invoice_id"))
        if found is None or (supplier_id is not None and found["supplier_id"] != supplier_id):
            raise Problem(404, "not_found", f"No invoice {invoice_id}" + (f" of {supplier_id}." if supplier_id
                                                                              else "."))
        return found


@dataclass
class Health:
    """The provider as readiness tells it: degraded from a failed call until a call succeeds."""

    degraded: bool = False


class Payables:
    """The service's state and handlers; ``app`` is its ASGI application."""

    def __init__(self, *, provider_url: str, jwks: dict[str, Any], partner_key: str | None = None,
                 defect: str | None = None) -> None:
        if defect is not None and defect not in DEFECTS:
            raise ValueError(f"unknown defect {defect!r}")
        self.defect = defect
        self.books = Books()
        self.health = Health()
        self.credentials = Credentials(jwks, partner_key)
        self.quota = Quota(25)
        self.model = OpenAICompatibleProvider(base_url=provider_url.rstrip("/") + "/v1",
                                              tiers=TierModels(OPENAI_TIERS), timeout_s=MODEL_TIMEOUT_S)
        self.tasks: set[asyncio.Task[None]] = set()
        routes = [
            Route("/v1/suppliers/{supplier_id}/invoices/{invoice_id}/explanation", self.explain, methods=["GET"]),
            Route("/v1/suppliers/{supplier_id}", self.update_supplier, methods=["PATCH"]),
            Route("/v1/suppliers/{supplier_id}/notes/{note_id}", self.put_note, methods=["PUT"]),
            Route("/v1/invoices/{invoice_id}/dispute-letter", self.draft_letter, methods=["POST"]),
            Route("/v1/invoices/{invoice_id}/dispute-letter/stream", self.stream_letter, methods=["POST"]),
            Route("/v1/dispute-letters", self.draft_letter_by_body, methods=["POST"]),
            Route("/v1/suppliers/{supplier_id}/risk-audits", self.start_audit, methods=["POST"]),
            Route("/v1/risk-audits/{audit_id}", self.get_audit, methods=["GET"]),
            Route("/v1/payment-forecast", self.forecast, methods=["GET"]),
            Route("/v1/partner/suppliers/{supplier_id}/statement", self.partner_statement, methods=["GET"]),
            Route("/livez", self.live, methods=["GET"]),
            Route("/readyz", self.ready, methods=["GET"]),
            WebSocketRoute("/v1/ws/dispute-drafts", functools.partial(draft_socket, self)),
        ]
        self.app = Starlette(routes=routes, exception_handlers={Problem: self._problem, HTTPException: self._http},
                             middleware=[Middleware(GZipMiddleware, minimum_size=200)])

    # -- plumbing ----------------------------------------------------------------------------------
    async def _problem(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return problem_response(request, exc, with_trace=self.defect != "problem_without_trace")

    async def _http(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = "not_found" if exc.status_code == 404 else "method_not_allowed"
        return await self._problem(request, Problem(exc.status_code, code, str(exc.detail), headers=exc.headers))

    def _admit(self, request: Request, operation: str, scope: str, *, partner: bool = False,
               requests: int | None = None) -> Caller:
        caller = self.credentials.caller(request, scope, partner_allowed=partner)
        self.quota.take(caller, operation, requests)
        return caller

    def _json(self, request: Request, body: dict[str, Any], status: int = 200,
              headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse(body, status_code=status, headers={**(headers or {}), "X-Request-Id": request_id(request)},
                            media_type="application/json; charset=utf-8")  # the charset, as many frameworks say it

    async def _complete(self, prompt: str, tier: str, max_tokens: int = 400) -> tuple[str, int]:
        """The model's whole answer and its tokens; ProviderError when the provider fails."""
        try:
            answer = await self.model.complete(self.messages_for(prompt), PROVIDER_TIER[tier],
                                               max_tokens=max_tokens)
        except ProviderError:
            self.health.degraded = True
            raise
        self.health.degraded = False
        return answer.text, answer.usage.total_tokens

    # -- invoices ----------------------------------------------------------------------------------
    async def explain(self, request: Request) -> Response:
        self._admit(request, "explainInvoice", "payables:read")
        supplier_id = request.path_params["supplier_id"]
        self.books.supplier(supplier_id)
        detail = request.query_params.get("detail", "brief")
        raw_words = request.query_params.get("max_words", "120")
        if detail not in ("brief", "full"):
            raise Problem(422, "invalid_input", "detail is brief or full.",
                          errors=[{"pointer": "#/query/detail", "message": "not one of brief, full"}])
        if not raw_words.isdigit() or not 20 <= int(raw_words) <= 300:
            raise Problem(422, "invalid_input", "max_words is an integer from 20 to 300.",
                          errors=[{"pointer": "#/query/max_words", "message": "not an integer from 20 to 300"}])
        invoice_id = request.path_params["invoice_id"]
        if self.defect == "unknown_invoice_explained":
            check_id(invoice_id, INVOICE_RE, "invoice_id")
            lines = self.books.invoices.get(invoice_id, {"lines": ["consulting 900.00"]})["lines"]
        else:
            lines = self.books.invoice(invoice_id, supplier_id)["lines"]
        prompt = f"Explain invoice {invoice_id} ({detail}, at most {raw_words} words): " + "; ".join(lines)
        try:
            text, tokens = await self._complete(prompt, "swift")
            degraded = False
        except ProviderError:
            text, tokens, degraded = FALLBACK_EXPLANATION, 0, True
        factor = 10 if self.defect == "header_cost_tenfold" else 1
        usage = {"X-Usage-Tokens": str(tokens), "X-Usage-Cost-USD": repr(price(tokens, "swift", factor)),
                 "X-Model-Tier": "swift"}
        return self._json(request, {"invoice_id": invoice_id, "supplier_id": supplier_id, "explanation": text,
                                    "degraded": degraded}, headers=usage)

    async def forecast(self, request: Request) -> Response:
        self._admit(request, "forecastPayments", "payables:read")
        tenant = request.headers.get("x-tenant", "")
        if not re.fullmatch(r"[a-z]{3,12}", tenant):
            raise Problem(422, "invalid_input", "X-Tenant is 3 to 12 lowercase letters.",
                          errors=[{"pointer": "#/header/X-Tenant", "message": "does not match ^[a-z]{3,12}$"}])
        horizon = request.query_params.get("horizon_days", "30")
        if horizon not in ("7", "30", "90"):
            raise Problem(422, "invalid_input", "horizon_days is 7, 30 or 90.",
                          errors=[{"pointer": "#/query/horizon_days", "message": "not one of 7, 30, 90"}])
        supplier_id = request.query_params.get("supplier_id", "")
        self.books.supplier(supplier_id)
        due = [i for i in self.books.invoices.values() if i["supplier_id"] == supplier_id]
        expected = round(sum(len(i["lines"]) * 410.5 for i in due) * int(horizon) / 90, 2)
        try:
            text, tokens = await self._complete(f"In two sentences, explain why {supplier_id} ({tenant}) is "
                                                f"expected to be paid {expected} USD in {horizon} days.", "swift")
            degraded = False
        except ProviderError:
            text, tokens, degraded = "The forecast is the sum of open invoices; no explanation is available.", 0, True
        return self._json(request, {"supplier_id": supplier_id, "horizon_days": int(horizon), "expected_usd": expected,
                                    "narrative": text, "usage": {"tokens": tokens, "usd": price(tokens, "swift")}},
                          headers={"X-Degraded": "true" if degraded else "false"})

    async def partner_statement(self, request: Request) -> Response:
        """A partner's statement, for partners only: the API key in the ``api_key`` query parameter."""
        key = request.query_params.get("api_key")
        partner = self.credentials.partner_key
        if not key or not partner or not hmac.compare_digest(key.encode(), partner.encode()):
            raise Problem(401, "unauthenticated", "Send the partner key as api_key.",
                          headers={"WWW-Authenticate": 'ApiKey realm="payables"'})
        self.quota.take(Caller("partner"), "partnerStatement")
        supplier = self.books.supplier(request.path_params["supplier_id"])
        due = [i for i, v in self.books.invoices.items() if v["supplier_id"] == supplier["supplier_id"]]
        return self._json(request, {"supplier_id": supplier["supplier_id"], "open_invoices": due})

    # -- suppliers ---------------------------------------------------------------------------------
    async def update_supplier(self, request: Request) -> Response:
        self._admit(request, "updateSupplier", "suppliers:write", partner=True)
        supplier = self.books.supplier(request.path_params["supplier_id"])
        patch = await json_body(request, "application/merge-patch+json", "SupplierPatch",
                                validate=self.defect != "merge_patch_unchecked")
        for name, value in patch.items():  # RFC 7386: null removes; the schema allows null where it may
            if name in ("display_name", "payment_terms_days", "contact_email", "tags"):
                supplier[name] = value
        return self._json(request, supplier)

    async def put_note(self, request: Request) -> Response:
        self._admit(request, "putSupplierNote", "suppliers:write")
        supplier_id = request.path_params["supplier_id"]
        self.books.supplier(supplier_id)
        note_id = check_id(request.path_params["note_id"], NOTE_RE, "note_id")
        body = await json_body(request, "application/json", "NoteInput")
        key = (supplier_id, note_id)
        previous = self.books.notes.pop(key, None)
        note = {"supplier_id": supplier_id, "note_id": note_id, "text": body["text"],
                "pinned": bool(body.get("pinned", False)), "version": previous["version"] + 1 if previous else 1}
        while len(self.books.notes) >= MAX_NOTES:
            self.books.notes.pop(next(iter(self.books.notes)))
        self.books.notes[key] = note
        if previous:
            return self._json(request, note)
        location = f"{request.scope.get('root_path', '')}/v1/suppliers/{supplier_id}/notes/{note_id}"
        return self._json(request, note, 201, {"Location": location})

    # -- dispute letters ---------------------------------------------------------------------------
    async def _letter_request(self, request: Request, operation: str) -> tuple[str, str]:
        self._admit(request, operation, "disputes:write")
        invoice_id = request.path_params["invoice_id"]
        check_id(invoice_id, INVOICE_RE, "invoice_id")
        body = await json_body(request, "application/json", "DisputeRequest")
        return invoice_id, self.letter_prompt(invoice_id, body)

    def letter_prompt(self, invoice_id: str, body: dict[str, Any]) -> str:
        """The prompt of a dispute letter: the same for the whole letter, its stream and its socket turn."""
        invoice = self.books.invoice(invoice_id)
        return (f"Write a {body['tone']} letter disputing invoice {invoice_id} ({body['reason']}). Lines: "
                + "; ".join(invoice["lines"]) + ". " + str(body.get("extra_context", "")))

    def messages_for(self, prompt: str) -> list[Message]:
        return [Message("system", "You are the accounts-payable assistant. Be exact and brief."),
                Message("user", prompt)]

    async def draft_letter_by_body(self, request: Request) -> Response:
        """The letter, with the invoice named in the body (the engine's batch tooling sends it so)."""
        self._admit(request, "draftLetterFor", "disputes:write")
        body = await json_body(request, "application/json", "DisputeFor")
        invoice_id = body["invoice_id"]
        prompt = self.letter_prompt(invoice_id, body)
        try:
            text, tokens = await self._complete(prompt, "deep")
        except ProviderError:
            raise self._unavailable() from None
        return self._json(request, {"invoice_id": invoice_id, "letter": text, "tier": "deep",
                                    "usage": {"tokens": tokens, "usd": price(tokens, "deep")}})

    def _unavailable(self) -> Problem:
        return Problem(503, "model_unavailable", "The model failed; try again shortly.",
                       headers={"Retry-After": RETRY_AFTER_S})

    async def draft_letter(self, request: Request) -> Response:
        invoice_id, prompt = await self._letter_request(request, "draftDisputeLetter")
        try:
            text, tokens = await self._complete(prompt, "deep")
        except ProviderError:
            raise self._unavailable() from None
        return self._json(request, {"invoice_id": invoice_id, "letter": text, "tier": "deep",
                                    "usage": {"tokens": tokens, "usd": price(tokens, "deep")}})

    async def stream_letter(self, request: Request) -> Response:
        invoice_id, prompt = await self._letter_request(request, "streamDisputeLetter")
        chunks = self.model.stream(self.messages_for(prompt), PROVIDER_TIER["deep"], max_tokens=400).__aiter__()
        try:  # a model that fails before its first piece gets the declared 503, not a broken stream
            first = await asyncio.wait_for(chunks.__anext__(), MODEL_TIMEOUT_S)
        except (ProviderError, TimeoutError, StopAsyncIteration):
            self.health.degraded = True
            raise self._unavailable() from None
        return StreamingResponse(self._frames(invoice_id, first, chunks), media_type="text/event-stream",
                                 headers={"X-Request-Id": request_id(request), "Cache-Control": "no-store"})

    async def _frames(self, invoice_id: str, first: Any, chunks: AsyncIterator[Any]) -> AsyncIterator[bytes]:
        def frame(data: dict[str, Any]) -> bytes:
            return f"data: {json.dumps(data)}\n\n".encode()

        yield frame({"kind": "meta", "invoice_id": invoice_id, "tier": "deep"})
        seq, chunk = 0, first
        try:
            while True:
                if chunk.done:
                    tokens = chunk.usage.total_tokens + (1 if self.defect == "stream_tokens_drift" else 0)
                    self.health.degraded = False
                    yield frame({"kind": "final", "usage": {"tokens": tokens, "usd": price(tokens, "deep")}})
                    return
                if chunk.text:
                    yield frame({"kind": "piece", "seq": seq, "text": chunk.text})
                    seq += 1
                chunk = await asyncio.wait_for(chunks.__anext__(), MODEL_TIMEOUT_S)
        except (ProviderError, TimeoutError, StopAsyncIteration):
            self.health.degraded = True
            yield frame({"kind": "failure", "code": "model_unavailable", "message": "The model stopped answering."})

    # -- risk audits -------------------------------------------------------------------------------
    async def start_audit(self, request: Request) -> Response:
        self._admit(request, "startRiskAudit", "audits:run")
        supplier_id = request.path_params["supplier_id"]
        check_id(supplier_id, SUPPLIER_RE, "supplier_id")
        body = await json_body(request, "application/json", "AuditRequest")
        audit_id = f"aud-{secrets.token_hex(4)}"
        job = {"audit_id": audit_id, "supplier_id": supplier_id, "state": "queued"}
        while len(self.books.audits) >= MAX_AUDITS:
            self.books.audits.pop(next(iter(self.books.audits)))
        self.books.audits[audit_id] = job
        # the supplier is looked up by the job (the ledger is slow): an unknown one fails the job with a 404 problem
        task = asyncio.create_task(self._run_audit(job, body, request_id(request)))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        location = f"{request.scope.get('root_path', '')}/v1/risk-audits/{audit_id}"  # under the mount, if any
        return self._json(request, dict(job), 202, {"Location": location})

    async def _run_audit(self, job: dict[str, Any], body: dict[str, Any], trace_id: str) -> None:
        job["state"] = "running"
        supplier = self.books.suppliers.get(job["supplier_id"])
        if supplier is None and self.defect == "audit_invents_supplier":
            supplier = {"display_name": "an unnamed supplier"}
        if supplier is None:
            job["problem"] = {"type": "https://payables.example/problems/not-found", "title": "Not found",
                              "status": 404, "detail": f"No supplier {job['supplier_id']}.", "code": "not_found",
                              "trace_id": trace_id}
            job["state"] = "error"
            return
        prompt = (f"Assess the payment risk of {supplier['display_name']} over {body['period']}, focusing on "
                  + ", ".join(body.get("focus") or ["everything"]) + ". Answer low, medium or high first.")
        try:
            text, tokens = await self._complete(prompt, "deep")
            risk = next((w for w in ("high", "medium", "low") if w in text.lower()), "medium")
            job["result"] = {"summary": text, "risk": risk, "degraded": False, "tier": "deep",
                             "usage": {"tokens": tokens, "usd": price(tokens, "deep")}}
        except ProviderError:
            if self.defect == "audit_stuck_on_fault":
                return
            job["result"] = {"summary": "The audit could not consult the model; no risk is assessed.",
                             "risk": "unknown", "degraded": True, "tier": "deep", "usage": {"tokens": 0, "usd": 0.0}}
        job["state"] = "complete"

    async def get_audit(self, request: Request) -> Response:
        self._admit(request, "getRiskAudit", "audits:run", requests=60)
        audit_id = check_id(request.path_params["audit_id"], AUDIT_RE, "audit_id")
        job = self.books.audits.get(audit_id)
        if job is None:
            raise Problem(404, "not_found", f"No audit {audit_id}.")
        return self._json(request, dict(job))

    # -- probes ------------------------------------------------------------------------------------
    async def live(self, request: Request) -> Response:
        return self._json(request, {"status": "alive"})

    async def ready(self, request: Request) -> Response:
        if self.health.degraded and self.defect != "readiness_never_degraded":
            raise Problem(503, "provider_degraded", "The model provider failed its last call.",
                          headers={"Retry-After": RETRY_AFTER_S}, extra={"provider": "degraded"})
        return self._json(request, {"status": "ready", "provider": "ok"})
