"""Compare two JSON Schemas by meaning, in one direction (request or response).

Each pair of places is compared once: results are memoized by the pair of JSON pointers, so a
component reached from hundreds of operations costs one comparison, and a recursive schema
(a tree node whose children are tree nodes) stops where it meets itself instead of looping.
The changes a comparison returns are shared objects; callers add the operations that reach them.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from contractkit.diff.model import MISSING, PREFIX_DIRECTION, Change
from contractkit.diff.schema_applicators import ApplicatorDiffer
from contractkit.diff.schema_unions import UnionDiffer
from contractkit.diff.schema_view import (
    LENGTH_LOWER,
    LENGTH_UPPER,
    Node,
    View,
    ViewBuilder,
    tighter,
    types_text,
    value_key,
)
from contractkit.diff.tree import Recorder, Tree, join
from contractkit.diff.unchanged import Unchanged
from contractkit.diff.wire import wire_verdict

SchemaKey = tuple[str, str, str, tuple[str, ...], tuple[str, ...], bool | str]


def show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _bound_value(key: str, value: Any) -> str:
    if value is None:
        return "none"
    if key in ("minimum", "maximum"):
        number, exclusive = value
        return f"{number} (exclusive)" if exclusive else str(number)
    return str(value)


def _expand(types: frozenset[str]) -> frozenset[str]:
    return types | {"integer"} if "number" in types else types


class SchemaDiffer(ApplicatorDiffer, UnionDiffer):
    """Compares schemas of BASE and HEAD; one instance per diff, shared by every operation.

    *Wire* comparisons (``wire=True``: query, path, header and cookie parameters with a ``schema``,
    response headers, XML and form bodies) judge types by the text that travels: every scalar is a
    string there, so ``integer`` -> ``string`` widens, and with form serialization one value is an
    array of one, so ``string`` -> ``array of string`` widens too.
    """

    def __init__(self, base: Tree, head: Tree, recorder: Recorder) -> None:
        self.base = ViewBuilder(base)
        self.head = ViewBuilder(head)
        self.rec = recorder
        self.unchanged = Unchanged(base, head)
        self._done: set[SchemaKey] = set()
        self._active: set[SchemaKey] = set()
        self._stack: list[SchemaKey] = []
        self._edges: dict[SchemaKey, set[SchemaKey]] = {}
        self._direct: dict[SchemaKey, list[Change]] = {}
        self._roots: dict[SchemaKey, set[str]] = {}
        self._wire: bool | str = False  # False, "text" (or True), "joined" (arrays as one text) or "xml"

    def compare(self, prefix: str, b: list[Node], h: list[Node], wire: bool | str | None = None) -> SchemaKey:
        """Compare schema(s) ``b`` in BASE with ``h`` in HEAD, judged as ``prefix`` (e.g. ``OAS-REQ``).

        Returns the comparison's key; ``credit`` it to an operation so that every change found
        below it (now or through a memoized comparison) lists that operation.
        """
        if len(b) == 1 and len(h) == 1 and self.unchanged.same(b[0][0], h[0][0], b[0][1], h[0][1]):
            return ("", "", "", (), (), False)  # nothing below can differ: no views, no walk
        bv = self.base.view(b)
        hv = self.head.view(h)
        outer_wire = self._wire
        wire = outer_wire if wire is None else wire
        key: SchemaKey = (prefix, bv.ptr, hv.ptr, tuple(p for _, p in b), tuple(p for _, p in h), wire)
        if self._stack:
            self._edges.setdefault(self._stack[-1], set()).add(key)
        if key in self._done or key in self._active:
            return key  # compared already, or a recursive schema met itself
        self._active.add(key)
        self._stack.append(key)
        self._wire = wire
        try:
            self._views(prefix, bv, hv)
        finally:
            self._wire = outer_wire
            self._stack.pop()
            self._active.discard(key)
        self._done.add(key)
        return key

    def credit(self, found: list[Change | SchemaKey], operation: str) -> None:
        """Record that ``operation`` reaches these changes and comparisons."""
        for item in found:
            if isinstance(item, Change):
                item.operations.add(operation)
            else:
                self._roots.setdefault(item, set()).add(operation)

    def attribute(self) -> None:
        """Give every change found inside a schema the operations that reach it, through any path.

        Operation sets travel down the graph of comparisons as bit masks until nothing grows, which
        is exact for shared and recursive schemas alike and costs one pass per edge in practice.
        """
        labels = sorted({op for ops in self._roots.values() for op in ops})
        bit = {label: 1 << i for i, label in enumerate(labels)}
        mask: dict[SchemaKey, int] = {}
        work = deque()
        for key, ops in self._roots.items():
            m = 0
            for op in ops:
                m |= bit[op]
            mask[key] = mask.get(key, 0) | m
            work.append(key)
        while work:
            key = work.popleft()
            m = mask[key]
            for child in self._edges.get(key, ()):
                old = mask.get(child, 0)
                if old | m != old:
                    mask[child] = old | m
                    work.append(child)
        for key, changes in self._direct.items():
            m = mask.get(key, 0)
            if not m:
                continue
            ops = {label for label, b in bit.items() if m & b}
            for change in changes:
                change.operations |= ops

    # -- one level ----------------------------------------------------------------------------------------------

    def _emit(self, prefix: str, suffix: str, message: str, at: View, *, before: Any = MISSING,
              after: Any = MISSING, pointer: str | None = None, side: str = "head") -> None:
        change = self.rec.emit(
            f"{prefix}-{suffix}", message, pointer or at.ptr, side=side, head_pointer=at.ptr,
            direction=PREFIX_DIRECTION[prefix], before=before, after=after,
        )
        self._direct.setdefault(self._stack[-1], []).append(change)

    def _views(self, prefix: str, b: View, h: View) -> None:
        if b.opaque or h.opaque:
            if b.opaque != h.opaque:
                def side(v: View) -> str:
                    return f"`{v.opaque}` (a $ref that resolves nowhere)" if v.opaque else v.describe()
                self._emit(prefix, "TYPE-CHANGED", f"schema {side(b)} -> {side(h)}", h, before=b.opaque,
                           after=h.opaque)
            else:  # never silence: what the ref stands for may have changed, and nothing here can tell
                self._emit(prefix, "REF-UNRESOLVED", f"$ref `{h.opaque}` resolves on neither side (remote, dangling "
                           "or a missing file): what it stands for is not compared", h, after=h.opaque)
            return
        if b.types is None and h.types is None and b.nullable != h.nullable:  # null beside a union or a bare $ref
            self._emit(prefix, "TYPE-WIDENED" if h.nullable else "TYPE-NARROWED",
                       "null " + ("now allowed" if h.nullable else "no longer allowed"), h)
        if (b.variants is None) != (h.variants is None):
            self._variants(prefix, b, h)
            return
        self._types(prefix, b, h)
        self._enum(prefix, b, h)
        self._format(prefix, b, h)
        self._bounds(prefix, b, h)
        if b.default is not h.default and (b.default is MISSING or h.default is MISSING or b.default != h.default):
            self._emit(prefix, "DEFAULT-CHANGED",
                       f"default {_opt(b.default)} -> {_opt(h.default)}", h, before=b.default, after=h.default)
        if h.deprecated and not b.deprecated:
            self._emit(prefix, "DEPRECATED", "marked deprecated", h)
        self._properties(prefix, b, h)
        self._additional(prefix, b, h)
        if (b.items is not None or h.items is not None) and _admits(b, "array") and _admits(h, "array"):
            # `items` left out is `true`: one added accepts less
            self.compare(prefix, _or_true(b.items, b.ptr, "items"), _or_true(h.items, h.ptr, "items"))
        elif self._wire and b.types is not None and h.types is not None and ("array" in b.types) != (
                "array" in h.types):
            self._scalar_array(prefix, b, h)
        self._applicators(prefix, b, h)
        if self._wire == "xml" and (b.xml or h.xml) and _xml_shape(b.xml) != _xml_shape(h.xml):
            self._emit(prefix, "XML-CHANGED", f"XML {show(_xml_shape(b.xml))} -> {show(_xml_shape(h.xml))}", h,
                       before=b.xml, after=h.xml)
        if b.variants is not None:
            self._variants(prefix, b, h)

    def _scalar_array(self, prefix: str, b: View, h: View) -> None:
        """On the wire one value and an array of one travel alike: the scalar is compared with the items."""
        if "array" in h.types and h.items is not None:
            self.compare(prefix, [(self.base.tree.get(b.ptr), b.ptr)], h.items)
        elif "array" in b.types and b.items is not None:
            self.compare(prefix, b.items, [(self.head.tree.get(h.ptr), h.ptr)])

    def _types(self, prefix: str, b: View, h: View) -> None:
        if b.types == h.types:
            return
        if self._wire and b.enum is not None and h.enum is not None and _as_text(b.enum).keys() == _as_text(
                h.enum).keys():
            return  # the same values, spelled as numbers on one side and strings on the other
        if self._wire and b.types is not None and h.types is not None:
            kind = wire_verdict(b, h, self.base, self.head, self._wire)
            if kind is None:
                return
        elif b.types is None:
            kind = "TYPE-NARROWED"
        elif h.types is None:
            kind = "TYPE-WIDENED"
        else:
            eb, eh = _expand(b.types), _expand(h.types)
            if eb == eh:
                return
            kind = "TYPE-WIDENED" if eb <= eh else "TYPE-NARROWED" if eh <= eb else "TYPE-CHANGED"
        why = ""
        if self._wire == "xml" and kind != "TYPE-CHANGED":  # arguable: the same text may now parse differently
            why = (" (judged by the XML text, where every value is text: readers that map the element to the old "
                   "type may still fail)")
        self._emit(prefix, kind, f"type {types_text(b.types)} -> {types_text(h.types)}{why}", h,
                   before=sorted(b.types) if b.types is not None else None,
                   after=sorted(h.types) if h.types is not None else None)

    def _enum(self, prefix: str, b: View, h: View) -> None:
        if b.enum is None and h.enum is None:
            return
        if b.enum is None:
            self._emit(prefix, "ENUM-ADDED", f"now limited to {show(list(h.enum.values()))}", h,
                       after=list(h.enum.values()))
        elif h.enum is None:
            self._emit(prefix, "ENUM-REMOVED", f"no longer limited to {show(list(b.enum.values()))}", h,
                       before=list(b.enum.values()))
        else:
            # null is judged once, as a type: `nullable`, `type: [x, 'null']` and `enum: [..., null]` say the same
            nullish = {value_key(None)} if b.admits_null() or h.admits_null() else set()
            if self._wire:  # 1 and "1" are the same text on the wire
                b, h = b.replace(enum=_as_text(b.enum)), h.replace(enum=_as_text(h.enum))
            removed = [v for k, v in b.enum.items() if k not in h.enum and k not in nullish]
            added = [v for k, v in h.enum.items() if k not in b.enum and k not in nullish]
            if removed and added and len(removed) == len([k for k in b.enum if k not in nullish]):
                self._emit(prefix, "CONST-CHANGED", f"value {show(removed)} -> {show(added)}", h, before=removed,
                           after=added)
                return
            if removed:
                self._emit(prefix, "ENUM-VALUE-REMOVED", f"enum values removed: {show(removed)}", h,
                           before=removed)
            if added:
                self._emit(prefix, "ENUM-VALUE-ADDED", f"enum values added: {show(added)}", h, after=added)

    def _format(self, prefix: str, b: View, h: View) -> None:
        if b.format == h.format:
            return
        kind = ("FORMAT-ADDED" if b.format is None else "FORMAT-REMOVED" if h.format is None
                else _FORMAT_ORDER.get((b.format, h.format), "FORMAT-CHANGED"))
        self._emit(prefix, kind, f"format {_opt(b.format, 'none')} -> {_opt(h.format, 'none')}", h,
                   before=b.format, after=h.format)

    def _bounds(self, prefix: str, b: View, h: View) -> None:
        for key in ("minimum", "maximum", *LENGTH_LOWER, *LENGTH_UPPER):
            self._bound(prefix, h, key, b.bounds.get(key), h.bounds.get(key))
        if b.patterns != h.patterns:  # all patterns must match: more of them accept less
            verdict = True if b.patterns < h.patterns else False if h.patterns < b.patterns else None
            old, new = b.pattern, h.pattern
            if verdict is None:
                self._emit(prefix, "CONSTRAINT-CHANGED", f"pattern {_opt(old)} -> {_opt(new)}", h,
                           pointer=f"{h.ptr}/pattern", before=old, after=new)
            else:
                self._emit(prefix, "BOUND-TIGHTENED" if verdict else "BOUND-LOOSENED",
                           f"pattern {_opt(old)} -> {_opt(new)}", h,
                           pointer=f"{h.ptr}/pattern" if new is not None else None, before=old, after=new)
        self._constraint(prefix, b, h, "multipleOf", b.multiple_of, h.multiple_of, _multiple_tighter)
        if b.unique_items != h.unique_items:
            kind = "BOUND-TIGHTENED" if h.unique_items else "BOUND-LOOSENED"
            self._emit(prefix, kind, f"uniqueItems {b.unique_items} -> {h.unique_items}", h,
                       pointer=f"{h.ptr}/uniqueItems", before=b.unique_items, after=h.unique_items)

    def _bound(self, prefix: str, h: View, key: str, old: Any, new: Any) -> None:
        if old == new:
            return
        if key in ("minContains", "maxContains"):
            lower = key == "minContains"
            tightened = old is None or (new is not None and (new > old if lower else new < old))
        else:
            tightened = old is None or (new is not None and tighter(key, new, old))
        text = f"{key} {_bound_value(key, old)} -> {_bound_value(key, new)}"
        self._emit(prefix, "BOUND-TIGHTENED" if tightened else "BOUND-LOOSENED", text, h,
                   pointer=f"{h.ptr}/{key}" if new is not None else None, before=_plain(old), after=_plain(new))

    def _constraint(self, prefix: str, b: View, h: View, key: str, old: Any, new: Any,
                    is_tighter: Any) -> None:
        if old == new:
            return
        if old is None:
            kind = "BOUND-TIGHTENED"
        elif new is None:
            kind = "BOUND-LOOSENED"
        else:
            verdict = is_tighter(old, new) if is_tighter else None
            kind = {True: "BOUND-TIGHTENED", False: "BOUND-LOOSENED", None: "CONSTRAINT-CHANGED"}[verdict]
        self._emit(prefix, kind, f"{key} {_opt(old, 'none')} -> {_opt(new, 'none')}", h,
                   pointer=f"{h.ptr}/{key}" if new is not None else None, before=old, after=new)

    def _properties(self, prefix: str, b: View, h: View) -> None:
        if not (b.properties or h.properties or b.required or h.required):
            return
        names = list(dict.fromkeys([*b.properties, *h.properties, *sorted(b.required), *sorted(h.required)]))
        # OpenAPI 3.1 §4.8.24: readOnly properties are not sent in requests, writeOnly ones not in responses.
        hidden = "readOnly" if PREFIX_DIRECTION[prefix] == "request" else "writeOnly"
        hidden_b, hidden_h = _flagged(self.base, b, hidden), _flagged(self.head, h, hidden)
        for name in names:
            in_b = (name in b.properties or name in b.required) and name not in hidden_b
            in_h = (name in h.properties or name in h.required) and name not in hidden_h
            if not in_b and not in_h:
                continue
            req_b, req_h = name in b.required, name in h.required
            if in_b and not in_h:
                where = b.properties[name][0][1] if name in b.properties else b.ptr
                kind = "REQUIRED-PROPERTY-REMOVED" if req_b else "PROPERTY-REMOVED"
                self._emit(prefix, kind, f"property `{name}` removed", h, pointer=where, side="base")
                if h.additional is False and PREFIX_DIRECTION[prefix] == "request":  # HEAD refuses what it was
                    keyword = "UNEVALUATED-PROPERTIES" if h.unevaluated else "ADDITIONAL-PROPERTIES"
                    self._emit(prefix, f"{keyword}-RESTRICTED", f"property `{name}` removed where HEAD allows no "
                               "other property: senders that still send it are refused", h, pointer=where,
                               side="base")
            elif in_h and not in_b:
                where = h.properties[name][0][1] if name in h.properties else h.ptr
                kind = "REQUIRED-PROPERTY-ADDED" if req_h else "PROPERTY-ADDED"
                branch = h.ptr.rsplit("/", 1)[-1]
                when = {"then": " when the `if` holds", "else": " when the `if` fails"}.get(branch, "")
                self._emit(prefix, kind, f"property `{name}` added" + (" as required" if req_h else "") + when, h,
                           pointer=where)
                if b.additional is False and PREFIX_DIRECTION[prefix] == "response":  # BASE promised no other
                    keyword = "UNEVALUATED-PROPERTIES" if b.unevaluated else "ADDITIONAL-PROPERTIES"
                    self._emit(prefix, f"{keyword}-ALLOWED", f"property `{name}` added where BASE allowed no other "
                               "property: readers that refuse unknown properties refuse it", h, pointer=where)
            else:
                if req_b != req_h:
                    where = h.properties[name][0][1] if name in h.properties else h.ptr
                    kind = "PROPERTY-BECAME-REQUIRED" if req_h else "PROPERTY-BECAME-OPTIONAL"
                    self._emit(prefix, kind, f"property `{name}` " + ("now required" if req_h else
                                                                            "no longer required"), h, pointer=where)
                if name in b.properties and name in h.properties:
                    self.compare(prefix, b.properties[name], h.properties[name])

    def _additional(self, prefix: str, b: View, h: View) -> None:
        if (b.additional is False) != (h.additional is False):
            restricted = h.additional is False
            keyword = "UNEVALUATED-PROPERTIES" if (h if restricted else b).unevaluated else "ADDITIONAL-PROPERTIES"
            self._emit(prefix, f"{keyword}-RESTRICTED" if restricted else f"{keyword}-ALLOWED",
                       f"{keyword.split('-')[0].lower()} properties " + ("no longer allowed" if restricted else
                                                                          "now allowed"), h)
        elif isinstance(b.additional, list) and isinstance(h.additional, list):
            self.compare(prefix, b.additional, h.additional)
        elif (b.additional is True) != (h.additional is True) and _admits(b, "object") and _admits(h, "object"):
            restricted = b.additional is True  # anything went; now undeclared properties must match a schema
            keyword = "UNEVALUATED-PROPERTIES" if (h if restricted else b).unevaluated else "ADDITIONAL-PROPERTIES"
            self._emit(prefix, f"{keyword}-RESTRICTED" if restricted else f"{keyword}-ALLOWED",
                       f"{keyword.split('-')[0].lower()} properties " + ("now limited to a schema" if restricted else
                                                                          "no longer limited to a schema"), h)


#: Formats of which one accepts a subset of the other's values (OpenAPI 3.1 §4.2 data types).
_FORMAT_ORDER: dict[tuple[str, str], str] = {}
for _narrow, _wide in (("int32", "int64"), ("float", "double"), ("int32", "double"), ("int64", "double")):
    _FORMAT_ORDER[(_narrow, _wide)] = "FORMAT-WIDENED"
    _FORMAT_ORDER[(_wide, _narrow)] = "FORMAT-NARROWED"


def _xml_shape(xml: dict | None) -> dict:
    """The XML Object with its defaults (OpenAPI 3.1 §4.8.26): what changes the element's text."""
    xml = xml or {}
    return {"name": xml.get("name"), "namespace": xml.get("namespace"), "prefix": xml.get("prefix"),
            "attribute": xml.get("attribute") is True, "wrapped": xml.get("wrapped") is True}


def _admits(view: View, type_name: str) -> bool:
    return view.types is None or type_name in view.types


def _as_text(enum: dict[Any, Any]) -> dict[Any, Any]:
    return {value_key(v if isinstance(v, str) else show(v)): v for v in enum.values()}


def _or_true(nodes: Any, ptr: str, keyword: str) -> list[Node]:
    """The schema(s) of a keyword, or the ``true`` it means when it is left out (or ``true``)."""
    return nodes if isinstance(nodes, list) else [(True, join(ptr, keyword))]


def _flagged(builder: ViewBuilder, view: View, key: str) -> set[str]:
    """The properties whose schema (through its ``$ref``s) says ``key: true`` (readOnly / writeOnly)."""
    found = set()
    for name, nodes in view.properties.items():
        for node, ptr in nodes:
            if type(node) is not dict:
                continue
            if node.get(key) is True:
                found.add(name)
            elif "$ref" in node:
                target = builder.resolve(node, ptr)[0]
                if isinstance(target, dict) and target.get(key) is True:
                    found.add(name)
    return found


def _multiple_tighter(old: float, new: float) -> bool | None:
    if (new / old).is_integer():
        return True
    if (old / new).is_integer():
        return False
    return None


def _opt(value: Any, missing: str = "none") -> str:
    return missing if value is MISSING or value is None else show(value)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"value": value[0], "exclusive": value[1]}
    return value
