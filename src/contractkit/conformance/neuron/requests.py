"""Real requests for an operation of the spec under test: path, query and header parameters
filled, the body taken from the spec's example, and the operation's subject pointed at a known
(or a deliberately unknown) entity wherever the spec says it lives.

Values come from the spec: a parameter's example, its schema's example, default, const or first
enum value, else the simplest value its schema allows. Nothing is named after the bundled spec.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

from contractkit.conformance.outcomes import NotVerified
from contractkit.spec.neuron import NeuronSpec, Operation, Parameter, Subject, pointer_set


@dataclass(frozen=True)
class RequestParts:
    """Everything but the token of one request to an operation."""

    path_params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    cookies: dict[str, Any] = field(default_factory=dict)

    def cookie_header(self) -> str | None:
        """The ``Cookie`` header carrying the cookie parameters (RFC 6265 section 4.2), or None."""
        return "; ".join(f"{name}={quote(_text(value), safe='')}" for name, value in self.cookies.items()) or None

    def target(self, path_template: str) -> str:
        """The request target: the path with its parameters filled, then the query string."""
        path = path_template
        for name, value in self.path_params.items():
            path = path.replace("{" + name + "}", quote(_text(value), safe=""))
        if self.query:
            path += "?" + urlencode({k: _text(v) for k, v in self.query.items()}, doseq=False)
        return path

    def with_body(self, body: Any) -> RequestParts:
        return replace(self, body=body)

    def with_param(self, location: str, name: str, value: Any) -> RequestParts:
        """A copy with one path, query, header or cookie parameter set to ``value``."""
        field_name = {"path": "path_params", "query": "query", "header": "headers", "cookie": "cookies"}[location]
        values = {**getattr(self, field_name), name: value if location != "header" else _text(value)}
        return replace(self, **{field_name: values})


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def sample_value(schema: dict[str, Any]) -> Any:
    """The simplest value a parameter schema allows (used when the spec gives no example)."""
    for key in ("example", "default", "const"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    kind = next((t for t in kind if t != "null"), "string") if isinstance(kind, list) else kind
    if kind == "integer":
        return int(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in schema else 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    fmt = schema.get("format")
    if fmt == "uuid":
        return "00000000-0000-4000-8000-000000000001"
    if fmt == "date":
        return "2026-01-01"
    if fmt == "date-time":
        return "2026-01-01T00:00:00Z"
    return "x" * max(1, int(schema.get("minLength", 1)))


def coerce(schema: dict[str, Any], text: str) -> Any:
    """An entity given on the command line (text), as the subject's schema types it."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    kind = next((t for t in kind if t != "null"), None) if isinstance(kind, list) else kind
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    return text


def unknown_value(spec: NeuronSpec, schema: dict[str, Any], known: Sequence[Any], seed: int,
                  location: str = "body") -> Any:
    """A value the subject's schema admits (type, pattern, format, length, bounds, enum) that names
    no known entity, or NotVerified with the reason.

    First a known id with its digits changed (else its last letter), so that the look of the
    real ids is kept (a prefix, a check digit's place); else a value drawn from the schema,
    seeded by the run's seed so that the same seed sends the same value. Every candidate is
    validated against the schema and differs from every known entity; a header, query or path
    value is printable ASCII.
    """
    if not isinstance(schema, dict):
        schema = {}
    fits = _fits(spec, schema, known, location)
    for value in known:
        for candidate in _mutations(value, schema):
            if fits(candidate):
                return candidate
    if "const" in schema or isinstance(schema.get("enum"), list):
        choices = [schema["const"]] if "const" in schema else list(schema["enum"])
        for candidate in choices:
            if fits(candidate):
                return candidate
        raise NotVerified("the subject's schema admits only the known value(s) "
                          f"({', '.join(repr(v) for v in choices[:4])}): no unknown entity can be named")
    drawn = _drawn(schema, fits, seed)
    if drawn is _NONE:
        raise NotVerified("no value the subject's schema admits could be built that names no known entity "
                          f"(schema: {_brief(schema)})")
    return drawn


def _fits(spec: NeuronSpec, schema: dict[str, Any], known: Sequence[Any], location: str) -> Any:
    validator = spec.validator(schema) if schema else None

    def fits(value: Any) -> bool:
        if any(value == k and type(value) is type(k) for k in known):
            return False
        if location != "body" and isinstance(value, str) and not _printable(value):
            return False
        if location != "body" and value is None:
            return False
        try:
            return validator is None or validator.is_valid(value)
        except Exception:  # a pattern Python cannot read: the schema cannot judge it
            return False

    return fits


def _printable(text: str) -> bool:
    return bool(text) and text == text.strip() and all(32 <= ord(c) < 127 for c in text)


def _mutations(known: Any, schema: dict[str, Any]) -> list[Any]:
    if isinstance(known, str) and known:
        return [_shift_digits(known), _shift_last_letter(known)]
    if isinstance(known, int) and not isinstance(known, bool):
        return [known + 7_777_777, known - 1, known + 1]
    return []


def _drawn(schema: dict[str, Any], fits: Any, seed: int) -> Any:
    """The simplest value of the schema's strategy that fits (Hypothesis ``find``, seeded)."""
    import random

    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import HypothesisException

    strategy = _strategy(schema)
    if strategy is None:
        return _NONE
    try:
        return find(strategy, fits, random=random.Random(seed),
                    settings=settings(database=None, max_examples=300, deadline=None,
                                      suppress_health_check=list(HealthCheck)))
    except (HypothesisException, re.error, ValueError, TypeError):
        return _NONE


def _strategy(schema: dict[str, Any]) -> Any:
    """A Hypothesis strategy for the subject's type: a pattern's regex, a format, a length."""
    import string
    from datetime import UTC

    from hypothesis import strategies as st

    kind = schema.get("type")
    kind = next((t for t in kind if t != "null"), None) if isinstance(kind, list) else kind
    if kind == "integer":
        low = schema.get("minimum")
        high = schema.get("maximum")
        return st.integers(min_value=int(low) if low is not None else 1,
                           max_value=int(high) if high is not None else 2**31 - 1)
    if kind not in (None, "string"):
        return None
    pattern, fmt = schema.get("pattern"), schema.get("format")
    if isinstance(pattern, str):
        return st.from_regex(pattern, fullmatch=True)
    if fmt == "uuid":
        return st.uuids().map(str)
    if fmt == "email":
        return st.emails()
    if fmt == "date":
        return st.dates().map(lambda d: d.isoformat())
    if fmt == "date-time":
        return st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat().replace("+00:00", "Z"))
    low = int(schema.get("minLength", 1))
    high = schema.get("maxLength")
    return st.text(string.ascii_lowercase + string.digits, min_size=max(low, 1),
                   max_size=int(high) if high is not None else max(low, 1) + 24)


def _brief(schema: dict[str, Any]) -> str:
    keys = ("type", "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "enum")
    return ", ".join(f"{k} {schema[k]!r}" for k in keys if k in schema) or "any value"


def _shift_digits(text: str) -> str:
    return "".join(str((int(c) + 5) % 10) if c.isdigit() else c for c in text)


def _shift_last_letter(text: str) -> str:
    for i in range(len(text) - 1, -1, -1):
        char = text[i]
        for first, last in (("a", "f"), ("A", "F"), ("g", "z"), ("G", "Z")):
            if first <= char <= last:
                span = ord(last) - ord(first) + 1
                return text[:i] + chr(ord(first) + (ord(char) - ord(first) + 1) % span) + text[i + 1:]
    return text


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True  # an ECMA pattern Python cannot read: the target's answer will tell


def subject_schema(spec: NeuronSpec, op: Operation, subject: Subject) -> dict[str, Any]:
    """The schema of the input the subject names (to make an unknown value of the right type)."""
    if subject.location != "body":
        param = _param(op, subject)
        return param.schema if param else {}
    node: Any = op.request_schema or {}
    for part in subject.name.split("/")[1:]:
        node = spec.deref(node) or {}
        props = node.get("properties") if isinstance(node, dict) else None
        node = (props or {}).get(part.replace("~1", "/").replace("~0", "~"), {})
    node = spec.deref(node)
    return node if isinstance(node, dict) else {}


def _param(op: Operation, subject: Subject) -> Parameter | None:
    return next((p for p in op.parameters if p.location == subject.location and p.name == subject.name), None)


def build(spec: NeuronSpec, op: Operation, subject_value: Any) -> RequestParts:
    """A request valid against the spec, about ``subject_value`` (when the operation has a subject).

    Raises NotVerified when the spec gives no example body for a body the operation requires.
    """
    parts: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}, "cookie": {}}
    for param in op.parameters:
        if param.required or param.location == "path":
            value = param.example if param.example is not None else sample_value(param.schema)
            parts[param.location][param.name] = value
    body = op.example_body
    if body is None and op.request_schema is not None:
        body = synthesize(spec, op.request_schema)
        if body is _NONE or spec.errors(op.request_schema, body):
            raise NotVerified(f"{op.label} has no request example, and none could be built from its schema: "
                              "give the request body an example")
    body = dict(body) if isinstance(body, dict) else body
    subject = op.subject
    if subject is not None and subject_value is not None:
        if subject.location == "body":
            body = pointer_set(body, subject.name, subject_value)
        else:
            parts[subject.location][subject.name] = subject_value
    return RequestParts(parts["path"], parts["query"], {k: _text(v) for k, v in parts["header"].items()}, body,
                        parts["cookie"])


_NONE: Any = object()


def synthesize(spec: NeuronSpec, schema: Any, depth: int = 0) -> Any:
    """The simplest value a request schema allows: required properties only, each its own simplest
    value (``_NONE`` when that cannot be worked out: a combinator, a recursion). Checked by the caller."""
    schema = spec.deref(schema)
    if not isinstance(schema, dict) or depth > 12:
        return _NONE
    if "allOf" in schema and isinstance(schema["allOf"], list):
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = spec.deref(part) or {}
            merged["properties"].update(part.get("properties") or {})
            merged["required"] += list(part.get("required") or [])
        return synthesize(spec, merged, depth + 1)
    for key in ("oneOf", "anyOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return synthesize(spec, schema[key][0], depth + 1)
    kind = schema.get("type")
    kind = next((t for t in kind if t != "null"), None) if isinstance(kind, list) else kind
    if kind == "object" or (kind is None and "properties" in schema):
        out = {}
        properties = schema.get("properties") or {}
        for name in schema.get("required") or []:
            value = synthesize(spec, properties.get(name, {"type": "string"}), depth + 1)
            if value is _NONE:
                return _NONE
            out[name] = value
        # a body with no required member may still need some (a JSON merge patch: minProperties 1)
        for name, sub in properties.items():
            if len(out) >= int(schema.get("minProperties", 0)):
                break
            value = synthesize(spec, sub, depth + 1) if name not in out else _NONE
            if value is not _NONE and not spec.errors(spec.deref(sub), value):  # an optional member may pick
                out[name] = value
        return out
    if kind == "array":
        count = int(schema.get("minItems", 0))
        item = synthesize(spec, schema.get("items") or {"type": "string"}, depth + 1) if count else None
        return _NONE if item is _NONE else [item] * count
    return sample_value(schema)


def invalid_values(schema: dict[str, Any]) -> list[Any]:
    """Values a parameter schema refuses: the wrong type, past its bounds, off its pattern or enum."""
    kind = schema.get("type")
    kind = next((t for t in kind if t != "null"), None) if isinstance(kind, list) else kind
    out: list[Any] = []
    if kind in ("integer", "number"):
        out.append("not-a-number")
        if "maximum" in schema:
            out.append(schema["maximum"] + 1)
        if "minimum" in schema:
            out.append(schema["minimum"] - 1)
    elif kind == "boolean":
        out.append("not-a-boolean")
    elif isinstance(schema.get("enum"), list):
        out.append("contractkit-not-in-enum")
    elif isinstance(schema.get("pattern"), str) and not _matches(schema["pattern"], "!~"):
        out.append("!~")
    elif "maxLength" in schema:
        out.append("x" * (int(schema["maxLength"]) + 1))
    return out
