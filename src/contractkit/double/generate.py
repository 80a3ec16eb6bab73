"""Instances of a spec's JSON Schemas, stable for a seed: what the double answers when the spec
gives no example.

A value is the schema's ``const``, else its example (when valid), else built from its keywords
(types, bounds, formats, ``pattern`` through the regex's own parse tree). Everything random is
drawn from the ``random.Random`` the caller passes, so one seed and one request give one body.
"""

from __future__ import annotations

import functools
import json
import random
import re
import uuid
from typing import Any

from contractkit.spec.neuron import NeuronSpec

try:  # Python 3.11+: the stdlib regex parser
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_MAX_DEPTH = 12
_REPEAT_CAP = 6
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def seeded(*parts: Any) -> random.Random:
    """A generator whose draws depend only on ``parts`` (a seed, an operation, a request)."""
    return random.Random("\x1f".join(str(p) for p in parts))


def from_pattern(pattern: str, rng: random.Random) -> str:
    """A string the regex ``pattern`` matches (searched, as JSON Schema does, so anchors are kept)."""
    tree = _parsed(pattern)
    return "".join(_emit(tree, rng)) if tree is not None else ""


@functools.lru_cache(maxsize=512)
def _parsed(pattern: str) -> Any:
    try:
        return _sre_parse.parse(pattern)
    except re.error:
        return None


def _emit(tree: Any, rng: random.Random) -> list[str]:
    out: list[str] = []
    for op, arg in tree:
        if op == _sre.LITERAL:
            out.append(chr(arg))
        elif op == _sre.NOT_LITERAL:
            out.append("a" if chr(arg) != "a" else "b")
        elif op == _sre.ANY:
            out.append(rng.choice(_ALPHABET))
        elif op == _sre.IN:
            out.append(_from_class(arg, rng))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)):
            low, high, sub = arg
            high = low + _REPEAT_CAP if high == _sre.MAXREPEAT else high
            for _ in range(rng.randint(low, max(low, min(high, low + _REPEAT_CAP)))):
                out.extend(_emit(sub, rng))
        elif op == _sre.SUBPATTERN:
            out.extend(_emit(arg[-1], rng))
        elif op == _sre.BRANCH:
            out.extend(_emit(rng.choice(arg[1]), rng))
        elif op == getattr(_sre, "ATOMIC_GROUP", None):
            out.extend(_emit(arg, rng))
        # AT (anchors), ASSERT, GROUPREF and the like add no characters here
    return out


def _from_class(items: Any, rng: random.Random) -> str:
    key = id(items)  # parsed trees are cached, so a class is the same object every time
    if key not in _CLASSES:
        _CLASSES[key] = _class_choices(items)
    pool = _CLASSES[key]
    return rng.choice(pool)


_CLASSES: dict[int, list[str]] = {}


def _class_choices(items: Any) -> list[str]:
    choices: list[str] = []
    negate = False
    for op, arg in items:
        if op == _sre.NEGATE:
            negate = True
        elif op == _sre.LITERAL:
            choices.append(chr(arg))
        elif op == _sre.RANGE:
            low, high = arg
            choices.extend(chr(c) for c in range(low, min(high, low + 60) + 1))
        elif op == _sre.CATEGORY:
            name = str(arg)
            if "DIGIT" in name and "NOT" not in name:
                choices.extend("0123456789")
            elif "WORD" in name and "NOT" not in name:
                choices.extend(_ALPHABET)
            elif "SPACE" in name and "NOT" not in name:
                choices.append(" ")
            else:
                choices.extend("abc")
    if negate:
        return [c for c in _ALPHABET if c not in choices] or ["~"]
    return choices or ["a"]


class SchemaGenerator:
    """Builds instances of the schemas of one spec (``$ref``s resolved through the spec model)."""

    def __init__(self, spec: NeuronSpec) -> None:
        self.spec = spec
        self._validators: dict[str, Any] = {}

    def valid(self, schema: Any, instance: Any) -> bool:
        if not isinstance(schema, dict):
            return False
        key = json.dumps(schema, sort_keys=True, default=str)
        validator = self._validators.get(key)
        if validator is None:
            validator = self._validators[key] = self.spec.validator(schema)
        return bool(validator.is_valid(instance))

    def instance(self, schema: Any, rng: random.Random, *, use_examples: bool = True) -> Any:
        """A value of ``schema``; its own example first when ``use_examples`` and the example is valid."""
        return self._value(schema, rng, 0, use_examples)

    def _value(self, schema: Any, rng: random.Random, depth: int, use_examples: bool) -> Any:
        schema = self.spec.deref(schema)
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return None
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][rng.randrange(len(schema["enum"]))]
        if use_examples:
            for example in _examples(schema):
                if self.valid(schema, example):
                    return example
        if isinstance(schema.get("allOf"), list):
            merged = _merge([self.spec.deref(s) for s in schema["allOf"]] + [
                {k: v for k, v in schema.items() if k != "allOf"}])
            return self._value(merged, rng, depth + 1, use_examples)
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                rest = {k: v for k, v in schema.items() if k not in (key, "discriminator")}
                branch = _merge([rest, self.spec.deref(schema[key][0])]) if rest else schema[key][0]
                return self._value(branch, rng, depth + 1, use_examples)
        kind = _type_of(schema)
        if kind == "object":
            return self._object(schema, rng, depth, use_examples)
        if kind == "array":
            count = max(int(schema.get("minItems", 1)), 1 if schema.get("maxItems", 1) else 0)
            return [self._value(schema.get("items") or {}, rng, depth + 1, use_examples) for _ in range(count)]
        if kind == "string":
            return _string(schema, rng)
        if kind in ("integer", "number"):
            return _number(schema, rng, kind == "integer")
        if kind == "boolean":
            return False
        if kind == "null":
            return None
        return {}

    def _object(self, schema: dict[str, Any], rng: random.Random, depth: int, use_examples: bool) -> dict[str, Any]:
        props = schema.get("properties") or {}
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        out: dict[str, Any] = {}
        for name in list(props) + [r for r in required if r not in props]:
            out[name] = self._value(props.get(name, {}), rng, depth + 1, use_examples)
        return out


def _examples(schema: dict[str, Any]) -> list[Any]:
    found = [schema["example"]] if "example" in schema else []
    if isinstance(schema.get("examples"), list):
        found += schema["examples"]
    if "default" in schema:
        found.append(schema["default"])
    return found


def _merge(schemas: list[Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in schemas:
        if not isinstance(part, dict):
            continue
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
            else:
                merged.setdefault(key, value)
    return merged


def _type_of(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
    if kind is None:
        if "properties" in schema or "required" in schema:
            return "object"
        if "items" in schema:
            return "array"
        if any(k in schema for k in ("pattern", "format", "minLength", "maxLength")):
            return "string"
        if any(k in schema for k in ("minimum", "maximum")):
            return "number"
    return kind


_FORMATS = {
    "date-time": lambda rng: f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00Z",
    "date": lambda rng: f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
    "email": lambda rng: f"user{rng.randint(1, 999)}@example.com",
    "uri": lambda rng: f"https://example.com/{rng.randint(1, 999)}",
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "ipv4": lambda rng: f"192.0.2.{rng.randint(1, 254)}",
}


def _string(schema: dict[str, Any], rng: random.Random) -> str:
    if isinstance(schema.get("pattern"), str):
        return from_pattern(schema["pattern"], rng)
    maker = _FORMATS.get(str(schema.get("format")))
    if maker is not None:
        return maker(rng)
    low = int(schema.get("minLength", 1))
    high = int(schema.get("maxLength", max(low, 24)))
    words = " ".join(rng.choice(("answer", "account", "renewal", "usage", "risk", "plan")) for _ in range(4))
    text = words[:high]
    return text + "x" * max(0, low - len(text))


def _number(schema: dict[str, Any], rng: random.Random, integer: bool) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    high = schema.get("maximum", schema.get("exclusiveMaximum", max(low, 0) + 100))
    if "exclusiveMinimum" in schema and "minimum" not in schema:
        low = low + (1 if integer else 1e-6)
    if "exclusiveMaximum" in schema and "maximum" not in schema:
        high = high - (1 if integer else 1e-6)
    if integer:
        return rng.randint(int(low), max(int(low), int(high)))
    return round(low + (high - low) * rng.random(), 4)
