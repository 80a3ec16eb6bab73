"""The JSON Schema 2020-12 applicators and content keywords, compared by meaning (a ``SchemaDiffer`` mixin).

Each keyword is judged by what it does to the set of accepted values; the registry turns that into
a classification per direction (accepting less breaks a request, allowing more breaks a response):

- ``not``: adding one accepts less; a changed one cannot be ordered cheaply, so it is its own kind.
- ``contains`` (with ``minContains`` / ``maxContains``): adding it accepts less; its schema is compared
  in place (a narrower ``contains`` accepts fewer arrays).
- ``dependentRequired`` / ``dependentSchemas`` / ``patternProperties`` / ``propertyNames`` /
  ``prefixItems`` / ``contentSchema``: added entries accept less, removed ones more, kept ones are
  compared in place.
- ``if`` / ``then`` / ``else``: a branch that is not there is ``true``, so a new ``then`` is compared
  against ``true``: a property required inside it is a new required property. A changed ``if`` is
  its own kind (which instances take which branch moved).
- ``contentMediaType`` / ``contentEncoding``: the string's content is another kind of data.
"""

from __future__ import annotations

from typing import Any

from contractkit.diff.schema_view import Node, View
from contractkit.diff.tree import join


def _virtual(ptr: str) -> Node:
    """A keyword that is not there, as the ``true`` schema it means, at the place it would be."""
    return (True, ptr)


class ApplicatorDiffer:
    """Mixed into ``SchemaDiffer``: uses its ``compare``, ``_emit``, ``unchanged`` and ``_bound``."""

    compare: Any
    _emit: Any
    unchanged: Any
    _bound: Any

    def _applicators(self, prefix: str, b: View, h: View) -> None:
        if not (b.has_applicators() or h.has_applicators() or b.prefix_items or h.prefix_items):
            return
        self._not(prefix, b, h)
        self._contains(prefix, b, h)
        self._dependent_required(prefix, b, h)
        self._keyed(prefix, b.dep_schemas, h.dep_schemas, h, "DEPENDENT-SCHEMA", "dependent schema of `{}`")
        self._keyed(prefix, b.pattern_props, h.pattern_props, h, "PATTERN-PROPERTY", "patternProperties `{}`")
        if b.additional is False and h.additional is False:
            self._closed_patterns(prefix, b, h)
        self._prefix_items(prefix, b, h)
        self._optional(prefix, b.property_names, h.property_names, h, "PROPERTY-NAMES", "propertyNames")
        self._conditionals(prefix, b, h)
        self._content(prefix, b, h)
        self._discriminator(prefix, b, h)

    def _discriminator(self, prefix: str, b: View, h: View) -> None:
        """OpenAPI 3.1 §4.8.25: clients pick the alternative by this property's value (and the mapping)."""
        if b.discriminator is None or h.discriminator is None:
            return  # added or removed: it only names what the alternatives already say
        (b_name, b_map), (h_name, h_map) = b.discriminator, h.discriminator
        if b_name != h_name:
            self._emit(prefix, "DISCRIMINATOR-CHANGED", f"discriminator property `{b_name}` -> `{h_name}` (arguable: "
                       "the alternatives may still validate the same values, but clients and generated code that "
                       f"pick the alternative by `{b_name}` pick wrongly or not at all)", h,
                       before=b_name, after=h_name)
            return
        moved = sorted(k for k in b_map.keys() & h_map.keys() if b_map[k].rsplit("/", 1)[-1] !=
                       h_map[k].rsplit("/", 1)[-1])
        if moved:
            self._emit(prefix, "DISCRIMINATOR-CHANGED", f"discriminator values {moved} map to other schemas", h,
                       before={k: b_map[k] for k in moved}, after={k: h_map[k] for k in moved})
        if b_map.keys() - h_map.keys():
            self._emit(prefix, "DISCRIMINATOR-VALUE-REMOVED", f"discriminator values "
                       f"{sorted(b_map.keys() - h_map.keys())} removed", h, before=sorted(b_map.keys() - h_map.keys()))
        if h_map.keys() - b_map.keys():
            self._emit(prefix, "DISCRIMINATOR-VALUE-ADDED", f"discriminator values "
                       f"{sorted(h_map.keys() - b_map.keys())} added", h, after=sorted(h_map.keys() - b_map.keys()))

    def _same(self, b: list[Node], h: list[Node]) -> bool:
        return len(b) == len(h) and all(self.unchanged.same(x[0], y[0], x[1], y[1]) for x, y in zip(b, h,
                                                                                                   strict=True))

    def _not(self, prefix: str, b: View, h: View) -> None:
        if not b.nots and not h.nots:
            return
        if not b.nots:
            self._emit(prefix, "NOT-ADDED", "`not` added: some values are now excluded", h, pointer=h.nots[0][1])
        elif not h.nots:
            self._emit(prefix, "NOT-REMOVED", "`not` removed: values it excluded are now allowed", h,
                       pointer=b.nots[0][1], side="base")
        elif not self._same(b.nots, h.nots):
            self._emit(prefix, "NOT-CHANGED", "the schema under `not` changed", h, pointer=h.nots[0][1])

    def _contains(self, prefix: str, b: View, h: View) -> None:
        if b.contains is None and h.contains is None:
            return
        if b.contains is None:
            self._emit(prefix, "CONTAINS-ADDED", "`contains` added: the array must hold a matching item", h,
                       pointer=h.contains[0][1])
            return
        if h.contains is None:
            self._emit(prefix, "CONTAINS-REMOVED", "`contains` removed: no item has to match any more", h,
                       pointer=b.contains[0][1], side="base")
            return
        self.compare(prefix, b.contains, h.contains)
        (b_min, b_max), (h_min, h_max) = b.contains_bounds, h.contains_bounds
        self._bound(prefix, h, "minContains", b_min, h_min)
        self._bound(prefix, h, "maxContains", b_max, h_max)

    def _dependent_required(self, prefix: str, b: View, h: View) -> None:
        for key in dict.fromkeys([*b.dep_required, *h.dep_required]):
            old, new = b.dep_required.get(key, frozenset()), h.dep_required.get(key, frozenset())
            if new - old:
                self._emit(prefix, "DEPENDENT-REQUIRED-ADDED", f"when `{key}` is present, "
                           f"{_names(new - old)} must be too", h, pointer=join(h.ptr, "dependentRequired", key),
                           after=sorted(new - old))
            if old - new:
                self._emit(prefix, "DEPENDENT-REQUIRED-REMOVED", f"when `{key}` is present, "
                           f"{_names(old - new)} may now be missing", h, before=sorted(old - new),
                           pointer=join(h.ptr, "dependentRequired", key))

    def _keyed(self, prefix: str, b: dict[str, list[Node]], h: dict[str, list[Node]], at: View, kind: str,
               label: str) -> None:
        for key in dict.fromkeys([*b, *h]):
            if key not in h:
                self._emit(prefix, f"{kind}-REMOVED", f"{label.format(key)} removed", at, pointer=b[key][0][1],
                           side="base")
            elif key not in b:
                self._emit(prefix, f"{kind}-ADDED", f"{label.format(key)} added", at, pointer=h[key][0][1])
            else:
                self.compare(prefix, b[key], h[key])

    def _closed_patterns(self, prefix: str, b: View, h: View) -> None:
        """In an object closed to other properties, a pattern property opens (or closes) the names it matches."""
        for key in h.pattern_props.keys() - b.pattern_props.keys():
            self._emit(prefix, "ADDITIONAL-PROPERTIES-ALLOWED", f"properties matching `{key}` now allowed where "
                       "BASE allowed no other property", h, pointer=h.pattern_props[key][0][1])
        for key in b.pattern_props.keys() - h.pattern_props.keys():
            self._emit(prefix, "ADDITIONAL-PROPERTIES-RESTRICTED", f"properties matching `{key}` no longer "
                       "allowed: HEAD allows no other property", h, pointer=b.pattern_props[key][0][1], side="base")

    def _optional(self, prefix: str, b: list[Node] | None, h: list[Node] | None, at: View, kind: str,
                  label: str) -> None:
        if b is None and h is None:
            return
        if b is None:
            self._emit(prefix, f"{kind}-ADDED", f"`{label}` added", at, pointer=h[0][1])
        elif h is None:
            self._emit(prefix, f"{kind}-REMOVED", f"`{label}` removed", at, pointer=b[0][1], side="base")
        else:
            self.compare(prefix, b, h)

    def _prefix_items(self, prefix: str, b: View, h: View) -> None:
        """Position by position: what constrains item i is ``prefixItems[i]``, else ``items``, else nothing."""
        if not b.prefix_items and not h.prefix_items:
            return
        for i in range(max(len(b.prefix_items), len(h.prefix_items))):
            old = b.prefix_items[i] if i < len(b.prefix_items) else b.items
            new = h.prefix_items[i] if i < len(h.prefix_items) else h.items
            if old is None and new is None:
                continue
            if old is None:
                self._emit(prefix, "PREFIX-ITEM-ADDED", f"item {i} now has a schema (`prefixItems`)", h,
                           pointer=new[0][1])
            elif new is None:
                self._emit(prefix, "PREFIX-ITEM-REMOVED", f"item {i} no longer has a schema (`prefixItems`)", h,
                           pointer=old[0][1], side="base")
            else:
                self.compare(prefix, old, new)

    def _conditionals(self, prefix: str, b: View, h: View) -> None:
        if not b.conditionals and not h.conditionals:
            return
        pairs: list[tuple[Any, Any]] = []
        free_h = list(h.conditionals)
        for cond in b.conditionals:
            match = next((c for c in free_h if self._same([cond[0]], [c[0]])), None)
            if match is None and len(b.conditionals) == 1 and len(free_h) == 1:
                match = free_h[0]
            if match is not None:
                free_h.remove(match)
            pairs.append((cond, match))
        pairs.extend((None, c) for c in free_h)
        for bc, hc in pairs:
            if bc is not None and hc is not None and not self._same([bc[0]], [hc[0]]):
                self._emit(prefix, "CONDITION-CHANGED", "the `if` condition changed: other values take the "
                           "`then` / `else` branches", h, pointer=hc[0][1])
            for slot, word in ((1, "then"), (2, "else")):
                old = bc[slot] if bc is not None else None
                new = hc[slot] if hc is not None else None
                if old is None and new is None:
                    continue
                old = old or _virtual(join(hc[0][1].rsplit("/", 1)[0], word))
                new = new or _virtual(join(h.ptr if hc is None else hc[0][1].rsplit("/", 1)[0], word))
                self.compare(prefix, [old], [new])

    def _content(self, prefix: str, b: View, h: View) -> None:
        if b.content_encoding != h.content_encoding:
            self._emit(prefix, "CONTENT-ENCODING-CHANGED", f"contentEncoding {b.content_encoding or 'none'} -> "
                       f"{h.content_encoding or 'none'}", h, before=b.content_encoding, after=h.content_encoding)
        old, new = b.content_media_type, h.content_media_type
        if old != new:
            kind = "ADDED" if old is None else "REMOVED" if new is None else "CHANGED"
            self._emit(prefix, f"CONTENT-MEDIA-TYPE-{kind}", f"contentMediaType {old or 'none'} -> {new or 'none'}",
                       h, before=old, after=new)
        self._optional(prefix, b.content_schema, h.content_schema, h, "CONTENT-SCHEMA", "contentSchema")


def _names(names: frozenset[str]) -> str:
    return ", ".join(f"`{n}`" for n in sorted(names))
