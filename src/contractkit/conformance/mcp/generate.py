"""Arguments for tool calls: valid ones generated from the declared parameters, invalid ones by mutation.

Valid arguments come from hypothesis, through schemathesis's JSON Schema engine
(``schemathesis.generation.jsonschema``). hypothesis-jsonschema 0.23 is the usual choice but
its object strategy uses a Hypothesis internal (``many.more()``) that the Hypothesis this kit
pins no longer has, so every object schema fails there; schemathesis's engine is maintained
together with Hypothesis and handles formats (uuid, date, date-time) and patterns.

Invalid arguments are each one targeted break of a valid instance: a required property left
out, a wrong JSON type, a string below ``minLength`` or above ``maxLength``, a value outside an
``enum`` or a numeric bound, a string that misses the ``pattern`` or the ``format``, and an
undeclared property where ``additionalProperties`` is false. Every candidate is re-validated
against the declared schema, so the suite never calls a correct answer to a valid call a bug.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from typing import Any

_STRATEGIES: dict[str, Any] = {}


def _strategy(schema: dict[str, Any]) -> Any:
    import json

    key = json.dumps(schema, sort_keys=True)
    if key not in _STRATEGIES:
        import jsonschema_rs
        from schemathesis.generation.jsonschema.builder import build
        from schemathesis.specs.openapi.formats import get_default_format_strategies

        _STRATEGIES[key] = build(schema, draft=jsonschema_rs.Draft202012, formats=get_default_format_strategies())
    return _STRATEGIES[key]


def sample_valid(schema: dict[str, Any], count: int) -> list[Any]:
    """Up to ``count`` distinct instances of ``schema`` (simplest first, then varied)."""
    from hypothesis import HealthCheck, Phase, given, settings

    found: list[Any] = []
    if count <= 0:
        return found

    @settings(max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.generate])
    @given(_strategy(schema))
    def collect(value: Any) -> None:
        if value not in found:
            found.append(value)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        collect()
    return found[:count]


def _validator(schema: dict[str, Any]) -> Any:
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(schema, format_checker=FormatChecker())


_WRONG_TYPE = {"string": 12345, "integer": "not-an-integer", "number": "not-a-number", "boolean": "yes",
               "object": "not-an-object", "array": "not-an-array", "null": 0}


def _mutations(schema: dict[str, Any], base: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    props: dict[str, Any] = schema.get("properties") or {}
    for name in schema.get("required") or ():
        broken = {k: v for k, v in base.items() if k != name}
        yield f"required property {name!r} left out", broken
    for name, sub in props.items():
        if not isinstance(sub, dict):
            continue
        types = sub.get("type")
        types = [types] if isinstance(types, str) else list(types or [])
        for t in types[:1]:
            yield f"{name!r} of the wrong type ({t} expected)", {**base, name: _WRONG_TYPE.get(t)}
        if isinstance(sub.get("minLength"), int) and sub["minLength"] > 0:
            yield f"{name!r} shorter than minLength", {**base, name: "x" * (sub["minLength"] - 1)}
        if isinstance(sub.get("maxLength"), int):
            yield f"{name!r} longer than maxLength", {**base, name: "x" * (sub["maxLength"] + 1)}
        if "enum" in sub:
            yield f"{name!r} outside its enum", {**base, name: "__not_in_enum__"}
        for bound, delta in (("minimum", -1), ("maximum", 1)):
            if isinstance(sub.get(bound), int | float):
                yield f"{name!r} beyond its {bound}", {**base, name: sub[bound] + delta}
        if isinstance(sub.get("pattern"), str):
            yield f"{name!r} not matching its pattern", {**base, name: "!! not matching !!"}
        if isinstance(sub.get("format"), str):
            yield f"{name!r} not in format {sub['format']}", {**base, name: "not-a-" + sub["format"]}
    if schema.get("additionalProperties") is False:
        yield "an undeclared property", {**base, "contractkit_unexpected": 1}


def invalid_arguments(schema: dict[str, Any], bases: list[dict[str, Any]], limit: int) -> list[tuple[str, Any]]:
    """Up to ``limit`` (description, arguments) pairs the declared schema rejects."""
    validator = _validator(schema)
    out: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for base in bases or [{}]:
        if not isinstance(base, dict):
            continue
        for why, candidate in _mutations(schema, copy.deepcopy(base)):
            if why in seen or validator.is_valid(candidate):
                continue
            seen.add(why)
            out.append((why, candidate))
            if len(out) >= limit:
                return out
    return out
