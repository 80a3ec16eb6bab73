"""Reading a request as the spec declares it: parameters, body, subject, and what is wrong with it.

Parameters are coerced from their text by their schema's type, then validated; the body must be
the operation's JSON media type, within the size cap, JSON, and valid against its schema. The
first problem found decides the refusal (its status is the operation's own).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from contractkit.double.generate import SchemaGenerator
from contractkit.spec.neuron import Operation, Parameter, pointer_get

MAX_BODY_BYTES = 64 * 1024


class Refusal(Exception):
    """Bad input: ``kind`` is one of media (415), size (413), invalid (400/422)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass
class Inputs:
    """A request's values, once read: path, query and header parameters and the JSON body."""

    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    raw_body: bytes = b""

    def key(self, method: str, path: str) -> str:
        """A short digest of the request, the same for the same request (retries, seeds)."""
        text = json.dumps([method, path, self.query, self.body], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def subject(self, op: Operation) -> Any:
        subject = op.subject
        if subject is None:
            return None
        if subject.location == "body":
            return pointer_get(self.body, subject.name)
        where = {"path": self.path, "query": self.query, "header": self.headers}[subject.location]
        return where.get(subject.name.lower() if subject.location == "header" else subject.name)

    def values(self) -> list[Any]:
        """Top-level values the caller sent (where a requested tier may be)."""
        found = list(self.query.values())
        if isinstance(self.body, dict):
            found += list(self.body.values())
        return found


def read_inputs(gen: SchemaGenerator, op: Operation, path_params: dict[str, str], query: Any,
                headers: Any, media: str, raw: bytes) -> Inputs:
    """The request's values, or a Refusal saying what is wrong with them."""
    inputs = Inputs(raw_body=raw)
    for param in op.parameters:
        if param.location == "path":
            text = path_params.get(param.name)
            if text is None:
                text = path_params.get("".join(c if c.isalnum() else "_" for c in param.name))
        elif param.location == "query":
            text = query.get(param.name)
        else:
            text = headers.get(param.name)
        if text is None:
            if param.required:
                raise Refusal("invalid", f"the {param.location} parameter {param.name} is required")
            continue
        value = _coerce(param, text)
        if param.schema and not gen.valid(param.schema, value):
            raise Refusal("invalid", f"the {param.location} parameter {param.name} is not valid")
        target = {"path": inputs.path, "query": inputs.query, "header": inputs.headers}[param.location]
        target[param.name.lower() if param.location == "header" else param.name] = value
    if op.request_media is not None or op.request_schema is not None:
        inputs.body = _body(gen, op, media, raw)
    return inputs


def _coerce(param: Parameter, text: str) -> Any:
    kind = param.schema.get("type") if isinstance(param.schema, dict) else None
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _body(gen: SchemaGenerator, op: Operation, media: str, raw: bytes) -> Any:
    if len(raw) > MAX_BODY_BYTES:
        raise Refusal("size", f"the body is larger than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        raise Refusal("invalid", "a JSON body is required")
    kind = media.split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise Refusal("media", "the body must be JSON")
    try:
        body = json.loads(raw)
    except ValueError:
        raise Refusal("invalid", "the body is not valid JSON") from None
    if op.request_schema and not gen.valid(op.request_schema, body):
        problems = gen.spec.errors(op.request_schema, body, limit=1)
        where = problems[0].split(":", 1)[0] if problems else "/"
        raise Refusal("invalid", f"the body is not valid at {where}")
    return body
