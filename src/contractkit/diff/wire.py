"""Types as they travel in text: parameters, headers, form and XML bodies.

A query parameter, a header, a form field or an XML element is text on the wire. A server that
now reads ``limit`` as a string still accepts every ``?limit=5`` clients sent when it was an
integer, so ``integer`` -> ``string`` there widens what is accepted rather than changing it. How an
array travels depends on its serialization: *exploded* (form, ``ids=1&ids=2``; XML repeats its
element) a single value is an array of one, so ``string`` -> ``array of string`` widens; *joined*
(``simple``, ``form`` with ``explode: false``, the delimited styles: ``ids=1,2``) the array is one
text, which a string accepts, so ``array of string`` and ``string`` are the same there. Types are
therefore compared by the set of texts they accept.
"""

from __future__ import annotations

from typing import Any

#: The texts each type accepts, as classes: i(nteger), n(on-integer number), b(oolean), z (null), s(tring),
#: j (a delimited list in one text), a (the value repeated: an exploded array), o (an object's parts).
_TEXTS: dict[str, frozenset[str]] = {
    "integer": frozenset("i"),
    "number": frozenset("in"),
    "boolean": frozenset("b"),
    "null": frozenset("z"),
    "string": frozenset("inbzsj"),
    "object": frozenset("o"),
    "array": frozenset("a"),
}
#: Wire modes (``SchemaDiffer.compare(wire=...)``) whose arrays travel as one joined text.
JOINED = "joined"


def _texts(types: frozenset[str], items_types: frozenset[str] | None, mode: Any) -> frozenset[str]:
    found: set[str] = set()
    for t in types:
        found |= _TEXTS.get(t, frozenset((t,)))
    if "array" in types:
        if mode == JOINED:
            found.discard("a")
            found.add("j")
        for t in (items_types if items_types is not None else frozenset(("string",))) - {"array", "object"}:
            found |= _TEXTS.get(t, frozenset())  # one value is an array of one
    return frozenset(found)


def wire_verdict(b: Any, h: Any, base_builder: Any, head_builder: Any, mode: Any = True) -> str | None:
    """TYPE-WIDENED / TYPE-NARROWED / TYPE-CHANGED for two views' types as text, or None when equal."""
    old = _texts(b.types, _items_types(b, base_builder), mode)
    new = _texts(h.types, _items_types(h, head_builder), mode)
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
