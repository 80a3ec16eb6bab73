"""What neuron/ reads from its spec at startup, so the spec stays the one source of truth.

The facts come through the kit's spec model (``contractkit.spec.neuron``), the same reading the
live suite and lint use: per operation, the scope it needs, its ``x-ai-operation`` (deadline,
default tier, fallback) and ``x-rate-limit``; globally ``x-pricing``, ``x-audience``,
``x-fault-injection`` and the ``x-websockets`` entry of ``/chat/ws``. Request schemas are taken
from ``components.schemas`` and checked with jsonschema, exactly as the spec states them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012 as _SPEC

from contractkit.resources import neuron_spec_path
from contractkit.spec.neuron import NeuronSpec
from contractkit.spec.neuron import Operation as SpecOperation

MAX_BODY_BYTES = 64 * 1024
_COMPONENT_REF = "#/components/schemas/"


@dataclass(frozen=True)
class RateLimit:
    requests: int
    window_s: float


@dataclass(frozen=True)
class Fallback:
    mode: str  # degraded_answer | unavailable
    retry_after_s: int = 5


@dataclass(frozen=True)
class Operation:
    """One AI operation (or the WebSocket endpoint) as the spec declares it."""

    key: str
    scope: str | None
    deadline_ms: int | None
    default_tier: str
    fallback: Fallback
    rate_limit: RateLimit | None


@dataclass
class NeuronContract:
    spec: dict[str, Any]
    operations: dict[str, Operation]
    pricing: dict[str, float]
    rounding: int
    audience: str
    fault_header: str
    fault_modes: frozenset[str]
    ws: dict[str, Any]
    degraded_status: int | None = None  # what /ready answers while degraded, when the spec says by status
    validators: dict[str, Draft202012Validator] = field(default_factory=dict)

    def price(self, tier: str, token_count: int) -> float:
        return round(token_count / 1000 * self.pricing.get(tier, 0.0), self.rounding)

    def validator(self, schema_name: str) -> Draft202012Validator:
        return self.validators[schema_name]


def _operation(key: str, scopes: tuple[str, ...] | None, ai: dict[str, Any] | None,
               rate: tuple[int, float] | None) -> Operation:
    fb = (ai or {}).get("fallback") or {}
    return Operation(
        key=key,
        scope=scopes[0] if scopes else None,
        deadline_ms=(ai or {}).get("deadline_ms"),
        default_tier=(ai or {}).get("default_model_tier", "balanced"),
        fallback=Fallback(fb.get("mode", "unavailable"), int(fb.get("retry_after_seconds", 5))),
        rate_limit=RateLimit(*rate) if rate else None,
    )


def _from_spec(op: SpecOperation) -> Operation:
    return _operation(op.path, op.scopes, op.ai, op.rate_limit)


def _inline(node: Any, schemas: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """The schema with its local component $refs replaced by their targets (faster to validate)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_COMPONENT_REF) and len(node) == 1:
            name = ref[len(_COMPONENT_REF):]
            if name in seen or name not in schemas:
                raise RecursionError(name)
            return _inline(schemas[name], schemas, (*seen, name))
        return {k: _inline(v, schemas, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, schemas, seen) for v in node]
    return node


def _validators(spec: dict[str, Any]) -> dict[str, Draft202012Validator]:
    """One validator per component schema; $refs inlined where the schema is not recursive."""
    schemas = spec.get("components", {}).get("schemas", {})
    registry = Registry().with_resource("urn:neuron-api", Resource.from_contents(spec, default_specification=_SPEC))
    validators = {}
    for name in schemas:
        try:
            validators[name] = Draft202012Validator(_inline(schemas[name], schemas, (name,)),
                                                    format_checker=FormatChecker())
        except RecursionError:
            validators[name] = Draft202012Validator({"$ref": f"urn:neuron-api#/components/schemas/{name}"},
                                                    registry=registry, format_checker=FormatChecker())
    return validators


def _degraded_status(model: NeuronSpec) -> int | None:
    """The status the readiness probe's ``x-probe.degraded.status`` names (the first, if a list)."""
    ready = model.probe("readiness")
    raw = ((ready.probe if ready else None) or {}).get("degraded", {}).get("status")
    first = raw[0] if isinstance(raw, list) and raw else raw
    return first if isinstance(first, int) and not isinstance(first, bool) else None


def load_contract(path: str | Path | None = None) -> NeuronContract:
    model = NeuronSpec.load(path or neuron_spec_path())
    operations = {f"{op.method} {op.path}": _from_spec(op) for op in model.operations}
    ws = dict(model.websockets.get("/chat/ws", {}))
    if ws:
        scopes = tuple(s for req in ws.get("security") or model.data.get("security") or []
                       for scheme in req.values() for s in scheme)
        rl = ws.get("x-rate-limit")
        operations["WS /chat/ws"] = _operation(
            "/chat/ws", scopes, ws.get("x-ai-operation"),
            (int(rl["requests"]), float(rl["window_seconds"])) if rl else None)
    pricing = model.pricing
    fault = model.fault_injection
    return NeuronContract(
        spec=model.data,
        operations=operations,
        pricing={k: float(v) for k, v in pricing.get("usd_per_1k_tokens", {}).items()},
        rounding=int(pricing.get("rounding_decimals", 6)),
        audience=model.audience or "neuron-api",
        fault_header=fault.get("header", "X-Fault-Inject"),
        fault_modes=frozenset(fault.get("modes", {})),
        ws=ws,
        degraded_status=_degraded_status(model),
        validators=_validators(model.data),
    )
