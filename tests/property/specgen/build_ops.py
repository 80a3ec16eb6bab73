"""Operations: their paths, methods, success codes, deadlines, rate limits, and the entity kind the
risk and offer operations are about (path, query or header parameter; a nested body pointer)."""

from __future__ import annotations

from typing import Any

from property.specgen.shape import Shape
from property.specgen.template import TEMPLATE_PATHS, operation, replace_strings, schema, walk

TEMPLATE_ENTITY = "cus_3f1c9a07b2de"


def apply(data: dict[str, Any], shape: Shape) -> dict[str, Any]:
    data = replace_strings(data, {TEMPLATE_ENTITY: shape.entity.example})
    _entity_schema(data, shape)
    _offer_body(data, shape)
    _risk_parameter(data, shape)
    paths: dict[str, Any] = {}
    for role, old in TEMPLATE_PATHS.items():
        item = data["paths"][old]
        method, op = operation(data, old)
        chosen = shape.ops[role]
        del item[method]
        op["operationId"] = chosen.operation_id
        ai = op.get("x-ai-operation")
        if ai is not None and chosen.deadline_ms is not None:
            ai["deadline_ms"] = chosen.deadline_ms
        if chosen.rate_limit is not None and "x-rate-limit" in op:
            op["x-rate-limit"]["requests"] = chosen.rate_limit
        _success(op, chosen.success)
        item[chosen.method.lower()] = op
        paths[chosen.path] = item
    data["paths"] = paths
    twin = shape.ops["reply"].operation_id
    return walk(data, lambda v: {**v, "stream_of": twin} if isinstance(v, dict) and v.get("stream_of") == "reply"
                else v)


def _entity_schema(data: dict[str, Any], shape: Shape) -> None:
    ref = schema(data, "CustomerRef")
    ref["pattern"] = shape.entity.pattern
    ref["example"] = shape.entity.example


def _offer_body(data: dict[str, Any], shape: Shape) -> None:
    """The offer request names its entity at ``body_pointer`` (two levels)."""
    outer, inner = shape.entity.body_pointer.strip("/").split("/")
    body = schema(data, "OfferRequest")
    account = body["properties"].pop("account")
    account["properties"] = {inner if k == "ref" else k: v for k, v in account["properties"].items()}
    account["required"] = [inner]
    body["properties"] = {outer: account, **body["properties"]}
    body["required"] = [outer, "tone"]
    body["example"] = {outer: {inner: shape.entity.example}, "tone": "formal"}
    _, op = operation(data, TEMPLATE_PATHS["offer"])
    op["requestBody"]["content"]["application/json"]["example"] = {
        outer: {inner: shape.entity.example, "segment": "mid"}, "tone": "warm", "max_words": 60}
    op["x-ai-operation"]["subject"]["name"] = shape.entity.body_pointer
    op["x-ai-operation"]["subject"]["not_found_status"] = shape.entity.not_found_status
    _not_found_response(op, shape.entity.not_found_status)


def _risk_parameter(data: dict[str, Any], shape: Shape) -> None:
    entity = shape.entity
    item = data["paths"][TEMPLATE_PATHS["risk"]]
    item.pop("parameters")
    param = {"name": entity.name, "in": entity.location, "required": True,
             "description": "The entity this answer is about.",
             "schema": {"$ref": "#/components/schemas/CustomerRef"}, "example": entity.example}
    _, op = operation(data, TEMPLATE_PATHS["risk"])
    op["parameters"] = [param, *op["parameters"]]
    subject = op["x-ai-operation"]["subject"]
    subject.update({"in": entity.location, "name": entity.name, "not_found_status": entity.not_found_status})
    _not_found_response(op, entity.not_found_status)


def _not_found_response(op: dict[str, Any], status: int) -> None:
    responses = op["responses"]
    ref = responses.pop("404")
    responses[str(status)] = ref


def _success(op: dict[str, Any], status: str) -> None:
    """The operation's one success status; a 201 says where the created resource is (Location)."""
    responses = op["responses"]
    old = next(s for s in responses if s.startswith("2"))
    response = responses.pop(old)
    if status == "201":
        response.setdefault("headers", {})["Location"] = {
            "description": "Where the created resource is.", "required": True,
            "schema": {"type": "string", "format": "uri-reference", "pattern": "^/[a-z0-9/_-]+$"}}
    op["responses"] = {status: response, **responses}
