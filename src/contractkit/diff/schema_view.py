"""A JSON Schema as the differ sees it: its meaning, not its text.

``build_view`` follows ``$ref``s, merges ``allOf`` parts into one view, reads ``nullable`` (OpenAPI
3.0) as a ``null`` type, turns ``const`` into a one-value enum and the boolean ``exclusiveMinimum``
of 3.0 into the numeric one of 3.1, and treats a one-variant ``oneOf``/``anyOf`` as the variant
itself. Lists that carry no order (``type``, ``enum``, ``required``) become sets. Two schemas that
say the same thing in different words get equal views, which is why reordering, an inlined
``$ref`` or an ``allOf`` split never show up as changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from contractkit.diff.model import MISSING
from contractkit.diff.tree import Tree, escape, join

Node = tuple[Any, str]  # (schema, its JSON pointer)

#: Keywords next to a ``$ref`` that say nothing about the value (3.1 allows siblings).
ANNOTATIONS = frozenset({"$ref", "description", "summary", "title", "example", "examples", "$comment", "deprecated",
                         "readOnly", "writeOnly", "externalDocs", "xml"})
#: Formats that annotate rather than constrain (any string is "binary"; "password" is a UI hint).
ANNOTATION_FORMATS = frozenset({"binary", "password"})
LENGTH_LOWER = ("minLength", "minItems", "minProperties")
LENGTH_UPPER = ("maxLength", "maxItems", "maxProperties")
MAX_ALLOF_DEPTH = 32


def value_key(value: Any) -> Any:
    """A hashable key for an enum value that keeps 1 and True apart and 1 and 1.0 together."""
    if isinstance(value, bool) or value is None:
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    return ("j", json.dumps(value, sort_keys=True, default=str))


@dataclass(slots=True)
class View:
    ptr: str
    was_ref: bool = False
    types: frozenset[str] | None = None
    enum: dict[Any, Any] | None = None
    format: str | None = None
    default: Any = MISSING
    bounds: dict[str, Any] = field(default_factory=dict)
    pattern: str | None = None
    multiple_of: float | None = None
    unique_items: bool = False
    properties: dict[str, list[Node]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    additional: Any = True  # True (allowed), False, or list[Node]
    items: list[Node] | None = None
    variants: list[Node] | None = None
    deprecated: bool = False
    title: str | None = None
    opaque: str | None = None  # a $ref we could not follow: compared as text
    nullable: bool = False  # OpenAPI 3.0 `nullable: true` beside a union: null is one more alternative

    def is_type_only(self) -> bool:
        return (self.types is not None and self.enum is None and self.format is None and not self.bounds
                and not self.properties and self.items is None and self.variants is None and self.pattern is None
                and self.opaque is None and self.additional is True)

    def describe(self) -> str:
        if self.was_ref:
            return f"`{self.ptr.rsplit('/', 1)[-1]}`"
        if self.title:
            return f"`{self.title}`"
        if self.enum is not None and len(self.enum) == 1:
            return f"`{json.dumps(next(iter(self.enum.values())))}`"
        return types_text(self.types)


def types_text(types: frozenset[str] | None) -> str:
    if types is None:
        return "any"
    return "|".join(sorted(types)) if types else "nothing"


def _num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numeric_bound(node: dict, lower: bool) -> tuple[float, bool] | None:
    inclusive = node.get("minimum" if lower else "maximum")
    exclusive = node.get("exclusiveMinimum" if lower else "exclusiveMaximum")
    found: list[tuple[float, bool]] = []
    if _num(inclusive):
        found.append((inclusive, exclusive is True))
    if _num(exclusive):
        found.append((exclusive, True))
    if not found:
        return None
    if lower:
        return max(found)
    return min(found, key=lambda b: (b[0], not b[1]))


def tighter(key: str, a: Any, b: Any) -> bool:
    """Whether bound value ``a`` allows less than ``b`` for keyword ``key``."""
    if key == "minimum":
        return a > b
    if key == "maximum":
        return (a[0], not a[1]) < (b[0], not b[1])
    if key in LENGTH_LOWER:
        return a > b
    return a < b


class ViewBuilder:
    """Builds (and caches) views of one side's schemas."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self._cache: dict[tuple[str, ...], View] = {}

    def resolve(self, node: Any, ptr: str) -> Node:
        return self.tree.deref(node, ptr)

    def view(self, nodes: list[Node]) -> View:
        key = tuple(p for _, p in nodes)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._build(nodes)
        return found

    def _build(self, nodes: list[Node]) -> View:
        views = [self._one(node, ptr, 0) for node, ptr in nodes]
        result = views[0]
        for other in views[1:]:
            _merge(result, other)
        return result

    def _one(self, node: Any, ptr: str, depth: int) -> View:
        raw_is_ref = isinstance(node, dict) and "$ref" in node
        siblings = raw_is_ref and any(k not in ANNOTATIONS for k in node)
        target, tptr = self.tree.deref(node, ptr)
        view = View(tptr, was_ref=raw_is_ref and tptr != ptr)
        if target is False:
            view.types = frozenset()
            return view
        if not isinstance(target, dict):
            return view
        if isinstance(target.get("$ref"), str):  # remote or dangling
            view.opaque = target["$ref"]
        self._keywords(view, target, tptr)
        if depth < MAX_ALLOF_DEPTH:
            if siblings:
                _merge(view, self._keywords(View(ptr), node, ptr))
            for i, part in enumerate(target.get("allOf") or ()):
                _merge(view, self._one(part, join(tptr, "allOf", i), depth + 1))
        return view

    def _keywords(self, view: View, node: dict, ptr: str) -> View:
        t = node.get("type")
        if isinstance(t, str):
            view.types = frozenset((t,))
        elif isinstance(t, list):
            view.types = frozenset(x for x in t if isinstance(x, str))
        if node.get("nullable") is True:
            if view.types is not None:
                view.types = view.types | {"null"}
            view.nullable = True
        if "const" in node:
            view.enum = {value_key(node["const"]): node["const"]}
        elif isinstance(node.get("enum"), list):
            view.enum = {value_key(v): v for v in node["enum"]}
        if isinstance(node.get("format"), str) and node["format"] not in ANNOTATION_FORMATS:
            view.format = node["format"]
        if "default" in node:
            view.default = node["default"]
        for lower, key in ((True, "minimum"), (False, "maximum")):
            bound = _numeric_bound(node, lower)
            if bound is not None:
                view.bounds[key] = bound
        for key in LENGTH_LOWER + LENGTH_UPPER:
            if _num(node.get(key)):
                view.bounds[key] = node[key]
        if isinstance(node.get("pattern"), str):
            view.pattern = node["pattern"]
        if _num(node.get("multipleOf")):
            view.multiple_of = node["multipleOf"]
        view.unique_items = node.get("uniqueItems") is True
        props = node.get("properties")
        if isinstance(props, dict):
            stem = f"{ptr}/properties/"
            for name, sub in props.items():
                view.properties[name] = [(sub, stem + escape(name))]
        req = node.get("required")
        if isinstance(req, list):
            view.required = {r for r in req if isinstance(r, str)}
        add = node.get("additionalProperties", True)
        if add is False:
            view.additional = False
        elif isinstance(add, dict) and add:
            view.additional = [(add, join(ptr, "additionalProperties"))]
        if "items" in node and isinstance(node["items"], dict):
            view.items = [(node["items"], join(ptr, "items"))]
        view.deprecated = node.get("deprecated") is True
        if isinstance(node.get("title"), str):
            view.title = node["title"]
        for kw in ("oneOf", "anyOf"):
            alts = node.get(kw)
            if isinstance(alts, list) and alts:
                self._union(view, [(a, join(ptr, kw, i)) for i, a in enumerate(alts)])
                break
        return view

    def _union(self, view: View, alts: list[Node]) -> None:
        if len(alts) == 1:
            _merge(view, self._one(alts[0][0], alts[0][1], 1))
            return
        parts = [self._one(a, p, 1) for a, p in alts]
        if all(p.is_type_only() for p in parts):  # anyOf: [{type: string}, {type: 'null'}] is type: [string, null]
            union = frozenset().union(*(p.types or () for p in parts))
            view.types = union if view.types is None else view.types & union
            return
        view.variants = alts


def _merge(into: View, other: View) -> None:
    """allOf: the merged view accepts what both accept."""
    if other.types is not None:
        into.types = other.types if into.types is None else _intersect_types(into.types, other.types)
    if other.enum is not None:
        into.enum = dict(other.enum) if into.enum is None else {k: v for k, v in into.enum.items() if k in other.enum}
    into.format = into.format or other.format
    if into.default is MISSING:
        into.default = other.default
    for key, value in other.bounds.items():
        mine = into.bounds.get(key)
        if mine is None or tighter(key, value, mine):
            into.bounds[key] = value
    into.pattern = into.pattern or other.pattern
    into.multiple_of = into.multiple_of or other.multiple_of
    into.unique_items = into.unique_items or other.unique_items
    for name, nodes in other.properties.items():
        into.properties[name] = into.properties.get(name, []) + nodes
    into.required |= other.required
    if other.additional is False or into.additional is False:
        into.additional = False
    elif other.additional is not True:
        into.additional = other.additional if into.additional is True else into.additional + other.additional
    if other.items is not None:
        into.items = other.items if into.items is None else into.items + other.items
    if into.variants is None:
        into.variants = other.variants
    into.deprecated = into.deprecated or other.deprecated
    into.title = into.title or other.title
    into.opaque = into.opaque or other.opaque
    into.nullable = into.nullable or other.nullable


def _intersect_types(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    both = set(a & b)
    if ("integer" in a and "number" in b) or ("integer" in b and "number" in a):
        both.add("integer")
    return frozenset(both)
