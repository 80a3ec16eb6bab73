"""``NeuronDouble``: a neuron/ made from a spec, with no LLM, that plays faults on demand and keeps
a record of what its consumer did.

It is an ASGI application (Starlette): one route per operation of the spec and per
``x-websockets`` entry, the token endpoint (see :mod:`.auth`) and the control endpoints under
``/_double/`` (see :mod:`.control`). The contract's behaviours it keeps are named in
:mod:`.behaviours`; each can be switched off to play a defect.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute

from contractkit.double import defects
from contractkit.double.answers import Answers
from contractkit.double.auth import DoubleAuth
from contractkit.double.behaviours import check_defects
from contractkit.double.facts import Facts
from contractkit.double.faults import FaultPlan
from contractkit.double.generate import seeded
from contractkit.double.jobs import Jobs
from contractkit.double.record import Record
from contractkit.errors import ConfigError
from contractkit.reference.connection import RAW_SEND, reset_connection
from contractkit.reference.neuron.contract import RateLimit
from contractkit.reference.neuron.ratelimit import RateLimiter
from contractkit.spec.neuron import NeuronSpec, Operation


@dataclass
class DoubleSettings:
    """How one double runs; everything has a default a consumer's test can live with."""

    seed: int = 0
    rates: dict[str, float] = field(default_factory=dict)
    record_path: Path | None = None
    jwks_url: str | None = None
    client_id: str = "engine"
    client_secret: str | None = None
    subjects: tuple[str, ...] = ()
    defects: frozenset[str] = frozenset()
    slow_token_s: float = 0.5
    cut_after_frames: int = 2
    fault_retry_after_s: int = 1
    scope_claim: str = "scope"  # how minted tokens carry their scopes (auth.SCOPE_CLAIMS)


@dataclass
class Health:
    """Degraded from a provider failure until an answer succeeds (what the readiness probe says)."""

    failures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def failure(self) -> None:
        with self._lock:
            self.failures += 1

    def success(self) -> None:
        with self._lock:
            self.failures = 0


class NeuronDouble:
    """The double of one spec; ``app`` is the ASGI application (the double itself is one too)."""

    def __init__(self, spec: NeuronSpec, settings: DoubleSettings | None = None) -> None:
        from contractkit.double import control, http_ops, websockets

        self.spec = spec
        self.settings = settings or DoubleSettings()
        self.defects = check_defects(self.settings.defects)
        self.facts = Facts(spec)
        self.facts.known_subjects |= set(self.settings.subjects)
        self.answers = Answers(self.facts, self.settings.seed)
        self.auth = DoubleAuth(spec, jwks_url=self.settings.jwks_url, client_id=self.settings.client_id,
                               client_secret=self.settings.client_secret,
                               lax=frozenset({"check_audience", "check_expiry"} & self.defects),
                               scope_claim=self.settings.scope_claim)
        self.plan = FaultPlan(spec, self.settings.rates, self.settings.seed)
        self.record = Record(self.settings.record_path)
        self.limiter = RateLimiter()
        self.health = Health()
        self.jobs = Jobs(self)
        # the operations two defects play on (each the first of its kind in the spec)
        self.undeclared_success_target = defects.undeclared_success_target(spec)
        self.strict_target = defects.strict_target(spec)
        self._clients: dict[str, str] = {}
        routes: list[Any] = list(control.routes(self))
        if self.auth.token_path:
            routes.append(Route(self.auth.token_path, self.auth.token_app(), methods=["POST"]))
        for op in spec.operations:
            routes.append(Route(self.base_path + Facts.route_path(op.path), http_ops.endpoint(self, op),
                                methods=[op.method]))
        for ws in self.facts.websockets:
            routes.append(WebSocketRoute(self.base_path + Facts.route_path(ws.path), websockets.endpoint(self, ws)))
        self.app = Starlette(routes=routes, exception_handlers={HTTPException: self._on_http_error})

    def warm_up(self) -> None:
        """Build every answer once (bodies, error bodies, frames, headers) so that a spec the double
        cannot answer from is refused before it serves: ConfigError naming the operation."""
        from contractkit.double.answers import Answer
        from contractkit.double.turns import turn_frames, ws_schema_of

        answer = Answer("warm up", None, 1, 0.0, False)
        label = "the spec"
        try:
            for op in self.spec.operations:
                label = op.label
                self.answers.whole(op, answer, "warm-up")
                for status in [s for s in op.responses if s[:1] in ("4", "5") and s[1:].isdigit()] or ["500"]:
                    self.answers.error(op, int(status), "warm-up")
                self.declared_headers(op, self.facts.success_status(op), "warm-up")
                if op.grammar is not None:
                    turn_frames(self.answers, op.grammar, op.event_schemas.get, answer, None)
            for ws in self.facts.websockets:
                label = ws.label
                if ws.grammar is not None:
                    schema_of = ws_schema_of(self.answers, ws.raw.get("server_messages") or {}, ws.grammar.type_field)
                    turn_frames(self.answers, ws.grammar, schema_of, answer, None)
        except Exception as exc:  # a dangling $ref, a schema jsonschema cannot read, ...
            raise ConfigError(f"the double cannot answer {label} from this spec: {str(exc).splitlines()[0][:200]}"
                              ) from None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope[RAW_SEND] = send
        await self.app(scope, receive, send)

    @property
    def base_path(self) -> str:
        """Where the operations are served: the path of the spec's first server URL (``/v1``), or ''."""
        return self.facts.base_path

    def keeps(self, behaviour: str) -> bool:
        return behaviour not in self.defects

    def scopes_of(self, op: Operation, scopes: tuple[str, ...] | None = None) -> tuple[str, ...] | None:
        """The scopes the double asks of a token calling ``op`` (``scopes``: a security requirement's,
        else the operation's), none where a scope defect is played."""
        scopes = op.scopes if scopes is None else scopes
        if scopes is None:
            return None
        if not self.keeps("enforce_scope"):
            return ()
        if not self.keeps("scope_every_operation"):
            first = next((o for o in self.spec.operations if o.ai is not None and o.scopes), None)
            if first is not None and first.label == op.label:
                return ()
        return scopes

    @property
    def degraded(self) -> bool:
        return self.keeps("degrade_readiness") and (self.health.failures > 0 or self.plan.provider_fault_armed())

    # -- shared by the HTTP and WebSocket handlers ------------------------------------------------
    def client_of(self, authorization: str | None) -> str:
        """Who is calling, for the record and the rate limit: the token's client (unverified), else anonymous."""
        token = (authorization or "").partition(" ")[2].strip()
        if not token:
            return "anonymous"
        known = self._clients.get(token)
        if known is not None:
            return known
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return "anonymous"
        if len(self._clients) > 1024:
            self._clients.clear()
        client = self._clients[token] = str(claims.get("client_id") or claims.get("sub") or "anonymous")
        return client

    def over_limit(self, client: str, label: str, limit: tuple[int, float] | None,
                   headers: dict[str, str] | None = None) -> int | None:
        """Seconds to wait when this call is past the operation's ``x-rate-limit``, else None; the
        ``RateLimit-*`` values of the decision go into ``headers``."""
        if limit is None or not self.keeps("rate_limit"):
            return None
        decision = self.limiter.hit(client, label, RateLimit(limit[0], limit[1]))
        if headers is not None:
            headers.update({k.lower(): v for k, v in decision.headers().items()})
        return None if decision.allowed else decision.reset_s

    def error_response(self, op: Operation | None, status: int, key: str, headers: dict[str, str] | None = None,
                       retry_after: int | None = None, known: dict[str, str] | None = None) -> Response:
        media, body = self.answers.error(op, status, key)
        if op is not None and not (self.keeps("hide_internals") and self.keeps("complete_errors")):
            schema = self.spec.error_schema(op, status) or self.spec.shared_error_schema or {}
            if not self.keeps("hide_internals"):
                body = defects.with_stack_trace(self.spec, schema, body)
            if not self.keeps("complete_errors"):
                body = defects.without_required(self.spec, schema, body)
        extra = dict(headers or {})
        if retry_after is not None and self.keeps("retry_after"):
            extra["Retry-After"] = str(retry_after)
        all_headers = {**self.declared_headers(op, str(status), key, known), **extra}
        return Response(_json(body), status_code=status, media_type=media, headers=all_headers)

    def declared_headers(self, op: Operation | None, status: str, key: str,
                         known: dict[str, str] | None = None) -> dict[str, str]:
        """A value for every header the response declares that the double does not set itself
        (``known`` values, such as the rate limiter's, are used where declared)."""
        response = op.responses.get(status) if op is not None and self.keeps("declared_headers") else None
        out: dict[str, str] = {}
        rng = seeded(self.settings.seed, "headers", key)
        for name, header in (response.headers.items() if response else ()):
            if name in ("retry-after", "www-authenticate", "content-type", "content-length"):
                continue
            if known and name in known:
                out[name] = known[name]
                continue
            value = self.answers.header_value(header, rng)
            if value is not None:
                out[name] = value
        return out

    async def _on_http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return self.error_response(None, exc.status_code, "none", dict(exc.headers or {}))

    async def abort(self, scope: dict[str, Any]) -> bool:
        """Reset the client's connection at once (RST, not a clean close); False where the server
        does not expose its transport."""
        if not reset_connection(scope):
            return False
        for _ in range(3):  # let the server see the connection lost before the app returns
            await asyncio.sleep(0)
        return True

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)


def _json(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()
