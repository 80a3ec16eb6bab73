"""Probes and errors: the readiness document (plain JSON or application/health+json) and how it says
degraded (a value at a body pointer or in a header, a status, or both), the fault-injection header
and values, and the error body (400 or 422, another required field)."""

from __future__ import annotations

from typing import Any

from property.specgen.shape import Shape
from property.specgen.template import TEMPLATE_PATHS, operation, schema, walk


def apply(data: dict[str, Any], shape: Shape) -> dict[str, Any]:
    _readiness(data, shape)
    _faults(data, shape)
    return _errors(data, shape)


def _readiness(data: dict[str, Any], shape: Shape) -> None:
    probes = shape.probes
    header = probes.degraded_pointer.removeprefix("header:") if probes.degraded_pointer.startswith("header:") else None
    outer, inner = ("llm", "state") if header else probes.degraded_pointer.strip("/").split("/")
    _, op = operation(data, TEMPLATE_PATHS["readyz"])
    degraded: dict[str, Any] = {}
    if probes.degraded_by in ("status", "both"):
        degraded["status"] = [503]
    else:
        op["responses"].pop("503")
    if probes.degraded_by in ("pointer", "both"):
        degraded.update({"pointer": probes.degraded_pointer, "values": [probes.degraded_value]})
    op["x-probe"]["degraded"] = degraded
    op["description"] = "Readiness, with the model's state."
    state_header = data["components"]["headers"].pop("X-LLM-State")
    state_header["schema"]["enum"] = ["ok", probes.degraded_value]
    for response in op["responses"].values():
        response["headers"].pop("X-LLM-State")
        if header is not None:
            response["headers"][header] = state_header
    response = op["responses"]["200"]
    media = response["content"].pop("application/json")
    media["example"] = {outer: {inner: "ok", "failures": 0}}
    response["content"][probes.readiness_media] = media
    readiness = schema(data, "Readiness")
    state = readiness["properties"].pop("llm")
    state["properties"] = {inner if k == "state" else k: v for k, v in state["properties"].items()}
    state["properties"][inner]["enum"] = ["ok", probes.degraded_value]
    state["required"] = [inner, "failures"]
    readiness["properties"] = {outer: state}
    readiness["required"] = [outer]


def _faults(data: dict[str, Any], shape: Shape) -> None:
    hook = data["x-fault-injection"]
    hook["header"] = shape.probes.fault_header
    for mode, value in shape.probes.fault_values.items():
        hook["modes"][mode]["value"] = value


def _errors(data: dict[str, Any], shape: Shape) -> dict[str, Any]:
    errors = shape.errors
    if errors.invalid_status != 400:
        for item in data["paths"].values():
            for op in item.values():
                responses = op.get("responses") if isinstance(op, dict) else None
                if isinstance(responses, dict) and "400" in responses:
                    op["responses"] = {str(errors.invalid_status) if k == "400" else k: v
                                       for k, v in responses.items()}
    extra = errors.extra_required
    if extra is None:
        return data
    body = schema(data, "Error")
    body["properties"][extra] = {"type": "string", "minLength": 1, "maxLength": 64}
    body["required"] = [*body["required"], extra]

    def edit(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"error", "trace"} and isinstance(value["error"], dict) \
                and "detail" in value["error"]:
            return {**value, extra: "req-1"}
        return value
    return walk(data, edit)
