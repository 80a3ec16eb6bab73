"""How the double plays the defects that change an answer after it is built (an error body with a
stack trace or without a required field, an answer without its usage, a frame with an undeclared
field): each a small edit of the body, so the answers module stays the contract's one author."""

from __future__ import annotations

import copy
from typing import Any

from contractkit.loading.locate import pointer_get
from contractkit.spec.neuron import NeuronSpec, Operation
from contractkit.spec.pointers import header_name

STACK_TRACE = 'Traceback (most recent call last):\n  File "/srv/app/handlers.py", line 42, in answer\nKeyError: x'
UNDECLARED_FIELD = "debug_internal"


def with_stack_trace(spec: NeuronSpec, schema: Any, body: Any) -> Any:
    """The body with a stack trace in its first free-text string field (the whole body if it has none)."""
    pointer = _free_text(spec, schema, "")
    if pointer is None or not isinstance(body, dict):
        return {"error": STACK_TRACE}
    out = copy.deepcopy(body)
    _set(out, pointer, STACK_TRACE)
    return out


def without_required(spec: NeuronSpec, schema: Any, body: Any) -> Any:
    """The body without the first required member its schema names (unchanged if it names none)."""
    required = (spec.deref(schema) or {}).get("required") or []
    if not isinstance(body, dict) or not required:
        return body
    return {k: v for k, v in body.items() if k != required[0]}


def without(body: Any, pointer: str | None) -> Any:
    """The body without the member at ``pointer``'s first segment (a usage object, say)."""
    if not pointer or not isinstance(body, dict):
        return body
    first = pointer.strip("/").split("/")[0]
    return {k: v for k, v in body.items() if k != first}


def without_usage(op: Operation, body: Any, headers: dict[str, str]) -> Any:
    """An answer without its usage, wherever the operation reports it: the object holding the cost
    in the body (``/usage`` of ``/usage/cost``, ``/meta/usage`` of ``/meta/usage/cost``), and the
    usage headers (``header:`` pointers), which are taken out of ``headers``."""
    usage = op.usage
    if usage is None:
        return body
    for pointer in (usage.token_count, usage.cost_usd):
        name = header_name(pointer)
        if name is not None:
            for key in [k for k in headers if k.lower() == name.lower()]:
                del headers[key]
    pointer = usage.cost_usd
    if header_name(pointer) is not None or not isinstance(body, dict):
        return body
    parts = pointer.strip("/").split("/")
    out = copy.deepcopy(body)
    holder = pointer_get(out, "/" + "/".join(parts[:-2])) if len(parts) > 2 else out
    if isinstance(holder, dict):
        holder.pop(parts[-2] if len(parts) > 1 else parts[-1], None)
    return out


def with_undeclared_field(frame: Any) -> Any:
    return {**frame, UNDECLARED_FIELD: True} if isinstance(frame, dict) else frame


def _free_text(spec: NeuronSpec, schema: Any, at: str, depth: int = 0) -> str | None:
    """A pointer to a string member with no pattern, enum, const or format (where prose goes)."""
    node = spec.deref(schema) or {}
    if depth > 4 or not isinstance(node, dict):
        return None
    types = node.get("type")
    if (types == "string" or (isinstance(types, list) and "string" in types)) and not any(
            k in node for k in ("pattern", "enum", "const", "format")) and (node.get("maxLength") or 500) >= 200:
        return at
    for name, sub in (node.get("properties") or {}).items():
        found = _free_text(spec, sub, f"{at}/{name}", depth + 1)
        if found is not None:
            return found
    return None


def _set(body: dict[str, Any], pointer: str, value: Any) -> None:
    parts = pointer.strip("/").split("/")
    holder = pointer_get(body, "/" + "/".join(parts[:-1])) if len(parts) > 1 else body
    if isinstance(holder, dict):
        holder[parts[-1]] = value


def undeclared_success_target(spec: NeuronSpec) -> Operation | None:
    """The operation whose successes the ``declared_success`` defect answers with an undeclared 2xx:
    the first one (in spec order) answering a whole JSON body that is neither a probe, a stream nor a job."""
    return next((op for op in spec.operations if op.probe is None and not op.is_stream and op.job is None
                 and any(s.startswith("2") and op.responses[s].content for s in op.responses)), None)


def undeclared_success(op: Operation) -> int:
    """A 2xx the operation does not declare: 200, else 203."""
    return next(s for s in (200, 203, 200 + len(op.responses)) if not op.declares(s))


def optional_member(spec: NeuronSpec, op: Operation) -> str | None:
    """The first top-level member of the operation's request body its schema does not require and
    its request example carries (so the example, a client's first valid request, is still served)."""
    schema = spec.deref(op.request_schema) if op.request_schema else None
    if not isinstance(schema, dict) or not isinstance(op.example_body, dict):
        return None
    required = set(schema.get("required") or ())
    return next((name for name in schema.get("properties") or {} if name not in required
                 and name in op.example_body), None)


def strict_target(spec: NeuronSpec) -> Operation | None:
    """The operation the ``accept_valid`` defect plays on: the first (in spec order) whose JSON body
    has an optional member its example carries."""
    return next((op for op in spec.operations if optional_member(spec, op) is not None), None)
