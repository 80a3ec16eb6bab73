"""Liveness and readiness; readiness reports the provider's state.

Readiness tells a degraded provider the way the spec's ``x-probe.degraded`` says: by the HTTP
status it names (a 503 problem with Retry-After), else in the body (``status: degraded``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from contractkit.reference.neuron.problems import ProblemError

router = APIRouter()
RETRY_AFTER_S = 5


@router.get("/health", operation_id="getHealth")
async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "version": request.app.state.neuron.settings.version})


@router.get("/ready", operation_id="getReadiness")
async def ready(request: Request) -> JSONResponse:
    state = request.app.state.neuron
    status = state.contract.degraded_status
    if state.health.degraded and status is not None:
        raise ProblemError(status, state.health.last_failure_code or "provider_unavailable",
                           "The AI provider is degraded; answers are fallback answers until it recovers.",
                           headers={"Retry-After": str(RETRY_AFTER_S)}, retry_after_seconds=RETRY_AFTER_S)
    return JSONResponse(state.health.snapshot())
