"""A second, independent judgement of schema edits: by instances, not by keywords.

An edit of a request schema breaks clients when some value BASE accepted is refused by HEAD; an
edit of a response schema breaks them when HEAD may send a value BASE never would. This module
decides that by *looking for such a value*: it proposes candidate instances (boundary values of
every constant either side mentions, each property present or absent, an extra property) and asks
a validator written by others (``jsonschema_rs``, JSON Schema 2020-12) which side accepts them. It
shares no code with the differ. The search is finite, so "no witness" means "none found".

``random_pair`` makes a base schema from a small grammar (objects of scalars, arrays and unions
with the common constraints) and one edit of it; ``judge`` returns the verdict per direction.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import jsonschema_rs

PROPS = ("a", "b", "c")
PATTERNS = ("^[a-z]+$", "^[0-9]+$", "^a", "b$")
STRINGS = ("", "a", "ab", "abc", "b", "xb", "123", "a1", "zzzzzzzzzz", "A")
NUMBERS = (-1, 0, 1, 2, 3, 5, 10, 100, 2.5)
SCALARS = ("string", "integer", "number", "boolean")


# --- the grammar ------------------------------------------------------------------------------------------------

def scalar(rnd: random.Random, depth: int = 0) -> dict[str, Any]:
    kind = rnd.choice(SCALARS + (("array", "union") if depth == 0 else ()))
    if kind == "array":
        schema: dict[str, Any] = {"type": "array", "items": scalar(rnd, depth + 1)}
        if rnd.random() < 0.3:
            schema["maxItems"] = rnd.choice((1, 2, 3))
        return schema
    if kind == "union":  # oneOf alternatives of distinct types: the differ reads oneOf as anyOf (docs/diff.md)
        first = scalar(rnd, depth + 1)
        second = scalar(rnd, depth + 1)
        while second["type"] == first["type"] or {first["type"], second["type"]} == {"integer", "number"}:
            second = scalar(rnd, depth + 1)
        return {rnd.choice(("oneOf", "anyOf")): [first, second]}
    schema = {"type": kind}
    if kind == "string":
        if rnd.random() < 0.3:
            schema["maxLength"] = rnd.choice((1, 2, 3, 5))
        if rnd.random() < 0.2:
            schema["pattern"] = rnd.choice(PATTERNS)
        if rnd.random() < 0.2:
            schema["enum"] = rnd.sample(("a", "ab", "b", "abc"), 2)
    elif kind in ("integer", "number"):
        if rnd.random() < 0.4:
            schema["minimum"] = rnd.choice((0, 1, 2))
        if rnd.random() < 0.3:
            schema["maximum"] = rnd.choice((5, 10, 100))
    return schema


def base_schema(rnd: random.Random) -> dict[str, Any]:
    names = PROPS[: rnd.choice((1, 2, 3))]
    schema: dict[str, Any] = {"type": "object", "properties": {n: scalar(rnd) for n in names}}
    required = [n for n in names if rnd.random() < 0.4]
    if required:
        schema["required"] = required
    if rnd.random() < 0.2:
        schema["additionalProperties"] = False
    return schema


def _edits(schema: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every edit the grammar knows for this schema: (description, function of a copy)."""
    edits: list[tuple[str, Any]] = []
    props = schema["properties"]

    def at(name: str, fn: Any) -> Any:
        def apply(s: dict) -> None:
            fn(s["properties"][name])
        return apply

    for name, sub in props.items():
        edits += [(f"{name}: type -> {t}", at(name, lambda s, t=t: (s.clear(), s.update(type=t))))
                  for t in SCALARS if sub.get("type") != t]
        edits.append((f"{name}: nullable", at(name, lambda s: s.update(type=[s["type"], "null"]) if isinstance(
            s.get("type"), str) else s.update(anyOf=[{"type": "null"}, *s.pop("oneOf", s.pop("anyOf", []))]))))
        for key, values in (("maxLength", (1, 2, 4, 8)), ("minLength", (1, 2)), ("minimum", (0, 1, 3)),
                            ("maximum", (4, 10, 50)), ("exclusiveMinimum", (0, 1)), ("multipleOf", (2, 3)),
                            ("maxItems", (1, 2, 5)), ("minItems", (1, 2))):
            applies = {"maxLength": "string", "minLength": "string", "maxItems": "array", "minItems": "array"}.get(
                key, "number")
            if sub.get("type") == applies or (applies == "number" and sub.get("type") == "integer"):
                edits += [(f"{name}: {key} = {v}", at(name, lambda s, k=key, v=v: s.__setitem__(k, v)))
                          for v in values if sub.get(key) != v]
                if key in sub:
                    edits.append((f"{name}: {key} removed", at(name, lambda s, k=key: s.pop(k))))
        if sub.get("type") == "string":
            edits += [(f"{name}: pattern {p}", at(name, lambda s, p=p: s.__setitem__("pattern", p)))
                      for p in PATTERNS if sub.get("pattern") != p]
            if "pattern" in sub:
                edits.append((f"{name}: pattern removed", at(name, lambda s: s.pop("pattern"))))
            if "enum" in sub:
                edits.append((f"{name}: enum value added", at(name, lambda s: s["enum"].append("zz"))))
                edits.append((f"{name}: enum value removed", at(name, lambda s: s["enum"].pop())))
                edits.append((f"{name}: enum removed", at(name, lambda s: s.pop("enum"))))
            else:
                edits.append((f"{name}: enum added", at(name, lambda s: s.__setitem__("enum", ["a", "ab"]))))
        if sub.get("type") == "array":
            edits.append((f"{name}: uniqueItems", at(name, lambda s: s.__setitem__("uniqueItems", True))))
            edits.append((f"{name}: contains", at(name, lambda s: s.__setitem__("contains", {"const": 1}))))
            edits.append((f"{name}: items type -> string", at(name, lambda s: s.__setitem__("items", {
                "type": "string"}))))
        for kw in ("oneOf", "anyOf"):
            if kw in sub:
                edits.append((f"{name}: {kw} branch added", at(name, lambda s, kw=kw: s[kw].append(
                    {"type": "boolean"} if {"type": "boolean"} not in s[kw] else {"type": "array"}))))
                edits.append((f"{name}: {kw} branch removed", at(name, lambda s, kw=kw: s[kw].pop())))
        req = name in schema.get("required", ())
        edits.append((f"{name}: {'optional' if req else 'required'}", lambda s, n=name, r=req: s.__setitem__(
            "required", [x for x in s.get("required", []) if x != n] + ([] if r else [n]))))
        edits.append((f"{name}: removed", lambda s, n=name: (s["properties"].pop(n), s.__setitem__(
            "required", [x for x in s.get("required", []) if x != n]))))
    for new in PROPS:
        if new not in props:
            edits.append((f"{new}: added", lambda s, n=new: s["properties"].__setitem__(n, {"type": "string"})))
            edits.append((f"{new}: added as required", lambda s, n=new: (s["properties"].__setitem__(
                n, {"type": "integer"}), s.__setitem__("required", [*s.get("required", []), n]))))
            break
    if schema.get("additionalProperties") is False:
        edits.append(("additionalProperties false removed", lambda s: s.pop("additionalProperties")))
        edits.append(("unevaluatedProperties false instead", lambda s: (s.pop("additionalProperties"), s.__setitem__(
            "unevaluatedProperties", False))))
    else:
        edits.append(("additionalProperties false", lambda s: s.__setitem__("additionalProperties", False)))
    edits += [
        ("patternProperties added", lambda s: s.__setitem__("patternProperties", {"^x": {"type": "integer"}})),
        ("propertyNames added", lambda s: s.__setitem__("propertyNames", {"maxLength": 1})),
        ("maxProperties added", lambda s: s.__setitem__("maxProperties", 1)),
        ("dependentRequired added", lambda s: s.__setitem__("dependentRequired", {PROPS[0]: [PROPS[1]]})),
    ]
    return edits


def random_pair(rnd: random.Random) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(base, head, what was edited): one edit of a random schema; applied to a copy."""
    base = base_schema(rnd)
    what, edit = rnd.choice(_edits(base))
    head = copy.deepcopy(base)
    edit(head)
    return base, head, what


# --- the judgement ----------------------------------------------------------------------------------------------

def _constants(schema: Any, found: set) -> None:
    """Every number and string either side mentions, to put candidates on each side of every boundary."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if isinstance(value, bool):
                continue
            if isinstance(value, int | float):
                found.update((value - 1, value, value + 1, value + 0.5))
                if key in ("maxLength", "minLength"):
                    found.update(("a" * value, "a" * (value + 1), "a" * max(value - 1, 0)))
            else:
                _constants(value, found)
    elif isinstance(schema, list):
        for value in schema:
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                found.add(value)
            else:
                _constants(value, found)


def _values(constants: set) -> list[Any]:
    scalars = list(dict.fromkeys([None, True, False, *NUMBERS, *STRINGS, *sorted(constants, key=repr)], None))
    arrays: list[Any] = [[], [1, "a"], [True, False], ["a", "b"], [1, 2, 3], [0, 1, 2, 3, 4, 5], [2.5, 3.5],
                         ["a", "b", "ab", "abc", "b", "zz"], [False, True, None]]
    for value in scalars:  # one, two equal, and many of each value: lengths and uniqueness on both sides
        arrays += [[value], [value, value], [value] * 6]
    return scalars + arrays


def _names(sender: dict, other: dict, declared_only: bool) -> list[str]:
    """The property names a sender under ``sender`` uses: those its own contract declares, and names neither
    side declares (what `additionalProperties`, `patternProperties`, `propertyNames` speak of). A name only
    the *other* side declares is left out: by the usual convention, a sender does not use a property it was
    never told of (so an optional property added to a request breaks nobody). ``declared_only=False``: every
    name."""
    if not declared_only:
        return list(dict.fromkeys([*sender.get("properties", {}), *PROPS, "x1", "zz"]))
    return [*sender.get("properties", {}), "x1", "zz"]


def candidates(sender: dict, other: dict, rnd: random.Random, declared_only: bool = True,
               extra: int = 200) -> list[dict[str, Any]]:
    """Instances ``sender`` accepts, to try against ``other``: a baseline, then each property in turn over every
    value its schema accepts (and absent), then random combinations."""
    constants: set = set()
    _constants([sender, other], constants)
    values = _values(constants)
    names = _names(sender, other, declared_only)
    props = sender.get("properties", {})
    valid: dict[str, list[Any]] = {}
    for name in names:
        check = jsonschema_rs.Draft202012Validator(props.get(name, True))
        valid[name] = [v for v in values if check.is_valid(v)]
    required = set(sender.get("required", ()))
    baseline = {n: vs[0] for n, vs in valid.items() if vs and n in required}
    out: list[dict[str, Any]] = [baseline, {n: vs[0] for n, vs in valid.items() if vs}]
    for name, vs in valid.items():
        without = {k: v for k, v in baseline.items() if k != name}
        out.append(without)
        out.extend({**baseline, name: v} for v in vs)
        out.extend({**without, **{n: valid[n][0] for n in names if valid[n] and n != name}, name: v} for v in vs)
    for _ in range(extra):
        instance = dict(baseline)
        for name, vs in valid.items():
            if vs and rnd.random() < 0.6:
                instance[name] = rnd.choice(vs)
        out.append(instance)
    return out


def judge(base: dict, head: dict, rnd: random.Random, declared_only: bool = True) -> dict[str, bool]:
    """{"request": a value clients of BASE send that HEAD refuses exists, "response": a value HEAD's server
    sends that BASE refused exists}. ``declared_only=False`` lets senders use any property name."""
    vb = jsonschema_rs.Draft202012Validator(base)
    vh = jsonschema_rs.Draft202012Validator(head)
    return {
        "request": any(vb.is_valid(x) and not vh.is_valid(x) for x in candidates(base, head, rnd, declared_only)),
        "response": any(vh.is_valid(x) and not vb.is_valid(x) for x in candidates(head, base, rnd, declared_only)),
    }
