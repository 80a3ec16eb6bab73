"""The churn service: a second neuron/ on aiohttp, written against its own spec (churn-api.yaml).

``create_app(client_id=..., client_secret=..., defect=None)`` builds it. With ``defect`` set to one
of ``DEFECTS`` it breaks exactly one promise of its spec, so a test can show that contractkit
catches that break and names the right rule. Everything else stays correct.

Request pipeline of every API operation: trace id -> bearer token (401/403) -> the client's
quota for the operation (429) -> media type, size, JSON and schema (415/413/400) -> the customer
(404) -> the model, with its fallback -> the answer. Every non-2xx answer is the spec's ``Error``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import re
import secrets
import time
import traceback
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from aiohttp import WSMsgType, web
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from . import shapes
from .llm import CHAOS_VALUES, PRICES, Model, ProviderFailure, Usage, pieces, price, prompt_tokens, score
from .tokens import Client, Issuer, TokenRejected

SPEC_PATH = Path(__file__).with_name("churn-api.yaml")
KNOWN_CUSTOMERS = frozenset({"cus_3f1c9a07b2de", "cus_a1b2c3d4e5f6", "cus_00000000beef"})
CUSTOMER_RE = re.compile(r"^cus_[0-9a-f]{12}$")
CONVERSATION_RE = re.compile(r"^conv-[a-z0-9]{4,32}$")
SCOPES = frozenset({"churn:read", "talk:write"})
MAX_BODY = 16 * 1024
RATE_REQUESTS, RATE_WINDOW_S = 40, 1.0
MODEL_TIMEOUT_S = 0.8  # well inside every deadline, so a hanging model still gets the fallback in time
OFFER_RETRY_AFTER_S = 7
WS_AUTH_TIMEOUT_S = 3.0
WS_AUTH_FAILED = 4401
WS_BAD_MESSAGE = 4400
DEADLINES_S = {"churnRisk": 3.0, "draftRetentionOffer": 5.0, "reply": 4.0, "replyStream": 4.0, "live": 4.0,
               "startChurnReport": 6.0}
TRACE = web.RequestKey("trace", str)  # the request's trace id, in X-Trace-Id and every Error body
FALLBACK_SUMMARY = "Churn risk cannot be assessed right now; try again shortly."
FALLBACK_REPLY = "The assistant is busy right now; here is the last saved account summary. "

# name -> the one promise of the spec it breaks
DEFECTS: dict[str, str] = {
    "unknown_customer_200": "an unknown customer in the churn-risk PATH gets an invented 200 answer",
    "scope_ignored": "HTTP operations accept a token without their scope",
    "expired_accepted": "HTTP operations accept an expired token",
    "wrong_audience_accepted": "HTTP operations accept a token minted for another audience",
    "token_echo": "a rejected token is echoed back in the WWW-Authenticate challenge",
    "rfc7807_errors": "error bodies are RFC 7807 problem details, not the spec's Error",
    "traceback_leak": "a body that is not JSON gets a 400 whose detail is a Python traceback",
    "bad_query_500": "a non-integer horizon_days crashes the handler (500)",
    "sse_no_complete": "a successful SSE stream ends without its complete event",
    "sse_cut_completes": "an SSE stream cut by the model ends with complete, not failed",
    "stream_usage_drift": "the SSE complete event reports one token more than the whole answer",
    "cost_mispriced": "cost_usd is priced at ten times the tier's x-pricing rate",
    "fault_bare_500": "a model failure on a whole answer becomes a 500 instead of the declared fallback",
    "deadline_overrun": "a hanging model is waited for past the operation's deadline",
    "readiness_stuck_ok": "readiness never reports the model degraded",
    "ws_close_1000": "a WebSocket login failure closes with 1000 instead of 4401",
    "ws_cut_completes": "a WebSocket turn cut by the model ends with complete, not failed",
    "no_rate_limit": "no quota: never 429",
    "trace_header_missing": "successful answers lack the required X-Trace-Id header",
    "schema_drift": "churn-risk answers give risk.score as a string",
    "report_never_ready": "a churn report the model answered stays working forever",
    "header_usage_mispriced": "a reply's X-Cost-USD header is ten times the x-pricing cost",
    "readiness_200_degraded": "readiness answers 200 while X-LLM-State says degraded",
    "subprotocol_trusted": "the bearer subprotocol of /v2/live is accepted without checking the token",
    "undeclared_connection_frame": "/v2/live sends a hello frame the spec does not declare",
}


class Problem(Exception):
    """A non-2xx answer, rendered as the spec's Error body by the error middleware."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers or {}


@dataclass
class Readiness:
    """The model's state as /v2/readyz tells it: degraded after a failure until a call succeeds."""

    frozen: bool = False
    failures: int = 0

    def failed(self) -> None:
        if not self.frozen:
            self.failures += 1

    def succeeded(self) -> None:
        self.failures = 0

    def as_json(self) -> dict[str, Any]:
        return {"llm": {"state": "degraded" if self.failures else "ok", "failures": self.failures}}


@dataclass
class Quota:
    """A fixed window of ``requests`` per ``window_s`` for each (client, operation)."""

    requests: int
    window_s: float
    enforced: bool = True
    windows: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)

    def take(self, key: tuple[str, str]) -> int:
        """The requests left after this one, or Problem 429 with Retry-After."""
        now = time.monotonic()
        start, used = self.windows.get(key, (now, 0))
        if now - start >= self.window_s:
            start, used = now, 0
        if used >= self.requests and self.enforced:
            retry = max(1, math.ceil(start + self.window_s - now))
            raise Problem(429, "throttled", f"{self.requests} requests per {self.window_s:g} s per client and "
                          "operation.", {"Retry-After": str(retry)})
        self.windows[key] = (start, used + 1)
        return max(0, self.requests - used - 1)


def _validators() -> dict[str, jsonschema.Draft202012Validator]:
    """A validator per request schema of the spec: the service enforces its own contract."""
    spec = yaml.safe_load(SPEC_PATH.read_text())
    registry = Registry().with_resource("urn:churn", Resource.from_contents(spec, DRAFT202012))
    return {name: jsonschema.Draft202012Validator({"$ref": f"urn:churn#/components/schemas/{name}"},
                                                  registry=registry)
            for name in ("OfferRequest", "Prompt", "LiveAsk", "ReportRequest")}


class ChurnService:
    """The handlers and their shared state; one instance per app."""

    def __init__(self, client_id: str, client_secret: str, defect: str | None, chaos: bool) -> None:
        if defect is not None and defect not in DEFECTS:
            raise ValueError(f"unknown defect {defect!r}")
        self.defect = defect
        self.chaos_enabled = chaos
        self.issuer = Issuer([Client(client_id, client_secret, SCOPES)])
        self.model = Model()
        self.readiness = Readiness(frozen=defect == "readiness_stuck_ok")
        self.quota = Quota(RATE_REQUESTS, RATE_WINDOW_S, enforced=defect != "no_rate_limit")
        self.validators = _validators()
        self.reports = shapes.Reports()

    # -- shared steps -----------------------------------------------------------------------
    def authorize(self, request: web.Request, scope: str) -> dict[str, Any]:
        """The token's claims, or 401 (no/bad token) / 403 (no scope) with a Bearer challenge."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            raise Problem(401, "unauthenticated", "A bearer token for churn-api is required.",
                          {"WWW-Authenticate": 'Bearer realm="churn-api"'})
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem(401, "unauthenticated", "Use the Bearer scheme.",
                          {"WWW-Authenticate": 'Bearer realm="churn-api", error="invalid_request"'})
        try:
            claims = self.issuer.verify(token.strip(), check_exp=self.defect != "expired_accepted",
                                        check_aud=self.defect != "wrong_audience_accepted")
        except TokenRejected as rejected:
            described = f"{rejected.reason}: {token.strip()}" if self.defect == "token_echo" else rejected.reason
            raise Problem(401, "unauthenticated", rejected.reason.capitalize() + ".",
                          {"WWW-Authenticate": f'Bearer realm="churn-api", error="invalid_token", '
                                               f'error_description="{described}"'}) from None
        if scope not in str(claims.get("scope", "")).split() and self.defect != "scope_ignored":
            raise Problem(403, "forbidden", f"This operation needs the {scope} scope.",
                          {"WWW-Authenticate": f'Bearer realm="churn-api", error="insufficient_scope", '
                                               f'scope="{scope}"'})
        return claims

    def take_quota(self, claims: dict[str, Any], operation: str) -> dict[str, str]:
        remaining = self.quota.take((str(claims.get("sub")), operation))
        return {"X-Quota-Remaining": str(remaining)}

    async def read_json(self, request: web.Request, schema: str) -> Any:
        if request.content_type != "application/json":
            raise Problem(415, "unsupported_media", "Send application/json.")
        if (request.content_length or 0) > MAX_BODY:
            raise Problem(413, "too_large", f"The body is larger than {MAX_BODY} bytes.")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise Problem(413, "too_large", f"The body is larger than {MAX_BODY} bytes.") from None
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        except (ValueError, RecursionError):
            if self.defect == "traceback_leak":
                raise Problem(400, "bad_input", traceback.format_exc()[:480]) from None
            raise Problem(400, "bad_input", "The body is not UTF-8 JSON.") from None
        error = next(iter(self.validators[schema].iter_errors(data)), None)
        if error is not None:
            where = "/" + "/".join(str(p) for p in error.absolute_path)
            raise Problem(400, "bad_input", f"{where}: {error.message}"[:300])
        return data

    def chaos(self, request: web.Request) -> str | None:
        """The fault X-Chaos asks for, when the hook is enabled."""
        return CHAOS_VALUES.get(request.headers.get("X-Chaos", "")) if self.chaos_enabled else None

    def model_timeout(self, operation: str) -> float:
        return DEADLINES_S[operation] + 1.0 if self.defect == "deadline_overrun" else MODEL_TIMEOUT_S

    def usage_json(self, usage: Usage) -> dict[str, Any]:
        if self.defect == "cost_mispriced":
            return {"tokens": usage.tokens, "cost_usd": price(usage.tokens, usage.tier, PRICES[usage.tier] * 10)}
        return usage.as_json()

    async def answer(self, prompt: str, tier: str, fault: str | None, operation: str) -> tuple[str, Usage] | None:
        """The model's whole answer, or None when it failed (readiness is told either way)."""
        try:
            text, usage = await self.model.complete(prompt, tier, fault, self.model_timeout(operation))
        except ProviderFailure:
            self.readiness.failed()
            if self.defect == "fault_bare_500":
                raise Problem(500, "internal", "The request could not be completed.") from None
            return None
        self.readiness.succeeded()
        return text, usage

    # -- operations -------------------------------------------------------------------------
    async def churn_risk(self, request: web.Request) -> web.Response:
        claims = self.authorize(request, "churn:read")
        headers = self.take_quota(claims, "churnRisk")
        customer = request.match_info["customer_id"]
        if not CUSTOMER_RE.fullmatch(customer):
            raise Problem(400, "bad_input", "customer_id must look like cus_ and 12 hex digits.")
        horizon = self.horizon(request)
        if customer not in KNOWN_CUSTOMERS and self.defect != "unknown_customer_200":
            raise Problem(404, "unknown_customer", "No customer has this reference.")
        tier = "pro"
        got = await self.answer(f"churn risk of {customer} over {horizon} days", tier, self.chaos(request),
                                "churnRisk")
        if got is None:
            risk: dict[str, Any] = {"score": None, "band": "unknown"}
            summary, usage, degraded = FALLBACK_SUMMARY, Usage(0, tier), True
        else:
            value = score(customer, str(horizon))
            band = "high" if value >= 0.66 else "medium" if value >= 0.33 else "low"
            risk = {"score": f"{value:.3f}" if self.defect == "schema_drift" else value, "band": band}
            (summary, usage), degraded = got, False
        return web.json_response({"customer": customer, "horizon_days": horizon, "risk": risk, "summary": summary,
                                  "model": tier, "degraded": degraded, "usage": self.usage_json(usage)},
                                 headers=headers)

    def horizon(self, request: web.Request) -> int:
        values = request.query.getall("horizon_days", [])
        if len(values) != 1:
            raise Problem(400, "bad_input", "Give horizon_days once.")
        if self.defect == "bad_query_500":
            number = int(values[0])  # the planted crash: int("abc") raises
        elif re.fullmatch(r"[+-]?\d{1,6}", values[0].strip()):
            number = int(values[0])
        else:
            raise Problem(400, "bad_input", "horizon_days must be an integer.")
        if not 7 <= number <= 365:
            raise Problem(400, "bad_input", "horizon_days must be between 7 and 365.")
        return number

    async def retention_offer(self, request: web.Request) -> web.Response:
        claims = self.authorize(request, "churn:read")
        headers = self.take_quota(claims, "draftRetentionOffer")
        body = await self.read_json(request, "OfferRequest")
        ref = body["account"]["ref"]
        if ref not in KNOWN_CUSTOMERS:
            raise Problem(404, "unknown_customer", "No customer has this reference.")
        tier = "pro"
        prompt = f"{body['tone']} retention offer for {ref} ({body['account'].get('segment', 'any')})"
        got = await self.answer(prompt, tier, self.chaos(request), "draftRetentionOffer")
        if got is None:
            raise Problem(503, "llm_unavailable", "The model is unavailable; retry later.",
                          {"Retry-After": str(OFFER_RETRY_AFTER_S)})
        text, usage = got
        words = text.split()
        limit = int(body.get("max_words", 80))
        finish = "length" if len(words) > limit else "stop"
        offer_text = " ".join(words[:limit])
        return web.json_response({"account": ref, "offer": {"headline": " ".join(words[:3]), "body": offer_text},
                                  "model": tier, "degraded": False, "finish": finish,
                                  "usage": self.usage_json(usage)}, status=201, headers=headers)

    async def reply(self, request: web.Request) -> web.Response:
        claims = self.authorize(request, "talk:write")
        headers = self.take_quota(claims, "reply")
        conversation = self.conversation(request)
        body = await self.read_json(request, "Prompt")
        tier = body.get("tier", "mini")
        got = await self.answer(body["prompt"], tier, self.chaos(request), "reply")
        text, usage, degraded = (FALLBACK_REPLY, Usage(0, tier), True) if got is None else (*got, False)
        used = self.usage_json(usage)
        headers.update(shapes.usage_headers(self, used, tier, degraded))
        return web.json_response({"conversation": conversation, "text": text, "model": tier, "degraded": degraded,
                                  "usage": used}, headers=headers)

    @staticmethod
    def conversation(request: web.Request) -> str:
        conversation = request.match_info["conversation_id"]
        if not CONVERSATION_RE.fullmatch(conversation):
            raise Problem(400, "bad_input", "conversation_id must look like conv- and 4 to 32 letters or digits.")
        return conversation

    async def reply_stream(self, request: web.Request) -> web.StreamResponse:
        claims = self.authorize(request, "talk:write")
        self.take_quota(claims, "replyStream")
        self.conversation(request)
        body = await self.read_json(request, "Prompt")
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
        if self.defect != "trace_header_missing":
            response.headers["X-Trace-Id"] = request[TRACE]
        await response.prepare(request)
        tier = body.get("tier", "mini")
        async for kind, data in self.turn(body["prompt"], tier, self.chaos(request), request[TRACE], "sse"):
            await response.write(f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode())
        await response.write_eof()
        return response

    async def turn(self, prompt: str, tier: str, fault: str | None, trace: str,
                   channel: str) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """One streamed answer: open, token*, then complete or failed (shared by SSE and WebSocket)."""
        yield "open", {"trace": trace, "model": tier}
        operation = "replyStream" if channel == "sse" else "live"
        sent = 0
        stream = self.model.stream(prompt, tier, fault)
        while True:
            try:
                piece = await asyncio.wait_for(anext(stream), self.model_timeout(operation))
            except StopAsyncIteration:
                break
            except (ProviderFailure, TimeoutError):
                self.readiness.failed()
                if sent == 0:  # nothing said yet: stream the degraded reply instead
                    for index, fallback in enumerate(_fallback_pieces()):
                        yield "token", {"i": index, "t": fallback}
                    yield "complete", {"degraded": True, "finish": "stop", "model": tier,
                                       "usage": self.usage_json(Usage(0, tier))}
                    return
                usage = self.usage_json(Usage(prompt_tokens(prompt) + sent, tier))
                if self.defect == f"{channel}_cut_completes":
                    yield "complete", {"degraded": False, "finish": "stop", "model": tier, "usage": usage}
                else:
                    yield "failed", {"error": {"code": "llm_unavailable", "detail": "The model failed mid-answer."},
                                     "model": tier, "usage": usage}
                return
            yield "token", {"i": sent, "t": piece}
            sent += 1
        self.readiness.succeeded()
        tokens = prompt_tokens(prompt) + sent
        if channel == "sse" and self.defect == "stream_usage_drift":
            tokens += 1
        if channel == "sse" and self.defect == "sse_no_complete":
            return
        yield "complete", {"degraded": False, "finish": "stop", "model": tier,
                           "usage": self.usage_json(Usage(tokens, tier))}

    async def live(self, request: web.Request) -> web.WebSocketResponse:
        """``/v2/live``: log in with the first message, then one turn per ``ask``."""
        ws = web.WebSocketResponse(max_msg_size=MAX_BODY, protocols=(shapes.LIVE_PROTOCOL,))
        ws.headers["X-Trace-Id"] = request[TRACE]
        await ws.prepare(request)
        fault = self.chaos(request)
        if not await self.login(ws, shapes.subprotocol_bearer(request)):
            await ws.close(code=1000 if self.defect == "ws_close_1000" else WS_AUTH_FAILED, message=b"unauthorized")
            return ws
        await ws.send_json(shapes.connection_frame(self))
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                break
            try:
                ask = json.loads(message.data, parse_constant=_no_constant)
            except (ValueError, RecursionError):
                ask = None
            if ask is None or next(iter(self.validators["LiveAsk"].iter_errors(ask)), None) is not None:
                await ws.close(code=WS_BAD_MESSAGE, message=b"not an ask")
                break
            trace = "tr-" + secrets.token_hex(8)
            async for kind, data in self.turn(ask["prompt"], ask.get("tier", "mini"), fault, trace, "ws"):
                await ws.send_json({"kind": kind, **data})
            await ws.send_json({"kind": "ping"})  # a keep-alive between turns: the connection's, no turn's
        if not ws.closed:
            await ws.close()
        return ws

    async def login(self, ws: web.WebSocketResponse, bearer: str | None = None) -> bool:
        """The first message logs in, unless the handshake offered a ``bearer.<token>`` subprotocol."""
        if bearer is not None:
            return self.defect == "subprotocol_trusted" or self.scoped(bearer, "talk:write")
        try:
            message = await ws.receive(timeout=WS_AUTH_TIMEOUT_S)
        except TimeoutError:
            return False
        if message.type != WSMsgType.TEXT:
            return False
        try:
            data = json.loads(message.data)
        except ValueError:
            return False
        if not isinstance(data, dict) or data.get("op") != "login" or not isinstance(data.get("bearer"), str):
            return False
        return self.scoped(data["bearer"], "talk:write")

    def scoped(self, token: str, scope: str) -> bool:
        try:
            claims = self.issuer.verify(token.strip())
        except TokenRejected:
            return False
        return scope in str(claims.get("scope", "")).split()

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"alive": True})

    async def readyz(self, request: web.Request) -> web.Response:
        return shapes.readiness(self, request)

    # -- errors -----------------------------------------------------------------------------
    def problem(self, request: web.Request, status: int, code: str, detail: str,
                headers: dict[str, str] | None = None) -> web.Response:
        if self.defect == "rfc7807_errors":
            body: dict[str, Any] = {"type": "about:blank", "title": code.replace("_", " ").title(),
                                    "status": status, "detail": detail}
            response = web.json_response(body, status=status, content_type="application/problem+json")
        else:
            body = {"error": {"code": code, "detail": detail}, "trace": request[TRACE]}
            response = web.json_response(body, status=status)
        response.headers.update(headers or {})
        return response

    @web.middleware
    async def errors(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Every answer gets its trace id; every failure becomes the spec's Error, with no internals."""
        request[TRACE] = "tr-" + secrets.token_hex(8)
        try:
            response = await handler(request)
        except Problem as problem:
            response = self.problem(request, problem.status, problem.code, problem.detail, problem.headers)
        except web.HTTPException as exc:
            code = _HTTP_CODES.get(exc.status, "bad_input" if exc.status < 500 else "internal")
            detail = {404: "No such resource.", 405: "Method not allowed here."}.get(exc.status, exc.reason)
            response = self.problem(request, exc.status, code, detail)
        except Exception:
            response = self.problem(request, 500, "internal", "The request could not be completed.")
        if not response.prepared and not (self.defect == "trace_header_missing" and response.status < 300):
            response.headers["X-Trace-Id"] = request[TRACE]
        return response


SERVICE = web.AppKey("service", ChurnService)
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_media"}


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _fallback_pieces() -> list[str]:
    return [word + " " for word in FALLBACK_REPLY.split()]


def create_app(*, client_id: str, client_secret: str, defect: str | None = None, chaos: bool = True) -> web.Application:
    """The churn service; ``chaos`` enables the X-Chaos hook (CHURN_CHAOS=1 in production terms)."""
    service = ChurnService(client_id, client_secret, defect, chaos)
    app = web.Application(middlewares=[service.errors], client_max_size=MAX_BODY)
    app.router.add_post("/oauth/token", service.issuer.token_endpoint)
    app.router.add_get("/v2/customers/{customer_id}/churn-risk", service.churn_risk)
    app.router.add_post("/v2/retention-offers", service.retention_offer)
    app.router.add_post("/v2/conversations/{conversation_id}/reply", service.reply)
    app.router.add_post("/v2/conversations/{conversation_id}/reply/stream", service.reply_stream)
    app.router.add_get("/v2/live", service.live)
    app.router.add_post(shapes.REPORTS, functools.partial(shapes.start_report, service))
    app.router.add_get(shapes.REPORTS + "/{report_id}", functools.partial(shapes.get_report, service))
    app.router.add_get("/v2/healthz", service.healthz)
    app.router.add_get("/v2/readyz", service.readyz)
    app[SERVICE] = service
    return app


__all__ = ["DEFECTS", "KNOWN_CUSTOMERS", "create_app", "pieces"]
