"""The async form of an analysis: ``POST /account-reviews`` answers 202 with the job's location,
``GET /account-reviews/{review_id}`` answers the job (queued, running, succeeded, failed)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from contractkit.reference.neuron.answers import OPERATIONS
from contractkit.reference.neuron.bodies import CustomerBody
from contractkit.reference.neuron.customers import find_customer
from contractkit.reference.neuron.problems import ProblemError
from contractkit.reference.neuron.ratelimit import Granted
from contractkit.reference.neuron.routes_ai import customer_answer, usage_headers
from contractkit.reference.neuron.state import NeuronState, operation_of

router = APIRouter()
REVIEWS = "/account-reviews"
_TASKS: set[asyncio.Task[None]] = set()


async def _run(state: NeuronState, job_id: str, op: Any, body: dict[str, Any], headers: dict[str, str]) -> None:
    state.jobs.update(job_id, status="running")
    try:
        result = await customer_answer(state, op, OPERATIONS["/analyze-customer"], body, headers)
    except ProblemError as exc:
        state.jobs.update(job_id, status="failed", problem={"status": exc.status, "code": exc.code})
        return
    state.jobs.update(job_id, status="succeeded", result=result)


@router.post(REVIEWS, operation_id="startAccountReview")
async def start_review(request: Request, token: Granted, body: CustomerBody) -> JSONResponse:
    state: NeuronState = request.app.state.neuron
    if find_customer(body["customer_id"], state.customers) is None:
        raise ProblemError(404, "customer_not_found", "No customer has this id.")
    job = state.jobs.create()
    task = asyncio.create_task(_run(state, job["id"], operation_of(request), body, dict(request.headers)))
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    location = f"{REVIEWS}/{job['id']}"
    return JSONResponse(job, status_code=202, headers={"Location": location,
                                                       **(getattr(request.state, "rate_limit_headers", None) or {})})


@router.get(REVIEWS + "/{review_id}", operation_id="getAccountReview")
async def get_review(request: Request, token: Granted, review_id: str) -> JSONResponse:
    job = request.app.state.neuron.jobs.get(review_id)
    if job is None:
        raise ProblemError(404, "not_found", "No review has this id.")
    headers = {**(getattr(request.state, "rate_limit_headers", None) or {}), **usage_headers(job.get("result") or {})}
    return JSONResponse(job, headers=headers)
