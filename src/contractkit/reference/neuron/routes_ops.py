"""Liveness and readiness; readiness reports the provider's state."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter()


@router.get("/health", operation_id="getHealth")
async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "version": request.app.state.neuron.settings.version})


@router.get("/ready", operation_id="getReadiness")
async def ready(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.neuron.health.snapshot())
