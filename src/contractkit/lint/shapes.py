"""What a body schema promises, read through refs and composition: properties and required names.

Rules ask "does every 2xx body of this operation require ``token_count``?". A body may be a
``$ref``, an ``allOf`` of parts, or a ``oneOf`` of alternatives; ``alternatives`` flattens that
into the list of object shapes a body can take (each with its properties and required names),
with a depth limit so that looping schemas cannot hang it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from contractkit.lint.context import LintContext
from contractkit.loading import Document, pointer_join

MAX_DEPTH = 24


@dataclass
class Shape:
    properties: dict[str, Any] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)

    def merged(self, other: Shape) -> Shape:
        return Shape({**self.properties, **other.properties}, self.required | other.required)


def alternatives(ctx: LintContext, schema: Any, document: Document, depth: int = 0) -> list[Shape]:
    """Every object shape ``schema`` admits (one for a plain object, one per oneOf/anyOf branch)."""
    schema = ctx.deref(schema, document) if isinstance(schema, dict) and "$ref" in schema else schema
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return [Shape()]
    base = Shape(
        {k: v for k, v in schema.get("properties", {}).items()} if isinstance(schema.get("properties"), dict) else {},
        {r for r in schema.get("required", []) if isinstance(r, str)}
        if isinstance(schema.get("required"), list)
        else set(),
    )
    shapes = [base]
    for part in schema.get("allOf", []) if isinstance(schema.get("allOf"), list) else []:
        shapes = [s.merged(p) for s in shapes for p in alternatives(ctx, part, document, depth + 1)]
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            shapes = [
                s.merged(b) for s in shapes for br in branches for b in alternatives(ctx, br, document, depth + 1)
            ]
    return shapes[:64]


def media_types(
    ctx: LintContext, response: Any, pointer: str, document: Document
) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(media type, media type object, its pointer) of a response or request body."""
    content = response.get("content") if isinstance(response, dict) else None
    if not isinstance(content, dict):
        if isinstance(response, dict) and "schema" in response and ctx.openapi_version == "2.0":
            yield "application/json", response, pointer  # Swagger 2.0: the body schema sits on the response
        return
    for media, obj in content.items():
        if isinstance(obj, dict):
            yield media, obj, pointer_join(pointer, "content", media)


def is_json(media: str) -> bool:
    base = media.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json") or base == "*/*"


def header_names(ctx: LintContext, response: Any, document: Document) -> set[str]:
    headers = response.get("headers") if isinstance(response, dict) else None
    return {str(h).lower() for h in headers} if isinstance(headers, dict) else set()


def is_success(status: str) -> bool:
    return status.startswith("2")


def is_error(status: str) -> bool:
    return status[:1] in ("4", "5") or status == "default"
