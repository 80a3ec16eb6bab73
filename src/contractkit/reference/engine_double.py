"""engine/'s internal API as a test double: customers and documents behind a service token.

Every request must carry a bearer token for the audience ``engine-internal`` holding the scope
its route needs (``engine.customers.read`` or ``engine.documents.read``). The double records
what it receives — the caller's client id, audience and scopes, and a SHA-256 fingerprint of the
token, never the token — so the conformance suite can prove that an MCP server calls engine/
with its own, exactly-scoped token and never passes its caller's token through
(``GET /_double/received``; ``DELETE`` clears it).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contractkit.reference.mcp.data import CUSTOMERS, DOCUMENTS
from contractkit.reference.token_issuer.verifier import InvalidTokenError, TokenVerifier, bearer_token

ENGINE_AUDIENCE = "engine-internal"
CUSTOMERS_READ = "engine.customers.read"
DOCUMENTS_READ = "engine.documents.read"
RECEIVED_PATH = "/_double/received"


@dataclass(frozen=True)
class Receipt:
    """One request the double received, as the suite may see it (no secrets)."""

    time: float
    method: str
    path: str
    status: int
    outcome: str
    client_id: str | None
    audience: str | None
    scopes: list[str]
    token_sha256: str | None


def token_fingerprint(token: str) -> str:
    """How the double names a token without keeping it: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class EngineDouble:
    """The double's state (data, receipts) and its ASGI app at ``.app``."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier
        self.customers = {c["id"]: dict(c) for c in CUSTOMERS}
        self.documents = {d["id"]: dict(d) for d in DOCUMENTS}
        self._receipts: list[Receipt] = []
        self._lock = threading.Lock()
        self.app = Starlette(routes=[
            Route("/health", self._health, methods=["GET"]),
            Route("/api/customers", self._search_customers, methods=["GET"]),
            Route("/api/customers/{customer_id}", self._get_customer, methods=["GET"]),
            Route("/api/documents", self._search_documents, methods=["GET"]),
            Route("/api/documents/{document_id}", self._get_document, methods=["GET"]),
            Route(RECEIVED_PATH, self._received, methods=["GET", "DELETE"]),
        ])

    @classmethod
    def for_issuer(cls, issuer_url: str) -> EngineDouble:
        """A double that trusts the token issuer at ``issuer_url`` (its JWKS)."""
        verifier = TokenVerifier(ENGINE_AUDIENCE, jwks_url=issuer_url.rstrip("/") + "/.well-known/jwks.json")
        return cls(verifier)

    @property
    def receipts(self) -> list[Receipt]:
        with self._lock:
            return list(self._receipts)

    def clear(self) -> None:
        with self._lock:
            self._receipts.clear()

    async def _authorize(self, request: Request, scope: str) -> tuple[Response | None, dict[str, Any]]:
        token = bearer_token(request.headers.get("authorization"))
        seen: dict[str, Any] = {"client_id": None, "audience": None, "scopes": [],
                                "token_sha256": token_fingerprint(token) if token else None}
        if token is None:
            return _error(401, "unauthorized", "a bearer service token is required"), seen
        try:
            verified = await anyio.to_thread.run_sync(self.verifier.verify, token)
        except InvalidTokenError as exc:
            return _error(401, "invalid_token", exc.reason), seen
        seen.update(client_id=verified.client_id, audience=verified.audience, scopes=sorted(verified.scopes))
        if scope not in verified.scopes:
            return _error(403, "insufficient_scope", f"this route needs {scope}"), seen
        return None, seen

    def _record(self, request: Request, response: Response, seen: dict[str, Any]) -> Response:
        body = getattr(response, "body", b"")
        outcome = "ok" if response.status_code < 400 else _code_of(body)
        receipt = Receipt(time.time(), request.method, request.url.path, response.status_code, outcome, **seen)
        with self._lock:
            self._receipts.append(receipt)
        return response

    async def _guarded(self, request: Request, scope: str, handler: Any) -> Response:
        denied, seen = await self._authorize(request, scope)
        return self._record(request, denied or handler(), seen)

    async def _health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def _received(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.clear()
            return Response(status_code=204)
        return JSONResponse({"receipts": [asdict(r) for r in self.receipts]})

    async def _get_customer(self, request: Request) -> Response:
        customer = self.customers.get(request.path_params["customer_id"])
        return await self._guarded(request, CUSTOMERS_READ, lambda: (
            JSONResponse(customer) if customer else _error(404, "not_found", "no such customer")))

    async def _search_customers(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip().lower()
        limit = _int_param(request, "limit", 10, 1, 100)

        def answer() -> Response:
            found = [c for c in self.customers.values()
                     if query and (query in c["name"].lower() or query == c["status"])]
            return JSONResponse({"customers": found[:limit], "total": len(found)})

        return await self._guarded(request, CUSTOMERS_READ, answer)

    async def _search_documents(self, request: Request) -> Response:
        terms = request.query_params.get("q", "").lower().split()
        customer_id = request.query_params.get("customer_id")
        limit = _int_param(request, "limit", 5, 1, 50)

        def answer() -> Response:
            hits = []
            for doc in self.documents.values():
                if customer_id and doc.get("customer_id") != customer_id:
                    continue
                text = (doc["title"] + " " + doc["content"]).lower()
                matched = sum(1 for t in terms if t in text)
                if terms and matched:
                    hits.append((matched / len(terms), doc))
            hits.sort(key=lambda h: (-h[0], h[1]["id"]))
            return JSONResponse({"documents": [_summary(doc, score) for score, doc in hits[:limit]]})

        return await self._guarded(request, DOCUMENTS_READ, answer)

    async def _get_document(self, request: Request) -> Response:
        doc = self.documents.get(request.path_params["document_id"])
        return await self._guarded(request, DOCUMENTS_READ, lambda: (
            JSONResponse(doc) if doc else _error(404, "not_found", "no such document")))


def _summary(doc: dict[str, Any], score: float) -> dict[str, Any]:
    summary = {"id": doc["id"], "title": doc["title"], "snippet": doc["content"][:160], "score": round(score, 3)}
    if "customer_id" in doc:
        summary["customer_id"] = doc["customer_id"]
    return summary


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.query_params.get(name, default))
    except ValueError:
        return default
    return max(low, min(high, value))


def _error(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": f'Bearer error="{code}"'} if status in (401, 403) else None
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _code_of(body: bytes) -> str:
    import json

    try:
        return str(json.loads(body)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "error"
