"""The churn service's shapes beyond a JSON body, in its own conventions (unlike the reference's):

- churn reports are jobs: ``POST /v2/churn-reports`` answers 202 with the job's URL in the body
  (``/links/self``); the report is ``working``, then ``ready`` with its output (usage in the body)
  or ``error``; ``GET /v2/churn-reports/{report_id}`` is looked up by id (404 when unknown);
- a whole reply reports its usage and degraded flag in headers (``X-Tokens-Used``, ...);
- readiness is 503 while the model is degraded, and says so in ``X-LLM-State`` too;
- ``/v2/live`` also takes the token as a ``bearer.<token>`` subprotocol (offered with
  ``churn.live.v2``), sends a ``ready`` frame once logged in and a ``ping`` after each turn.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from aiohttp import web

REPORTS = "/v2/churn-reports"
EXAMPLE_REPORT = "rpt_000000000000"
REPORT_WORK_S = 0.3
BEARER_PREFIX = "bearer."
LIVE_PROTOCOL = "churn.live.v2"
MAX_REPORTS = 500


class Reports:
    """The churn reports the service knows (newest last), and the example one that always exists."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {EXAMPLE_REPORT: {
            "report": EXAMPLE_REPORT, "state": "ready",
            "output": {"customer": "cus_3f1c9a07b2de", "summary": "Renewal talks stalled. ", "model": "pro",
                       "degraded": False, "usage": {"tokens": 30, "cost_usd": 0.000063}}}}
        self.tasks: set[asyncio.Task[None]] = set()

    def create(self) -> dict[str, Any]:
        report = {"report": "rpt_" + secrets.token_hex(6), "state": "working"}
        self.items[report["report"]] = report
        while len(self.items) > MAX_REPORTS:
            del self.items[next(k for k in self.items if k != EXAMPLE_REPORT)]
        return report


async def start_report(service: Any, request: web.Request) -> web.Response:
    """202 with the report's URL in the body; the model works in the background."""
    from .app import KNOWN_CUSTOMERS, Problem

    claims = service.authorize(request, "churn:read")
    headers = service.take_quota(claims, "startChurnReport")
    body = await service.read_json(request, "ReportRequest")
    if body["customer"] not in KNOWN_CUSTOMERS:
        raise Problem(404, "unknown_customer", "No customer has this reference.")
    report = service.reports.create()
    task = asyncio.create_task(_work(service, report["report"], body["customer"], service.chaos(request)))
    service.reports.tasks.add(task)
    task.add_done_callback(service.reports.tasks.discard)
    links = {"self": f"{REPORTS}/{report['report']}"}
    return web.json_response({**report, "links": links}, status=202, headers=headers)


async def _work(service: Any, report_id: str, customer: str, fault: str | None) -> None:
    from .app import FALLBACK_SUMMARY
    from .llm import Usage

    await asyncio.sleep(REPORT_WORK_S)
    got = await service.answer(f"churn report of {customer}", "pro", fault, "startChurnReport")
    summary, usage, degraded = (FALLBACK_SUMMARY, Usage(0, "pro"), True) if got is None else (*got, False)
    if service.defect == "report_never_ready" and not degraded:
        return  # the planted defect: the report stays working
    output = {"customer": customer, "summary": summary, "model": "pro", "degraded": degraded,
              "usage": service.usage_json(usage)}
    service.reports.items[report_id] = {"report": report_id, "state": "ready", "output": output}


async def get_report(service: Any, request: web.Request) -> web.Response:
    from .app import Problem

    claims = service.authorize(request, "churn:read")
    headers = service.take_quota(claims, "getChurnReport")
    report = service.reports.items.get(request.match_info["report_id"])
    if report is None:
        raise Problem(404, "not_found", "No report has this id.")
    return web.json_response(report, headers=headers)


def usage_headers(service: Any, usage: dict[str, Any], model: str, degraded: bool) -> dict[str, str]:
    """A whole reply's usage as headers (the reply's x-ai-operation points at them)."""
    cost = usage["cost_usd"] * 10 if service.defect == "header_usage_mispriced" else usage["cost_usd"]
    return {"X-Tokens-Used": str(usage["tokens"]), "X-Cost-USD": f"{cost:.10g}", "X-Model": model,
            "X-Churn-Degraded": "true" if degraded else "false"}


def readiness(service: Any, request: web.Request) -> web.Response:
    from .app import TRACE

    degraded = service.readiness.failures > 0
    status = 503 if degraded and service.defect != "readiness_200_degraded" else 200
    headers = {"X-LLM-State": "degraded" if degraded else "ok"}
    if status == 503:
        headers["Retry-After"] = "2"
        body = {"error": {"code": "llm_unavailable", "detail": "The model is degraded."}, "trace": request[TRACE]}
        return web.json_response(body, status=503, headers=headers)
    return web.json_response(service.readiness.as_json(), headers=headers)


def subprotocol_bearer(request: web.Request) -> str | None:
    """The token a ``bearer.<token>`` subprotocol carries, if one is offered."""
    offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
    return next((p[len(BEARER_PREFIX):] for p in offered if p.startswith(BEARER_PREFIX)), None)


def connection_frame(service: Any) -> dict[str, Any]:
    """The frame sent once logged in, before the first turn."""
    return {"kind": "hello" if service.defect == "undeclared_connection_frame" else "ready",
            "session": "ses-" + secrets.token_hex(6)}
