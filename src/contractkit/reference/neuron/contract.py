"""What neuron/ reads from its spec at startup, so the spec stays the one source of truth.

Per operation: the scope it needs, its ``x-ai-operation`` (deadline, default tier, fallback) and
``x-rate-limit``; globally: ``x-pricing``, ``x-audience``, ``x-fault-injection`` and the
``x-websockets`` entry of ``/chat/ws``. Request schemas are taken from ``components.schemas``
and checked with jsonschema, exactly as the spec states them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012 as _SPEC

from contractkit.resources import neuron_spec_path

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
    validators: dict[str, Draft202012Validator] = field(default_factory=dict)

    def price(self, tier: str, token_count: int) -> float:
        return round(token_count / 1000 * self.pricing.get(tier, 0.0), self.rounding)

    def validator(self, schema_name: str) -> Draft202012Validator:
        return self.validators[schema_name]


def _operation(key: str, node: dict[str, Any], default_security: list[Any]) -> Operation:
    security = node.get("security", default_security) or []
    scopes = [s for req in security for scheme in req.values() for s in scheme]
    ai = node.get("x-ai-operation") or {}
    fb = ai.get("fallback") or {}
    rl = node.get("x-rate-limit")
    return Operation(
        key=key,
        scope=scopes[0] if scopes else None,
        deadline_ms=ai.get("deadline_ms"),
        default_tier=ai.get("default_model_tier", "balanced"),
        fallback=Fallback(fb.get("mode", "unavailable"), int(fb.get("retry_after_seconds", 5))),
        rate_limit=RateLimit(int(rl["requests"]), float(rl["window_seconds"])) if rl else None,
    )


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


def load_contract(path: str | Path | None = None) -> NeuronContract:
    spec = yaml.safe_load(Path(path or neuron_spec_path()).read_text(encoding="utf-8"))
    default_security = spec.get("security", [])
    operations: dict[str, Operation] = {}
    for route, item in spec.get("paths", {}).items():
        for method, node in item.items():
            if isinstance(node, dict) and method in {"get", "post", "put", "patch", "delete"}:
                operations[f"{method.upper()} {route}"] = _operation(route, node, default_security)
    ws = dict(spec.get("x-websockets", {}).get("/chat/ws", {}))
    if ws:
        operations["WS /chat/ws"] = _operation("/chat/ws", ws, default_security)
    pricing = spec.get("x-pricing", {})
    scheme = next(iter(spec.get("components", {}).get("securitySchemes", {}).values()), {})
    fault = spec.get("x-fault-injection", {})
    validators = _validators(spec)
    return NeuronContract(
        spec=spec,
        operations=operations,
        pricing={k: float(v) for k, v in pricing.get("usd_per_1k_tokens", {}).items()},
        rounding=int(pricing.get("rounding_decimals", 6)),
        audience=scheme.get("x-audience", "neuron-api"),
        fault_header=fault.get("header", "X-Fault-Inject"),
        fault_modes=frozenset(fault.get("modes", {})),
        ws=ws,
        validators=validators,
    )

