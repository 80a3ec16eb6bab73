"""Types as they travel in text: parameters, headers, form and XML bodies.

A query parameter, a header, a form field or an XML element is text on the wire. A server that
now reads ``limit`` as a string still accepts every ``?limit=5`` clients sent when it was an
integer, so ``integer`` -> ``string`` there widens what is accepted rather than changing it; and
with form serialization (``ids=1&ids=2``) a single value is an array of one, so ``string`` ->
``array of string`` widens too. Types are therefore compared by the set of texts they accept.
"""

from __future__ import annotations

from typing import Any

#: The texts each type accepts, as classes: i(nteger), n(on-integer number), b(oolean), z (null), s(tring).
_TEXTS: dict[str, frozenset[str]] = {
    "integer": frozenset("i"),
    "number": frozenset("in"),
    "boolean": frozenset("b"),
    "null": frozenset("z"),
    "string": frozenset("inbzs"),
    "object": frozenset("o"),
    "array": frozenset("a"),
}


def _texts(types: frozenset[str], items_types: frozenset[str] | None) -> frozenset[str]:
    found: set[str] = set()
    for t in types:
        found |= _TEXTS.get(t, frozenset((t,)))
    if "array" in types and items_types:  # one value is an array of one
        for t in items_types - {"array", "object"}:
            found |= _TEXTS.get(t, frozenset())
    return frozenset(found)


def wire_verdict(b: Any, h: Any, base_builder: Any, head_builder: Any) -> str | None:
    """TYPE-WIDENED / TYPE-NARROWED / TYPE-CHANGED for two views' types as text, or None when equal."""
    old = _texts(b.types, _items_types(b, base_builder))
    new = _texts(h.types, _items_types(h, head_builder))
    if old == new:
        return None
    if old <= new:
        return "TYPE-WIDENED"
    if new <= old:
        return "TYPE-NARROWED"
    return "TYPE-CHANGED"


def _items_types(view: Any, builder: Any) -> frozenset[str] | None:
    if "array" not in view.types or view.items is None:
        return None
    return builder.view(view.items).types
