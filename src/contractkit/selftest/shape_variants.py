"""Broken variants of the shapes a spec may declare beyond plain JSON answers: a job, usage in
headers, readiness by status, bearer-subprotocol WebSocket auth and connection frames.

Each breaks exactly one declared behaviour of the reference neuron/ (see ``variants.py`` for the
others) and names the rule that must catch it.
"""

from __future__ import annotations

import base64
from typing import Any

from contractkit.reference.neuron import NeuronSettings, create_neuron_app
from contractkit.selftest.middleware import EditJsonResponses, EditWebSocketFrames

REVIEWS = "/account-reviews/"
BEARER_PREFIX = b"base64url.bearer.authorization.k8s.io."  # auth.subprotocol.token_prefix of the bundled spec


def _job_never_done(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    """Reviews the provider answered stay ``running``: their result never arrives within the deadline
    (degraded results still do, so the fallback itself stays right)."""
    result = body.get("result") if isinstance(body, dict) else None
    if path.startswith(REVIEWS) and status == 200 and isinstance(body, dict) and body.get("status") == "succeeded" \
            and isinstance(result, dict) and result.get("fallback") is False and not path.endswith("example000001"):
        return status, headers, {"id": body["id"], "status": "running"}
    return None


def job_result_never_arrives(stack: Any, settings: NeuronSettings) -> Any:
    return EditJsonResponses(create_neuron_app(settings), _job_never_done)


def _header_cost_doubled(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    """Account reviews bill twice the x-pricing cost in X-Usage-Cost-USD (their body stays right)."""
    result = body.get("result") if isinstance(body, dict) else None
    if path.startswith(REVIEWS) and status == 200 and "x-usage-cost-usd" in headers \
            and isinstance(result, dict) and result.get("fallback") is False:
        cost = float(headers["x-usage-cost-usd"])
        return status, {**headers, "x-usage-cost-usd": repr(round(cost * 2 + 0.001, 6))}, body
    return None


def header_usage_mispriced(stack: Any, settings: NeuronSettings) -> Any:
    return EditJsonResponses(create_neuron_app(settings), _header_cost_doubled)


def _ready_200_while_degraded(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    """/ready answers 200 (with a degraded body) where the spec says a degraded provider gets 503."""
    if path == "/ready" and status == 503 and isinstance(body, dict):
        provider = {"name": "provider", "state": "degraded", "consecutive_failures": 1}
        kept = {k: v for k, v in headers.items() if k not in ("retry-after", "content-type")}
        return 200, {**kept, "content-type": "application/json"}, {"status": "degraded", "provider": provider}
    return None


def readiness_200_while_degraded(stack: Any, settings: NeuronSettings) -> Any:
    return EditJsonResponses(create_neuron_app(settings), _ready_200_while_degraded)


class _TrustSubprotocolToken:
    """Any token offered as a bearer subprotocol is swapped for a valid one before neuron/ sees it:
    the WebSocket accepts the subprotocol without a valid token (header and message auth stay right)."""

    def __init__(self, app: Any, stack: Any) -> None:
        self.app = app
        self.stack = stack

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            scope = {**scope, "headers": [self._swap(k, v) for k, v in scope.get("headers", [])]}
        await self.app(scope, receive, send)

    def _swap(self, name: bytes, value: bytes) -> tuple[bytes, bytes]:
        if name.lower() != b"sec-websocket-protocol" or BEARER_PREFIX not in value:
            return name, value
        valid = base64.urlsafe_b64encode(self.stack.token(["neuron.chat"]).encode()).rstrip(b"=")
        offered = [p.strip() for p in value.split(b",")]
        return name, b", ".join(BEARER_PREFIX + valid if p.startswith(BEARER_PREFIX) else p for p in offered)


def subprotocol_token_not_checked(stack: Any, settings: NeuronSettings) -> Any:
    return _TrustSubprotocolToken(create_neuron_app(settings), stack)


def _session_as_undeclared_hello(frame: Any) -> Any:
    if isinstance(frame, dict) and frame.get("type") == "session":
        return {"type": "hello", "session_id": frame.get("session_id")}
    return frame


class _HelloForBrowsers:
    """Connections without an Authorization header (the browser paths: first message, subprotocol)
    open with a ``hello`` frame the spec declares nowhere, instead of the declared ``session``."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.edited = EditWebSocketFrames(app, _session_as_undeclared_hello)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        browser = scope["type"] == "websocket" and not any(k.lower() == b"authorization"
                                                           for k, _ in scope.get("headers", []))
        await (self.edited if browser else self.app)(scope, receive, send)


def connection_frame_undeclared(stack: Any, settings: NeuronSettings) -> Any:
    return _HelloForBrowsers(create_neuron_app(settings))
