"""How the double plays the defects that change an answer after it is built (an error body with a
stack trace or without a required field, an answer without its usage, a frame with an undeclared
field): each a small edit of the body, so the answers module stays the contract's one author."""

from __future__ import annotations

import copy
from typing import Any

from contractkit.loading.locate import pointer_get
from contractkit.spec.neuron import NeuronSpec

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
