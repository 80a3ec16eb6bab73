"""A schema's meaning as one value: ``View``, and how ``allOf`` parts merge into one (``merge``).

``contractkit.diff.schema_view`` reads schemas into views; the differ compares views. A view holds
what a schema accepts, keyword by keyword, with the places of its subschemas (``Node``: the schema
and its JSON pointer) so that changes below are reported where they are. Merging two views gives
the view of a value that must satisfy both (``allOf``): types and enums intersect, bounds take the
tighter, properties and subschemas accumulate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from contractkit.diff.model import MISSING

Node = tuple[Any, str]  # (schema, its JSON pointer)


_EMPTY: Mapping[str, Any] = MappingProxyType({})  # shared: read-only

#: Keywords next to a ``$ref`` that say nothing about the value (3.1 allows siblings).

LENGTH_LOWER = ("minLength", "minItems", "minProperties")
LENGTH_UPPER = ("maxLength", "maxItems", "maxProperties")
#: Keywords of an alternative that say nothing about the value: ``{type: string, title: A}`` is a plain type.

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
        "unevaluated", "unique_items", "variants", "was_ref", "write_only", "xml",
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
        self.unevaluated: bool = False  # `additional` comes from unevaluatedProperties
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


def num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def numeric_bound(node: dict, lower: bool) -> tuple[float, bool] | None:
    inclusive = node.get("minimum" if lower else "maximum")
    exclusive = node.get("exclusiveMinimum" if lower else "exclusiveMaximum")
    found: list[tuple[float, bool]] = []
    if num(inclusive):
        found.append((inclusive, exclusive is True))
    if num(exclusive):
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

def plain(view: View) -> bool:
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

def merge(into: View, other: View) -> None:
    """allOf: the merged view accepts what both accept."""
    if other.types is not None:
        into.types = other.types if into.types is None else intersect_types(into.types, other.types)
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
    if into.additional is True:
        into.unevaluated = other.unevaluated
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


def intersect_types(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    both = set(a & b)
    if ("integer" in a and "number" in b) or ("integer" in b and "number" in a):
        both.add("integer")
    return frozenset(both)
