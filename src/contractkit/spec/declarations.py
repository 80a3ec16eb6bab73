"""Which declarations each neuron/ rule needs, as data: one table read by lint and by the checks.

A rule whose subject lacks one of its declarations is "not verified: the spec does not declare
X" at run time, and lint (OAS-056) lists the same gaps before the run, so a user reads what to
add to the spec. Each ``Need`` names the declaration as the user writes it, the section of
docs/extensions.md that explains it, and the predicate on the spec and the rule's subject (an
``Operation``, a WebSocket with ``path`` and ``decl``, or None for a rule run once per target).
Needs that a flag can meet instead say so in their text, and ``met_by`` tells from the run's
options (any object with the flags' attributes) whether one was given. The live suite's plugin
reads this table before it runs a check, so no check can blame the target for a missing
declaration: the case is not verified with the declaration's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contractkit.spec.neuron import NeuronSpec

Subject = Any  # an Operation, a WebSocket (``path``, ``decl``), or None


@dataclass(frozen=True)
class Need:
    """One declaration a rule needs of the spec."""

    declaration: str
    anchor: str
    holds: Callable[[NeuronSpec, Subject], bool]
    met_by: Callable[[Any], bool] = lambda options: False

    @property
    def reason(self) -> str:
        return f"the spec does not declare {self.declaration} (docs/extensions.md#{self.anchor})"


@dataclass(frozen=True)
class Socket:
    """A WebSocket of ``x-websockets`` as the table sees it (the checks' ``WsEndpoint`` extends it)."""

    path: str
    decl: dict[str, Any]

    @property
    def label(self) -> str:
        return f"WS {self.path}"


def _ai(subject: Subject) -> dict[str, Any]:
    raw = subject.decl.get("x-ai-operation") if hasattr(subject, "decl") else getattr(subject, "ai", None)
    return raw if isinstance(raw, dict) else {}


def _stream(subject: Subject) -> dict[str, Any]:
    """The ``x-stream`` of an SSE operation or a WebSocket."""
    if hasattr(subject, "decl"):
        raw = subject.decl.get("x-stream")
    else:
        raw = (getattr(subject, "sse_response", None) or {}).get("x-stream")
    return raw if isinstance(raw, dict) else {}


def _bearer(spec: NeuronSpec, op: Subject) -> bool:
    return bool(getattr(op, "bearer", False))


def _token_endpoint(spec: NeuronSpec, op: Subject) -> bool:
    return bool(spec.token_url or spec.discovery_url)


def _other_scope(spec: NeuronSpec, op: Subject) -> bool:
    return bool(set(spec.all_scopes) - set(getattr(op, "scopes", None) or ()))


def _error_body(spec: NeuronSpec, op: Subject) -> bool:
    declared = any(status[0] in "45" or status == "default" for status, response in op.responses.items()
                   if any(m.get("schema") for m in response.content.values()))
    return declared or spec.shared_error_schema is not None


def _not_found(spec: NeuronSpec, op: Subject) -> bool:
    return op.subject is not None and op.subject.not_found_status is not None


def _fault_way(spec: NeuronSpec, subject: Subject) -> bool:
    return bool(spec.fault_injection.get("modes"))


def _degraded_marked(spec: NeuronSpec, op: Subject) -> bool:
    if getattr(op, "is_stream", False):
        return bool(_stream(op).get("fallback")) or bool(_stream(op).get("errors"))
    return op.fallback_marker is not None or op.fallback_mode == "unavailable"


def _usage(spec: NeuronSpec, subject: Subject) -> bool:
    if hasattr(subject, "decl") or getattr(subject, "is_stream", False):
        return isinstance(_stream(subject).get("usage"), dict)
    return isinstance(_ai(subject).get("usage"), dict)


def _tier(spec: NeuronSpec, subject: Subject) -> bool:
    usage = _stream(subject).get("usage") if hasattr(subject, "decl") or getattr(subject, "is_stream", False) \
        else _ai(subject).get("usage")
    rates = spec.pricing.get("usd_per_1k_tokens") or {}
    return (isinstance(usage, dict) and bool(usage.get("model_tier"))) or bool(_ai(subject).get("default_model_tier")) \
        or len(rates) == 1


def _twin(spec: NeuronSpec, subject: Subject) -> bool:
    twin = spec.operation(_ai(subject).get("stream_of") or "")
    return twin is not None and twin.usage is not None


def _readiness(spec: NeuronSpec, subject: Subject) -> bool:
    ready = spec.probe("readiness")
    return ready is not None and bool((ready.probe or {}).get("degraded"))


def _rate_limit(spec: NeuronSpec, subject: Subject) -> bool:
    return any(op.rate_limit is not None and not op.is_stream for op in spec.operations)


def _close_code(spec: NeuronSpec, ws: Subject) -> bool:
    return isinstance((ws.decl.get("auth") or {}).get("failure_close_code"), int)


BEARER = Need("an oauth2, openIdConnect or http bearer security scheme for the operation", "security-schemes",
              _bearer)
PRESENTABLE = Need("credentials the suite can present for the operation (a bearer token, or API keys)",
                   "security-schemes", lambda spec, op: op.credential is not None and op.credential.presentable)
KEY_REFUSAL = Need("a 401 or 403 response (how an operation with API keys only refuses a request)", "security-schemes",
                   lambda spec, op: bool(getattr(op, "bearer", False)) or "401" in op.responses
                   or "403" in op.responses)
TOKEN_ENDPOINT = Need("a token endpoint (oauth2 clientCredentials.tokenUrl or openIdConnectUrl; or give --token-url)",
                      "security-schemes", _token_endpoint, lambda options: bool(getattr(options, "token_url", None)))
AUDIENCE = Need("x-audience on the security scheme", "x-audience-and-x-token-request",
                lambda spec, op: bool(spec.audiences))
ASKED_AUDIENCE = Need("a token request that names the audience (x-token-request.audience_parameter audience or "
                      "resource, not none; or give --token-audience-param)", "x-audience-and-x-token-request",
                      lambda spec, op: spec.token_request.get("audience_parameter") != "none",
                      lambda options: getattr(options, "token_audience_param", "auto") in ("audience", "resource"))
OTHER_SCOPE = Need("a second scope in the security scheme's flows", "security-schemes", _other_scope)
ERROR_BODY = Need("an error response schema (a 4XX, 5XX or default response with content)",
                  "defaults-the-suite-assumes", _error_body)
NOT_FOUND = Need("x-ai-operation.subject.not_found_status (or a 404 response)", "x-ai-operation", _not_found)
AI_OPERATION = Need("x-ai-operation", "x-ai-operation", lambda spec, op: op.ai is not None)
DEADLINE = Need("x-ai-operation.deadline_ms", "x-ai-operation", lambda spec, op: op.deadline_s is not None)
DEGRADED_MARK = Need("how a degraded answer is marked (x-ai-operation.fallback.marker, or x-stream.fallback)",
                     "x-ai-operation", _degraded_marked)
FAULTS = Need("x-fault-injection (or run with --provider-double)", "x-fault-injection", _fault_way,
              lambda options: bool(getattr(options, "provider_double", None)))
READINESS = Need("a readiness probe with a degraded state (x-probe.degraded)", "x-probe", _readiness)
RATE_LIMIT = Need("x-rate-limit on a request/response operation", "x-rate-limit", _rate_limit)
SSE_EVENTS = Need("x-sse-events", "x-sse-events-and-x-stream",
                  lambda spec, op: bool(getattr(op, "event_schemas", None)))
STREAM = Need("x-stream", "x-sse-events-and-x-stream", lambda spec, s: bool(_stream(s)))
TYPE_FIELD = Need("x-stream.type_field (where a message names its type)", "x-websockets",
                  lambda spec, ws: bool(_stream(ws).get("type_field")))
PRICING = Need("x-pricing", "x-pricing", lambda spec, op: bool(spec.pricing.get("usd_per_1k_tokens")))
USAGE = Need("where usage is reported (x-ai-operation.usage, or x-stream.usage for a stream)", "x-ai-operation",
             _usage)
TIER = Need("the model tier (usage.model_tier or x-ai-operation.default_model_tier; one x-pricing tier also does)",
            "x-pricing", _tier)
TWIN = Need("a whole-answer twin that reports usage (x-ai-operation.stream_of)", "x-ai-operation", _twin)
CLOSE_CODE = Need("auth.failure_close_code", "x-websockets", _close_code)

#: rule id -> the declarations it needs of its subject. Every NEU rule has an entry (tests/spec).
NEEDS: dict[str, tuple[Need, ...]] = {
    "NEU-AUTH-001": (PRESENTABLE, KEY_REFUSAL),
    "NEU-AUTH-002": (PRESENTABLE, KEY_REFUSAL),
    "NEU-AUTH-003": (BEARER,),
    "NEU-AUTH-004": (BEARER, TOKEN_ENDPOINT),
    "NEU-AUTH-005": (BEARER, TOKEN_ENDPOINT, AUDIENCE, ASKED_AUDIENCE),
    "NEU-AUTH-006": (BEARER, OTHER_SCOPE),
    "NEU-AUTH-007": (BEARER,),
    "NEU-SCH-001": (),
    "NEU-SCH-002": (),
    "NEU-SCH-003": (),
    "NEU-SCH-004": (),
    "NEU-SCH-005": (),
    "NEU-SCH-006": (),
    "NEU-ERR-001": (ERROR_BODY,),
    "NEU-ERR-002": (),
    "NEU-ERR-003": (),
    "NEU-ERR-004": (NOT_FOUND,),
    "NEU-FB-001": (AI_OPERATION, DEGRADED_MARK, FAULTS),
    "NEU-FB-002": (DEADLINE,),
    "NEU-FB-003": (READINESS, FAULTS),
    "NEU-RL-001": (RATE_LIMIT,),
    "NEU-SSE-001": (SSE_EVENTS,),
    "NEU-SSE-002": (STREAM,),
    "NEU-SSE-003": (STREAM, FAULTS),
    "NEU-USE-001": (PRICING, USAGE, TIER),
    "NEU-USE-002": (USAGE, TWIN),
    "NEU-WS-001": (CLOSE_CODE,),
    "NEU-WS-002": (STREAM, TYPE_FIELD),
    "NEU-WS-003": (STREAM, TYPE_FIELD, FAULTS),
}


#: rule id -> what it is checked on (the registry's ``applies``; a test keeps the two equal).
APPLIES: dict[str, str] = {
    **dict.fromkeys(("NEU-AUTH-001", "NEU-AUTH-002", "NEU-AUTH-003", "NEU-AUTH-004", "NEU-AUTH-005", "NEU-AUTH-006",
                     "NEU-AUTH-007", "NEU-SCH-006", "NEU-ERR-001", "NEU-ERR-002", "NEU-ERR-003"), "authenticated"),
    "NEU-SCH-001": "json_answers",
    **dict.fromkeys(("NEU-SCH-002", "NEU-SCH-003", "NEU-SCH-004", "NEU-SCH-005"), "operation"),
    "NEU-ERR-004": "subject",
    **dict.fromkeys(("NEU-FB-001", "NEU-FB-002", "NEU-USE-001"), "ai"),
    "NEU-FB-003": "",
    "NEU-RL-001": "rate_limited",
    **dict.fromkeys(("NEU-SSE-001", "NEU-SSE-002", "NEU-SSE-003"), "stream"),
    "NEU-USE-002": "turns",
    **dict.fromkeys(("NEU-WS-001", "NEU-WS-002", "NEU-WS-003"), "websocket"),
}


#: selector -> (what it picks, in words; the predicate on an operation). The one table of what a
#: rule is checked on: the live suite's plugin and lint's OAS-056 both read it.
SELECTORS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "operation": ("operation", lambda op: True),
    "authenticated": ("authenticated operation", lambda op: op.authenticated),
    "ai": ("AI operation", lambda op: op.ai is not None),
    "json_ai": ("AI operation answering JSON", lambda op: op.ai is not None and not op.is_stream),
    "subject": ("operation naming its subject (x-ai-operation.subject, x-subject)", lambda op: op.subject is not None),
    "stream": ("SSE operation", lambda op: op.is_stream),
    "rate_limited": ("rate-limited operation", lambda op: op.rate_limit is not None),
    "json_answers": ("operation answering JSON", lambda op: any(
        status.startswith("2") and any("json" in media for media in r.content) for status, r in op.responses.items())),
}


def describe_selector(selector: str) -> str:
    """What a selector picks, in words ("the spec declares no <this>")."""
    return {"turns": "stream (SSE operation or WebSocket)", "websocket": "WebSocket endpoint (x-websockets)"}.get(
        selector) or SELECTORS[selector][0]


def subjects(spec: NeuronSpec, selector: str) -> list[Subject]:
    """What a rule of ``selector`` is checked on in ``spec`` ([None]: once for the whole target)."""
    sockets = [Socket(str(path), decl) for path, decl in spec.websockets.items() if isinstance(decl, dict)]
    ops = spec.operations
    if not selector:
        return [None]
    if selector == "websocket":
        return list(sockets)
    if selector == "turns":
        return [op for op in ops if op.is_stream] + sockets
    return [op for op in ops if SELECTORS[selector][1](op)]


def missing(rule_id: str, spec: NeuronSpec, subject: Subject) -> list[Need]:
    """The declarations ``rule_id`` needs of ``subject`` that the spec lacks."""
    return [need for need in NEEDS.get(rule_id, ()) if not need.holds(spec, subject)]


def gap(rule_id: str, spec: NeuronSpec, subject: Subject, options: Any = None) -> str | None:
    """The not-verified reason for the first missing declaration that no flag of ``options`` meets,
    or None when nothing is missing."""
    lacking = [need for need in missing(rule_id, spec, subject) if options is None or not need.met_by(options)]
    return lacking[0].reason if lacking else None
