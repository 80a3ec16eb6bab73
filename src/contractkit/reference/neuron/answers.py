"""Prompts for neuron/'s operations, how provider output becomes a response, and degraded answers.

The provider is asked for one JSON object; the answer is accepted only if the response built from
it is valid against the operation's response schema in the spec. Anything else is malformed
provider output, which takes the same fallback path as a provider error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from contractkit.llm import Message, ProviderResponseError
from contractkit.reference.neuron.contract import NeuronContract
from contractkit.reference.neuron.customers import Customer


@dataclass(frozen=True)
class AIOperation:
    """One structured AI operation: its task, the keys asked for, and its response schema."""

    path: str
    task: str
    keys: tuple[str, ...]
    response_schema: str
    degraded: dict[str, Any]


OPERATIONS = {
    "/analyze-customer": AIOperation(
        "/analyze-customer", "Analyze this customer's account.", ("analysis", "confidence", "reasoning"),
        "AnalyzeCustomerResponse",
        {"analysis": "An automated analysis is unavailable right now; review the account's recent activity.",
         "confidence": 0.0, "reasoning": "The AI provider did not answer; this is a generic fallback."}),
    "/suggest-next-action": AIOperation(
        "/suggest-next-action", "Suggest the next best action for this customer.",
        ("suggestion", "confidence", "reasoning"), "SuggestNextActionResponse",
        {"suggestion": "Review the account and contact the customer's main contact.",
         "confidence": 0.0, "reasoning": "The AI provider did not answer; this is a generic fallback."}),
    "/assess-risk": AIOperation(
        "/assess-risk", "Assess this customer's churn and credit risk.",
        ("level", "score", "factors", "confidence", "reasoning"), "AssessRiskResponse", {}),
}

CHAT_SYSTEM = "You are neuron, an assistant for account managers. Answer briefly and concretely."
DEGRADED_REPLY = "I cannot reach the AI provider right now. Please try again in a moment."


def customer_messages(op: AIOperation, customer: Customer, context: dict[str, Any] | None) -> list[Message]:
    facts = "\n".join(f"- {k}: {v}" for k, v in customer.facts().items())
    hints = "\n".join(f"- {k}: {v}" for k, v in sorted((context or {}).items()))
    system = (f"{op.task} Respond with one JSON object with the keys: {', '.join(op.keys)}. "
              "confidence and score are numbers from 0 to 1.")
    user = f"Customer facts:\n{facts}" + (f"\nCaller context:\n{hints}" if hints else "")
    return [Message("system", system), Message("user", user)]


def chat_messages(message: str) -> list[Message]:
    return [Message("system", CHAT_SYSTEM), Message("user", message)]


def parse_answer(op: AIOperation, text: str) -> dict[str, Any]:
    """The JSON object the provider wrote (tolerating a Markdown code fence around it)."""
    raw = text.strip()
    if raw.startswith("```"):
        raw = raw.strip("`").removeprefix("json").strip()
    try:
        answer = json.loads(raw)
    except ValueError:
        raise ProviderResponseError("the provider's answer is not JSON") from None
    if not isinstance(answer, dict) or not all(k in answer for k in op.keys):
        raise ProviderResponseError("the provider's answer lacks requested keys")
    if op.path == "/assess-risk":
        answer = {"risk": {k: answer[k] for k in ("level", "score", "factors")},
                  "confidence": answer["confidence"], "reasoning": answer["reasoning"]}
    else:
        answer = {k: answer[k] for k in op.keys}
    return answer


def finish_response(contract: NeuronContract, op: AIOperation, answer: dict[str, Any], *, tier: str,
                    token_count: int, fallback: bool) -> dict[str, Any]:
    """Add usage; the result must be valid against the spec, else it is malformed provider output."""
    body = {**answer, "token_count": token_count, "cost_usd": contract.price(tier, token_count),
            "model_tier": tier, "fallback": fallback}
    if not contract.validator(op.response_schema).is_valid(body):
        raise ProviderResponseError("the provider's answer does not fit the response schema")
    return body


def chat_response(contract: NeuronContract, reply: str, *, tier: str, token_count: int, fallback: bool,
                  conversation_id: str | None) -> dict[str, Any]:
    if not reply.strip():
        raise ProviderResponseError("the provider's reply is empty")
    body: dict[str, Any] = {"reply": reply[:16000], "token_count": token_count,
                            "cost_usd": contract.price(tier, token_count), "model_tier": tier, "fallback": fallback}
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    return body
