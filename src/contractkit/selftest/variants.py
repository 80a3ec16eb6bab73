"""Broken variants of the reference neuron/, one deliberate defect each, and the rule that must catch it.

A variant is built from the reference's own seams: FastAPI dependency overrides of the auth
checks, the token verifier held in ``app.state.neuron``, and small ASGI middlewares
(``middleware.py``) that edit what goes over the wire. ``build(stack, settings)`` returns the
ASGI app; ``stack`` is the running ``ReferenceStack`` (its issuer mints tokens a variant needs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from contractkit.reference.neuron import NeuronSettings, create_neuron_app
from contractkit.reference.neuron.bodies import chat_request, read_json
from contractkit.reference.neuron.problems import ProblemError
from contractkit.selftest.auth_defects import (
    accept_expired,
    accept_malformed,
    accept_unsigned,
    lenient,
    no_token_accepted,
    scope_ignored,
    token_echoed,
    wrong_audience_accepted,
    ws_accepts_bad_auth,
)
from contractkit.selftest.middleware import (
    EditJsonResponses,
    EditWebSocketFrames,
    FilterStreamChunks,
    SetResponseHeader,
    sse_events,
)
from contractkit.selftest.shape_variants import (
    connection_frame_undeclared,
    header_usage_mispriced,
    job_result_never_arrives,
    readiness_200_while_degraded,
    subprotocol_token_not_checked,
)


@dataclass(frozen=True)
class Variant:
    name: str
    rule_id: str
    defect: str
    build: Callable[[Any, NeuronSettings], Any]
    also_run: tuple[str, ...] = field(default=())


def _reference(stack: Any, settings: NeuronSettings) -> Any:
    return create_neuron_app(settings)


# --- bodies and errors --------------------------------------------------------------------------

def _json_edit(edit: Callable[[str, int, dict[str, str], Any], Any]) -> Callable[[Any, NeuronSettings], Any]:
    return lambda stack, settings: EditJsonResponses(create_neuron_app(settings), edit)


def _real_answer(status: int, body: Any) -> bool:
    return status == 200 and isinstance(body, dict) and body.get("fallback") is False


def _type_drift(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if path == "/analyze-customer" and _real_answer(status, body):
        return status, headers, {**body, "reasoning": 42}
    return None


def _confidence_out_of_range(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if path == "/suggest-next-action" and _real_answer(status, body):
        return status, headers, {**body, "confidence": 1.3}
    return None


def _cost_mispriced(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if path == "/analyze-customer" and _real_answer(status, body):
        return status, headers, {**body, "cost_usd": round(body["cost_usd"] * 2 + 0.001, 6)}
    return None


_TRACE = ('Traceback (most recent call last):\n  File "/srv/neuron/app/customers.py", line 42, in lookup\n'
          '    return CUSTOMERS[customer_id]\nKeyError: customer_id')


def _stack_trace_in_error(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if status == 404 and isinstance(body, dict):
        return status, headers, {**body, "detail": _TRACE}
    return None


def _bad_input_500(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if status in (400, 422) and isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != "errors"}
        return 500, headers, {**body, "status": 500, "code": "internal_error", "title": "Internal Server Error",
                              "type": "https://contractkit.dev/problems/internal_error"}
    return None


_INVENTED = {
    "/analyze-customer": {"analysis": "A steady account.", "confidence": 0.6, "reasoning": "",
                          "model_tier": "balanced"},
    "/suggest-next-action": {"suggestion": "Call them.", "confidence": 0.6, "reasoning": "", "model_tier": "balanced"},
    "/assess-risk": {"risk": {"level": "low", "score": 0.1, "factors": []}, "confidence": 0.6, "reasoning": "",
                     "model_tier": "advanced"},
}


def _unknown_customer_invented(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if status == 404 and isinstance(body, dict) and body.get("code") == "customer_not_found" and path in _INVENTED:
        headers = {k: v for k, v in headers.items() if k != "content-type"} | {"content-type": "application/json"}
        return 200, headers, {**_INVENTED[path], "token_count": 0, "cost_usd": 0.0, "fallback": False}
    return None


def _undeclared_status(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if status == 422 and isinstance(body, dict):
        return 400, headers, {**body, "status": 400, "code": "bad_request", "title": "Bad Request",
                              "type": "https://contractkit.dev/problems/bad_request"}
    return None


def _undeclared_content_type(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if path == "/chat" and status == 200:
        return status, {**headers, "content-type": "text/plain; charset=utf-8"}, body
    return None


def _invalid_chat_accepted(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if path == "/chat" and status == 422:
        return 200, {**headers, "content-type": "application/json"}, {
            "reply": "Happy to help.", "token_count": 0, "cost_usd": 0.0, "model_tier": "lightweight",
            "fallback": False}
    return None


MIN_CHAT_MESSAGE = 12


def _short_chat_refused(stack: Any, settings: NeuronSettings) -> Any:
    """Chat refuses messages under 12 characters with 422, although the contract allows one.

    A stricter-than-contract validator in the app's own body seam (``bodies.chat_request``): the
    refusal is the reference's genuine 422 problem, so only acceptance of valid input is broken.
    The suite's own chat turns use the spec's example message, which is longer, so only generated
    valid requests meet the defect.
    """
    app = create_neuron_app(settings)

    async def stricter(request: Request) -> dict[str, Any]:
        body = await read_json(request, "ChatRequest")
        message = body.get("message")
        if isinstance(message, str) and len(message) < MIN_CHAT_MESSAGE:
            raise ProblemError(422, "validation_error", "The request body is not valid.", errors=[
                {"location": "/message", "message": f"does not satisfy minLength: {MIN_CHAT_MESSAGE}"}])
        return body

    app.dependency_overrides[chat_request] = stricter
    return app


def _retry_after_missing(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if status == 429:
        return status, {k: v for k, v in headers.items() if k != "retry-after"}, body
    return None


def _fallback_500(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if status == 200 and isinstance(body, dict) and body.get("fallback") is True:
        return 500, {"content-type": "application/problem+json"}, {
            "type": "https://contractkit.dev/problems/internal_error", "title": "Internal Server Error",
            "status": 500, "code": "internal_error", "request_id": "req_selftest_500"}
    return None


def _deadline_overrun(stack: Any, settings: NeuronSettings) -> Any:
    """The first degraded answer of /suggest-next-action (deadline 5 s) arrives after 5.8 s."""
    overran: list[bool] = []

    def delay(path: str, body: Any) -> float:
        if path == "/suggest-next-action" and isinstance(body, dict) and body.get("fallback") is True and not overran:
            overran.append(True)
            return 5.8
        return 0.0

    return EditJsonResponses(create_neuron_app(settings), lambda *a: None, delay=delay)


# --- streams ------------------------------------------------------------------------------------

_DONE_REAL = re.compile(rb'"type"\s*:\s*"done".*"fallback"\s*:\s*false')


def _sse_without_terminal(stack: Any, settings: NeuronSettings) -> Any:
    def drop_done(chunk: bytes) -> bytes:
        kept = [e for e in sse_events(chunk) if not _DONE_REAL.search(e)]
        return b"".join(e + b"\n\n" for e in kept)

    return FilterStreamChunks(create_neuron_app(settings), "/chat/stream", drop_done)


def _sse_undeclared_field(stack: Any, settings: NeuronSettings) -> Any:
    def add_field(chunk: bytes) -> bytes:
        return re.sub(rb'"type"\s*:\s*"delta"', b'"type":"delta","debug":true', chunk)

    return FilterStreamChunks(create_neuron_app(settings), "/chat/stream", add_field)


def _framework_404_body(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if status == 404 and isinstance(body, dict):
        return status, headers, {"detail": "Not Found"}
    return None


def _readiness_never_degrades(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if path == "/ready" and status == 503 and isinstance(body, dict):
        provider = {"name": "provider", "state": "ok", "consecutive_failures": 0}
        kept = {k: v for k, v in headers.items() if k not in ("retry-after", "content-type")}
        return 200, {**kept, "content-type": "application/json"}, {"status": "ready", "provider": provider}
    return None


def _bad_request_id_header(stack: Any, settings: NeuronSettings) -> Any:
    return SetResponseHeader(create_neuron_app(settings), "x-request-id", "not a valid id!", {200})


def _done_instead_of_error(frame: Any) -> Any:
    if isinstance(frame, dict) and frame.get("type") == "error" and frame.get("code") == "provider_unavailable":
        return {"type": "done", "finish_reason": "stop", "token_count": frame.get("token_count", 0),
                "cost_usd": frame.get("cost_usd", 0.0), "fallback": False}
    return frame


def _sse_error_as_done(stack: Any, settings: NeuronSettings) -> Any:
    def rewrite(chunk: bytes) -> bytes:
        out = []
        for event in sse_events(chunk):
            if b"event: error" in event and b"provider_unavailable" in event:
                data = json.loads(event.split(b"data:", 1)[1].strip())
                event = b"event: done\ndata: " + json.dumps(_done_instead_of_error(data)).encode()
            out.append(event + b"\n\n")
        return b"".join(out)

    return FilterStreamChunks(create_neuron_app(settings), "/chat/stream", rewrite)


def _ws_error_as_done(stack: Any, settings: NeuronSettings) -> Any:
    return EditWebSocketFrames(create_neuron_app(settings), _done_instead_of_error)


def _ws_without_terminal(stack: Any, settings: NeuronSettings) -> Any:
    def drop_done(frame: Any) -> Any:
        if isinstance(frame, dict) and frame.get("type") == "done" and frame.get("fallback") is False:
            return None
        return frame

    return EditWebSocketFrames(create_neuron_app(settings), drop_done)


_RATES = {"lightweight": 0.0005, "balanced": 0.003, "advanced": 0.015}  # x-pricing of the bundled spec


def _sse_usage_inflated(stack: Any, settings: NeuronSettings) -> Any:
    """Streams bill 10 more tokens than the whole answer, priced consistently (so only the comparison fails)."""

    def rewrite(chunk: bytes) -> bytes:
        out = []
        for event in sse_events(chunk):
            if b"event: done" in event and _DONE_REAL.search(event):
                data = json.loads(event.split(b"data:", 1)[1].strip())
                tokens, cost = int(data["token_count"]), float(data["cost_usd"])
                rate = next((r for r in _RATES.values() if round(tokens / 1000 * r, 6) == cost), None)
                if rate is not None:
                    data["token_count"] = tokens + 10
                    data["cost_usd"] = round((tokens + 10) / 1000 * rate, 6)
                    event = b"event: done\ndata: " + json.dumps(data).encode()
            out.append(event + b"\n\n")
        return b"".join(out)

    return FilterStreamChunks(create_neuron_app(settings), "/chat/stream", rewrite)


DISRUPTIVE = ("NEU-FB-*", "NEU-SSE-003", "NEU-WS-003")

VARIANTS: tuple[Variant, ...] = (
    Variant("no-token-accepted", "NEU-AUTH-001", "a request without a token is served", no_token_accepted),
    Variant("malformed-token-accepted", "NEU-AUTH-002", "tokens that are not JWTs are accepted on HTTP",
            lenient(accept_malformed)),
    Variant("signature-not-checked", "NEU-AUTH-003", "forged, unsigned and edited tokens are accepted on HTTP",
            lenient(accept_unsigned)),
    Variant("expiry-not-checked", "NEU-AUTH-004", "expired tokens are accepted on HTTP", lenient(accept_expired),
            also_run=("NEU-AUTH-004",)),
    Variant("wrong-audience-accepted", "NEU-AUTH-005", "tokens for other audiences are accepted",
            wrong_audience_accepted),
    Variant("scope-ignored", "NEU-AUTH-006", "the operation's scope is not checked", scope_ignored),
    Variant("token-echoed", "NEU-AUTH-007", "401 answers echo the Authorization header", token_echoed),
    Variant("field-type-drift", "NEU-SCH-001", "analysis.reasoning drifts from string to number",
            _json_edit(_type_drift)),
    Variant("confidence-1.3", "NEU-SCH-001", "suggestions carry confidence 1.3", _json_edit(_confidence_out_of_range)),
    Variant("undeclared-status", "NEU-SCH-002", "validation errors are answered 400, which no operation declares",
            _json_edit(_undeclared_status)),
    Variant("undeclared-content-type", "NEU-SCH-003", "chat replies are served as text/plain",
            _json_edit(_undeclared_content_type)),
    Variant("short-chat-refused", "NEU-SCH-005", "chat refuses valid messages under 12 characters with 422",
            _short_chat_refused),
    Variant("invalid-chat-accepted", "NEU-SCH-006", "invalid chat requests are answered 200",
            _json_edit(_invalid_chat_accepted)),
    Variant("bad-request-id-header", "NEU-SCH-004", "200 answers carry an X-Request-ID that breaks its pattern",
            _bad_request_id_header),
    Variant("framework-error-body", "NEU-ERR-001", "404 answers carry the framework's {\"detail\"} body",
            _json_edit(_framework_404_body)),
    Variant("stack-trace-in-error", "NEU-ERR-002", "404 bodies carry a Python traceback",
            _json_edit(_stack_trace_in_error)),
    Variant("bad-input-500", "NEU-ERR-003", "invalid input gets 500 instead of 4xx", _json_edit(_bad_input_500)),
    Variant("unknown-customer-invented", "NEU-ERR-004", "an unknown customer gets an invented answer",
            _json_edit(_unknown_customer_invented)),
    Variant("cost-mispriced", "NEU-USE-001", "analyses bill twice the x-pricing cost", _json_edit(_cost_mispriced)),
    Variant("sse-without-terminal", "NEU-SSE-002", "the SSE stream ends without its done event",
            _sse_without_terminal),
    Variant("sse-usage-inflated", "NEU-USE-002", "streams report 10 more tokens than the whole answer",
            _sse_usage_inflated),
    Variant("sse-undeclared-field", "NEU-SSE-001", "delta events carry an undeclared field", _sse_undeclared_field),
    Variant("sse-error-as-done", "NEU-SSE-003", "a mid-stream provider failure ends the SSE stream with done",
            _sse_error_as_done, also_run=("NEU-SSE-003",)),
    Variant("ws-without-terminal", "NEU-WS-002", "WebSocket turns end without their done frame", _ws_without_terminal),
    Variant("ws-error-as-done", "NEU-WS-003", "a mid-stream provider failure ends the WebSocket turn with done",
            _ws_error_as_done, also_run=("NEU-WS-003",)),
    Variant("ws-accepts-bad-auth", "NEU-WS-001", "the WebSocket accepts any token", ws_accepts_bad_auth),
    Variant("retry-after-missing", "NEU-RL-001", "429 answers lack Retry-After", _json_edit(_retry_after_missing),
            also_run=("NEU-RL-001",)),
    Variant("fallback-500", "NEU-FB-001", "provider failures get a bare 500", _json_edit(_fallback_500),
            also_run=DISRUPTIVE),
    Variant("readiness-never-degrades", "NEU-FB-003", "readiness says ready while the provider fails",
            _json_edit(_readiness_never_degrades), also_run=("NEU-FB-003",)),
    Variant("deadline-overrun", "NEU-FB-002", "a degraded answer arrives after the deadline", _deadline_overrun,
            also_run=DISRUPTIVE),
    Variant("job-result-never-arrives", "NEU-FB-002", "an account review's job stays running past the deadline",
            job_result_never_arrives, also_run=DISRUPTIVE),
    Variant("header-usage-mispriced", "NEU-USE-001", "account reviews bill twice the cost in X-Usage-Cost-USD",
            header_usage_mispriced),
    Variant("readiness-200-while-degraded", "NEU-FB-003", "readiness answers 200 while the provider is degraded",
            readiness_200_while_degraded, also_run=("NEU-FB-003",)),
    Variant("subprotocol-token-not-checked", "NEU-WS-001", "the WebSocket accepts any bearer-subprotocol token",
            subprotocol_token_not_checked),
    Variant("connection-frame-undeclared", "NEU-WS-002", "the connection's first frame is an undeclared hello",
            connection_frame_undeclared),
)

REFERENCE = Variant("reference", "", "the unbroken reference neuron/", _reference)


def variant(name: str) -> Variant:
    for v in (REFERENCE, *VARIANTS):
        if v.name == name:
            return v
    raise KeyError(name)
