"""The JSON operations: analyze, suggest, assess risk, and one whole chat turn."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from contractkit.llm import Completion, ProviderError, ProviderResponseError
from contractkit.reference.neuron import calls
from contractkit.reference.neuron.answers import (
    DEGRADED_REPLY,
    OPERATIONS,
    AIOperation,
    chat_messages,
    chat_response,
    customer_messages,
    finish_response,
    parse_answer,
)
from contractkit.reference.neuron.bodies import ChatBody, CustomerBody
from contractkit.reference.neuron.contract import Operation
from contractkit.reference.neuron.customers import find_customer
from contractkit.reference.neuron.problems import ProblemError
from contractkit.reference.neuron.ratelimit import Granted
from contractkit.reference.neuron.state import NeuronState, operation_of

router = APIRouter()


def unavailable(retry_after_s: int) -> ProblemError:
    return ProblemError(503, "provider_unavailable", "The AI provider is unavailable; retry later.",
                        headers={"Retry-After": str(retry_after_s)}, retry_after_seconds=retry_after_s)


def _ok(request: Request, body: dict[str, Any]) -> JSONResponse:
    headers = {**(getattr(request.state, "rate_limit_headers", None) or {}), **usage_headers(body)}
    return JSONResponse(body, headers=headers)


def usage_headers(body: dict[str, Any]) -> dict[str, str]:
    """An answer's usage and degraded flag as response headers too (the way gateways report them)."""
    if "token_count" not in body:
        return {}
    return {"X-Usage-Tokens": str(body["token_count"]), "X-Usage-Cost-USD": repr(float(body["cost_usd"])),
            "X-Model-Tier": str(body.get("model_tier", "")), "X-Degraded": "true" if body.get("fallback") else "false"}


async def customer_answer(state: NeuronState, op: Operation, ai: AIOperation, body: dict[str, Any],
                          headers: Mapping[str, str]) -> dict[str, Any]:
    """The answer about the customer ``body`` names: the provider's, or the declared fallback."""
    customer = find_customer(body["customer_id"], state.customers)
    if customer is None:
        raise ProblemError(404, "customer_not_found", "No customer has this id.")
    tier = body.get("model_tier") or op.default_tier
    budget = calls.Budget.start(state, op)
    provider = calls.provider_for(state, headers)
    completion: Completion | None = None
    try:
        completion = await calls.complete(state, provider, customer_messages(ai, customer, body.get("context")),
                                          tier, budget)
        try:
            result = finish_response(state.contract, ai, parse_answer(ai, completion.text), tier=tier,
                                     token_count=completion.usage.total_tokens, fallback=False)
        except ProviderResponseError:
            state.health.failure(calls.FAILURE_CODE)
            raise
        state.health.success()
    except ProviderError:
        if op.fallback.mode != "degraded_answer":
            raise unavailable(op.fallback.retry_after_s) from None
        used = completion.usage.total_tokens if completion else 0
        result = finish_response(state.contract, ai, ai.degraded, tier=tier, token_count=used, fallback=True)
    return result


async def answer_customer_operation(request: Request, body: dict[str, Any]) -> JSONResponse:
    state: NeuronState = request.app.state.neuron
    op = operation_of(request)
    return _ok(request, await customer_answer(state, op, OPERATIONS[op.key], body, request.headers))


@router.post("/analyze-customer", operation_id="analyzeCustomer")
async def analyze_customer(request: Request, token: Granted,
                           body: CustomerBody) -> JSONResponse:
    return await answer_customer_operation(request, body)


@router.post("/suggest-next-action", operation_id="suggestNextAction")
async def suggest_next_action(request: Request, token: Granted,
                              body: CustomerBody) -> JSONResponse:
    return await answer_customer_operation(request, body)


@router.post("/assess-risk", operation_id="assessRisk")
async def assess_risk(request: Request, token: Granted,
                      body: CustomerBody) -> JSONResponse:
    return await answer_customer_operation(request, body)


@router.post("/chat", operation_id="chat")
async def chat(request: Request, token: Granted,
               body: ChatBody) -> JSONResponse:
    state: NeuronState = request.app.state.neuron
    op = operation_of(request)
    tier = body.get("model_tier") or op.default_tier
    conversation_id = body.get("conversation_id")
    provider = calls.provider_for(state, request.headers)
    try:
        completion = await calls.complete(state, provider, chat_messages(body["message"]), tier,
                                          calls.Budget.start(state, op))
        try:
            result = chat_response(state.contract, completion.text, tier=tier,
                                   token_count=completion.usage.total_tokens, fallback=False,
                                   conversation_id=conversation_id)
        except ProviderResponseError:
            state.health.failure(calls.FAILURE_CODE)
            raise
        state.health.success()
    except ProviderError:
        if op.fallback.mode != "degraded_answer":
            raise unavailable(op.fallback.retry_after_s) from None
        result = chat_response(state.contract, DEGRADED_REPLY, tier=tier, token_count=0, fallback=True,
                               conversation_id=conversation_id)
    return _ok(request, result)
