"""A JSON Schema as the differ sees it: its meaning, not its text.

``build_view`` follows ``$ref``s, merges ``allOf`` parts into one view, reads ``nullable`` (OpenAPI
3.0) as a ``null`` type, turns ``const`` into a one-value enum and the boolean ``exclusiveMinimum``
of 3.0 into the numeric one of 3.1, and treats a one-variant ``oneOf``/``anyOf`` as the variant
itself. A ``{type: 'null'}`` alternative of a union is the ``null`` type (so ``oneOf: [{type:
'null'}, X]`` is ``X`` made nullable, as ``type: [x, 'null']`` is), and a union of plain types or
constants is one type set or enum. ``items: false`` after ``prefixItems`` is a ``maxItems``;
``unevaluatedProperties`` / ``unevaluatedItems`` of a merged view act as ``additionalProperties``
/ ``items``; draft-4 tuple ``items: [..]`` is ``prefixItems``. Lists that carry no order
(``type``, ``enum``, ``required``) become sets. Two schemas that say the same thing in different
words get equal views, which is why reordering, an inlined ``$ref`` or an ``allOf`` split never
show up as changes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from contractkit.diff.model import MISSING
from contractkit.diff.tree import Tree, escape, join

Node = tuple[Any, str]  # (schema, its JSON pointer)


_EMPTY: Mapping[str, Any] = MappingProxyType({})  # shared: read-only

#: Keywords next to a ``$ref`` that say nothing about the value (3.1 allows siblings).
ANNOTATIONS = frozenset({"$ref", "$dynamicRef", "$anchor", "$dynamicAnchor", "$id", "$schema", "$defs",
                         "description", "summary", "title", "example", "examples", "$comment", "deprecated",
                         "readOnly", "writeOnly", "externalDocs", "xml"})
#: Formats that annotate rather than constrain (any string is "binary"; "password" is a UI hint).
ANNOTATION_FORMATS = frozenset({"binary", "password"})
LENGTH_LOWER = ("minLength", "minItems", "minProperties")
LENGTH_UPPER = ("maxLength", "maxItems", "maxProperties")
#: Keywords of an alternative that say nothing about the value: ``{type: string, title: A}`` is a plain type.
_PLAIN = frozenset({"type", "enum", "const", "title", "description", "$comment", "example", "examples"})
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


class View:
    """What one schema (its ``allOf`` parts merged) accepts. A slotted plain class: views are many, and a
    dataclass of this many fields costs milliseconds to create at import."""

    __slots__ = (
        "additional", "bounds", "conditionals", "contains", "contains_bounds", "content_encoding",
        "content_media_type", "content_schema", "default", "dep_required", "dep_schemas", "deprecated",
        "discriminator", "enum", "format", "items", "multiple_of", "nots", "nullable", "opaque", "pattern_props",
        "patterns",
        "prefix_items", "properties", "property_names", "ptr", "read_only", "required", "title", "types",
        "unique_items", "variants", "was_ref", "write_only", "xml",
    )

    def __init__(self, ptr: str, was_ref: bool = False) -> None:
        self.ptr = ptr
        self.was_ref: bool = was_ref
        self.types: frozenset[str] | None = None
        self.enum: dict[Any, Any] | None = None
        self.format: str | None = None
        self.default: Any = MISSING
        self.bounds: dict[str, Any] = {}
        self.patterns: frozenset[str] = frozenset()  # all must match (allOf parts may each carry one)
        self.multiple_of: float | None = None
        self.unique_items: bool = False
        self.properties: dict[str, list[Node]] = {}
        self.required: set[str] = set()
        self.additional: Any = True  # True (allowed), False, or list[Node]
        self.items: list[Node] | None = None
        self.variants: list[Node] | None = None
        self.deprecated: bool = False
        self.title: str | None = None
        self.opaque: str | None = None  # a $ref we could not follow: compared as text
        self.nullable: bool = False  # OpenAPI 3.0 `nullable: true` beside a union: null is one more alternative
        self.read_only: bool = False
        self.write_only: bool = False
        self.nots: Sequence[Node] = ()
        self.contains: list[Node] | None = None
        self.contains_bounds: tuple[int, int | None] = (1, None)  # (minContains, maxContains)
        self.dep_required: Mapping[str, frozenset[str]] = _EMPTY
        self.dep_schemas: Mapping[str, list[Node]] = _EMPTY
        self.conditionals: Sequence[tuple[Node, Node | None, Node | None]] = ()
        self.pattern_props: Mapping[str, list[Node]] = _EMPTY
        self.prefix_items: Sequence[list[Node]] = ()
        self.property_names: list[Node] | None = None
        self.content_media_type: str | None = None
        self.content_encoding: str | None = None
        self.content_schema: list[Node] | None = None
        self.discriminator: tuple[str, dict[str, str]] | None = None  # OpenAPI: (propertyName, mapping)
        self.xml: dict | None = None  # OpenAPI XML Object: how the value is written in an XML body

    def replace(self, **changes: Any) -> View:
        """A copy with some fields changed (``dataclasses.replace`` for this class)."""
        copy = View.__new__(View)
        for name in View.__slots__:
            setattr(copy, name, changes[name] if name in changes else getattr(self, name))
        return copy

    @property
    def pattern(self) -> str | None:
        """The pattern(s) as one text (for display and quick equality)."""
        return " && ".join(sorted(self.patterns)) if self.patterns else None

    def admits_null(self) -> bool:
        return self.nullable or (self.types is not None and "null" in self.types)

    def has_applicators(self) -> bool:
        return bool(self.nots or self.contains is not None or self.dep_required or self.dep_schemas
                    or self.conditionals or self.pattern_props or self.prefix_items
                    or self.property_names is not None or self.content_media_type or self.content_encoding
                    or self.content_schema is not None or self.discriminator is not None)

    def is_type_only(self) -> bool:
        return (self.types is not None and self.enum is None and self.format is None and not self.bounds
                and not self.properties and self.items is None and self.variants is None and not self.patterns
                and self.opaque is None and self.additional is True and not self.has_applicators())

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
        if len(nodes) == 1 and nodes[0][0] is True:  # `true`, or a keyword left out: accepts anything
            return View(nodes[0][1])
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
        raw_is_ref = isinstance(node, dict) and ("$ref" in node or "$dynamicRef" in node)
        siblings = raw_is_ref and any(k not in ANNOTATIONS for k in node)
        target, tptr = self.tree.deref(node, ptr)
        view = View(tptr, was_ref=raw_is_ref and tptr != ptr)
        if target is False:
            view.types = frozenset()
            return view
        if not isinstance(target, dict):
            return view
        unresolved = target.get("$ref", target.get("$dynamicRef"))
        if isinstance(unresolved, str):  # remote or dangling
            view.opaque = unresolved
        self._keywords(view, target, tptr)
        if depth < MAX_ALLOF_DEPTH:
            if siblings:
                _merge(view, self._keywords(View(ptr), node, ptr))
            for i, part in enumerate(target.get("allOf") or ()):
                _merge(view, self._one(part, join(tptr, "allOf", i), depth + 1))
            own_null = target.get("nullable") is True or (siblings and node.get("nullable") is True)
            if own_null and view.types is not None and "null" not in view.types:
                view.types = view.types | {"null"}  # 3.0 `{allOf: [$ref], nullable: true}`: the types came later
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
        if not _BOUNDS.isdisjoint(node):  # most schemas carry none: one C-level test instead of twelve lookups
            for lower, key in ((True, "minimum"), (False, "maximum")):
                bound = _numeric_bound(node, lower)
                if bound is not None:
                    view.bounds[key] = bound
            for key in LENGTH_LOWER + LENGTH_UPPER:
                if _num(node.get(key)):
                    view.bounds[key] = node[key]
            if isinstance(node.get("pattern"), str):
                view.patterns = frozenset((node["pattern"],))
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
        if "additionalProperties" in node or "unevaluatedProperties" in node:
            add_kw = "additionalProperties" if "additionalProperties" in node else "unevaluatedProperties"
            add = node[add_kw]
            if add is False:
                view.additional = False
            elif isinstance(add, dict) and add:
                view.additional = [(add, join(ptr, add_kw))]
        if not _ARRAYS.isdisjoint(node):
            self._arrays(view, node, ptr)
        view.deprecated = node.get("deprecated") is True
        view.read_only = node.get("readOnly") is True
        view.write_only = node.get("writeOnly") is True
        if isinstance(node.get("title"), str):
            view.title = node["title"]
        if "xml" in node and isinstance(node["xml"], dict):
            view.xml = node["xml"]
        if not _APPLICATORS.isdisjoint(node):
            self._applicators(view, node, ptr)
        for kw in ("oneOf", "anyOf"):
            alts = node.get(kw)
            if isinstance(alts, list) and alts:
                self._union(view, [(a, join(ptr, kw, i)) for i, a in enumerate(alts)])
                break
        return view

    @staticmethod
    def _arrays(view: View, node: dict, ptr: str) -> None:
        """``items``, ``prefixItems`` (or draft-4 tuple ``items``), ``unevaluatedItems``: by meaning."""
        items, items_kw = node.get("items"), "items"
        prefix = node.get("prefixItems")
        if isinstance(items, list):  # draft 4 tuple: items [..] + additionalItems
            prefix, items, items_kw = items, node.get("additionalItems"), "additionalItems"
        if isinstance(prefix, list):
            view.prefix_items = [[(p, join(ptr, "prefixItems" if items_kw == "items" else "items", i))]
                                 for i, p in enumerate(prefix)]
        if items is None and "unevaluatedItems" in node:
            items, items_kw = node["unevaluatedItems"], "unevaluatedItems"
        if isinstance(items, dict):
            view.items = [(items, join(ptr, items_kw))]
        elif items is False:  # no item beyond the tuple: a length bound
            limit = len(view.prefix_items)
            if not _num(view.bounds.get("maxItems")) or view.bounds["maxItems"] > limit:
                view.bounds["maxItems"] = limit

    @staticmethod
    def _applicators(view: View, node: dict, ptr: str) -> None:
        """The 2020-12 applicators and content keywords, each kept with its place."""
        if "not" in node:
            view.nots = [(node["not"], join(ptr, "not"))]
        if "contains" in node:
            view.contains = [(node["contains"], join(ptr, "contains"))]
            low, high = node.get("minContains", 1), node.get("maxContains")
            view.contains_bounds = (low if _num(low) else 1, high if _num(high) else None)
        dep_req = node.get("dependentRequired")
        if isinstance(dep_req, dict):
            view.dep_required = {k: frozenset(x for x in v if isinstance(x, str)) for k, v in dep_req.items()
                                 if isinstance(v, list)}
        for kw in ("dependentSchemas", "patternProperties"):
            found = node.get(kw)
            if isinstance(found, dict):
                keyed = {key: [(sub, join(ptr, kw, key))] for key, sub in found.items()}
                if kw == "dependentSchemas":
                    view.dep_schemas = keyed
                else:
                    view.pattern_props = keyed
        deps = node.get("dependencies")  # draft 4-7: both kinds under one keyword
        if isinstance(deps, dict):
            view.dep_required, view.dep_schemas = dict(view.dep_required), dict(view.dep_schemas)
            for key, sub in deps.items():
                if isinstance(sub, list):
                    view.dep_required[key] = frozenset(x for x in sub if isinstance(x, str))  # type: ignore[index]
                elif isinstance(sub, dict | bool):
                    view.dep_schemas[key] = [(sub, join(ptr, "dependencies", key))]  # type: ignore[index]
        if "if" in node and ("then" in node or "else" in node):
            view.conditionals = [((node["if"], join(ptr, "if")),
                                  (node["then"], join(ptr, "then")) if "then" in node else None,
                                  (node["else"], join(ptr, "else")) if "else" in node else None)]
        if "propertyNames" in node:
            view.property_names = [(node["propertyNames"], join(ptr, "propertyNames"))]
        if isinstance(node.get("contentMediaType"), str):
            view.content_media_type = node["contentMediaType"].lower()
        if isinstance(node.get("contentEncoding"), str):
            view.content_encoding = node["contentEncoding"].lower()
        if "contentSchema" in node:
            view.content_schema = [(node["contentSchema"], join(ptr, "contentSchema"))]
        disc = node.get("discriminator")
        if isinstance(disc, dict) and isinstance(disc.get("propertyName"), str):
            mapping = disc.get("mapping") if isinstance(disc.get("mapping"), dict) else {}
            view.discriminator = (disc["propertyName"], {str(k): str(v) for k, v in mapping.items()})

    def _union(self, view: View, alts: list[Node]) -> None:
        parts = [self._one(a, p, 1) for a, p in alts]
        nulls = [i for i, p in enumerate(parts) if (p.types == frozenset(("null",)) and p.is_type_only())
                 or (p.enum is not None and list(p.enum) == [value_key(None)] and p.types in (None, {"null"}))]
        if nulls and len(nulls) < len(parts):  # {type: 'null'} is an alternative only in spelling: X made nullable
            alts = [a for i, a in enumerate(alts) if i not in nulls]
            parts = [p for i, p in enumerate(parts) if i not in nulls]
            view.nullable = True
        if len(alts) == 1:
            before = view.types
            view.types = None
            _merge(view, parts[0])
            if view.nullable and view.types is not None:
                view.types = view.types | {"null"}
            if before is not None:
                view.types = before if view.types is None else _intersect_types(before, view.types)
            return
        if all(_plain(p) for p in parts):  # anyOf: [{type: string}, {type: 'null'}] is type: [string, null]
            if all(p.types is not None for p in parts):
                union = frozenset().union(*(p.types or () for p in parts))
                if view.nullable:
                    union = union | {"null"}
                view.types = union if view.types is None else _intersect_types(view.types, union)
            if all(p.enum is not None for p in parts):  # oneOf of consts is an enum
                values: dict[Any, Any] = {}
                for p in parts:
                    values.update(p.enum or {})
                if view.nullable:
                    values[value_key(None)] = None
                view.enum = values if view.enum is None else {k: v for k, v in view.enum.items() if k in values}
                return
            if any(p.enum is not None for p in parts) or not all(p.types is not None for p in parts):
                view.variants = alts
            return
        view.variants = alts


def _plain(view: View) -> bool:
    """An alternative that is only types and/or values (no structure): unions of those are one set."""
    return (view.enum is not None or view.types is not None) and not view.was_ref and view.format is None and not (
        view.bounds or view.properties or view.items is not None or view.variants is not None or view.patterns
        or view.opaque is not None or view.additional is not True or view.has_applicators() or view.required
        or view.prefix_items)


def _merge_keyed(mine: Mapping[str, list[Node]], theirs: Mapping[str, list[Node]]) -> Mapping[str, list[Node]]:
    if not theirs:
        return mine
    merged = dict(mine)
    for key, nodes in theirs.items():
        merged[key] = merged.get(key, []) + nodes
    return merged


_BOUNDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", *LENGTH_LOWER, *LENGTH_UPPER,
                     "pattern", "multipleOf", "uniqueItems"})
_ARRAYS = frozenset({"items", "prefixItems", "unevaluatedItems"})
_APPLICATORS = frozenset({"discriminator", "not", "contains", "dependentRequired", "dependentSchemas", "dependencies",
                          "if",
                          "propertyNames", "contentMediaType", "contentEncoding", "contentSchema",
                          "patternProperties"})


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
    into.patterns = into.patterns | other.patterns
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
    into.read_only = into.read_only or other.read_only
    into.write_only = into.write_only or other.write_only
    into.title = into.title or other.title
    into.xml = into.xml or other.xml
    into.opaque = into.opaque or other.opaque
    into.nullable = into.nullable or other.nullable
    if other.has_applicators() or other.prefix_items:
        _merge_applicators(into, other)


def _merge_applicators(into: View, other: View) -> None:
    into.nots = [*into.nots, *other.nots]
    if other.contains is not None:
        into.contains = other.contains if into.contains is None else into.contains + other.contains
        into.contains_bounds = other.contains_bounds if into.contains_bounds == (1, None) else into.contains_bounds
    if other.dep_required:
        merged = dict(into.dep_required)
        for key, names in other.dep_required.items():
            merged[key] = merged.get(key, frozenset()) | names
        into.dep_required = merged
    into.dep_schemas = _merge_keyed(into.dep_schemas, other.dep_schemas)
    into.pattern_props = _merge_keyed(into.pattern_props, other.pattern_props)
    into.conditionals = [*into.conditionals, *other.conditionals]
    if other.prefix_items:
        positions = [list(p) for p in into.prefix_items]
        for i, nodes in enumerate(other.prefix_items):
            if i < len(positions):
                positions[i] = positions[i] + nodes
            else:
                positions.append(list(nodes))
        into.prefix_items = positions
    if other.property_names is not None:
        into.property_names = (other.property_names if into.property_names is None
                               else into.property_names + other.property_names)
    into.discriminator = into.discriminator or other.discriminator
    into.content_media_type = into.content_media_type or other.content_media_type
    into.content_encoding = into.content_encoding or other.content_encoding
    if other.content_schema is not None:
        into.content_schema = (other.content_schema if into.content_schema is None
                               else into.content_schema + other.content_schema)


def _intersect_types(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    both = set(a & b)
    if ("integer" in a and "number" in b) or ("integer" in b and "number" in a):
        both.add("integer")
    return frozenset(both)
