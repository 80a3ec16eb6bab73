"""Compare two JSON Schemas by meaning, in one direction (request or response).

Each pair of places is compared once: results are memoized by the pair of JSON pointers, so a
component reached from hundreds of operations costs one comparison, and a recursive schema
(a tree node whose children are tree nodes) stops where it meets itself instead of looping.
The changes a comparison returns are shared objects; callers add the operations that reach them.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import replace
from typing import Any

from contractkit.diff.model import MISSING, Change, Direction
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
from contractkit.diff.tree import Recorder, Tree
from contractkit.diff.unchanged import Unchanged

#: id prefix -> direction
SchemaKey = tuple[str, str, str, tuple[str, ...], tuple[str, ...]]
PREFIX_DIRECTION: dict[str, Direction] = {
    "OAS-REQ": "request", "OAS-RES": "response", "MCP-PARAM": "request", "MCP-RETURN": "response",
}


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


class SchemaDiffer:
    """Compares schemas of BASE and HEAD; one instance per diff, shared by every operation."""

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

    def compare(self, prefix: str, b: list[Node], h: list[Node]) -> SchemaKey:
        """Compare schema(s) ``b`` in BASE with ``h`` in HEAD, judged as ``prefix`` (e.g. ``OAS-REQ``).

        Returns the comparison's key; ``credit`` it to an operation so that every change found
        below it (now or through a memoized comparison) lists that operation.
        """
        if len(b) == 1 and len(h) == 1 and self.unchanged.same(b[0][0], h[0][0], b[0][1], h[0][1]):
            return ("", "", "", (), ())  # nothing below can differ: no views, no walk
        bv = self.base.view(b)
        hv = self.head.view(h)
        key: SchemaKey = (prefix, bv.ptr, hv.ptr, tuple(p for _, p in b), tuple(p for _, p in h))
        if self._stack:
            self._edges.setdefault(self._stack[-1], set()).add(key)
        if key in self._done or key in self._active:
            return key  # compared already, or a recursive schema met itself
        self._active.add(key)
        self._stack.append(key)
        try:
            self._views(prefix, bv, hv)
        finally:
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
                self._emit(prefix, "TYPE-CHANGED", f"schema {b.opaque or b.describe()} -> "
                           f"{h.opaque or h.describe()}", h, before=b.opaque, after=h.opaque)
            return
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
        if b.items is not None and h.items is not None:
            self.compare(prefix, b.items, h.items)
        if b.variants is not None:
            if b.nullable != h.nullable and b.types is None and h.types is None:
                self._emit(prefix, "TYPE-WIDENED" if h.nullable else "TYPE-NARROWED",
                           "null " + ("now allowed" if h.nullable else "no longer allowed"), h)
            self._variants(prefix, b, h)

    def _types(self, prefix: str, b: View, h: View) -> None:
        if b.types == h.types:
            return
        if b.types is None:
            kind = "TYPE-NARROWED"
        elif h.types is None:
            kind = "TYPE-WIDENED"
        else:
            eb, eh = _expand(b.types), _expand(h.types)
            if eb == eh:
                return
            kind = "TYPE-WIDENED" if eb <= eh else "TYPE-NARROWED" if eh <= eb else "TYPE-CHANGED"
        self._emit(prefix, kind, f"type {types_text(b.types)} -> {types_text(h.types)}", h,
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
            nullish = {value_key(None)} if _admits_null(b) or _admits_null(h) else set()
            removed = [v for k, v in b.enum.items() if k not in h.enum and k not in nullish]
            added = [v for k, v in h.enum.items() if k not in b.enum and k not in nullish]
            if removed:
                self._emit(prefix, "ENUM-VALUE-REMOVED", f"enum values removed: {show(removed)}", h,
                           before=removed)
            if added:
                self._emit(prefix, "ENUM-VALUE-ADDED", f"enum values added: {show(added)}", h, after=added)

    def _format(self, prefix: str, b: View, h: View) -> None:
        if b.format == h.format:
            return
        kind = "FORMAT-ADDED" if b.format is None else "FORMAT-REMOVED" if h.format is None else "FORMAT-CHANGED"
        self._emit(prefix, kind, f"format {_opt(b.format, 'none')} -> {_opt(h.format, 'none')}", h,
                   before=b.format, after=h.format)

    def _bounds(self, prefix: str, b: View, h: View) -> None:
        for key in ("minimum", "maximum", *LENGTH_LOWER, *LENGTH_UPPER):
            old, new = b.bounds.get(key), h.bounds.get(key)
            if old == new:
                continue
            tightened = old is None or (new is not None and tighter(key, new, old))
            text = f"{key} {_bound_value(key, old)} -> {_bound_value(key, new)}"
            self._emit(prefix, "BOUND-TIGHTENED" if tightened else "BOUND-LOOSENED", text, h,
                       pointer=f"{h.ptr}/{key}" if new is not None else None,
                       before=_plain(old), after=_plain(new))
        self._constraint(prefix, b, h, "pattern", b.pattern, h.pattern, None)
        self._constraint(prefix, b, h, "multipleOf", b.multiple_of, h.multiple_of, _multiple_tighter)
        if b.unique_items != h.unique_items:
            kind = "BOUND-TIGHTENED" if h.unique_items else "BOUND-LOOSENED"
            self._emit(prefix, kind, f"uniqueItems {b.unique_items} -> {h.unique_items}", h,
                       pointer=f"{h.ptr}/uniqueItems", before=b.unique_items, after=h.unique_items)

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
        for name in names:
            in_b = name in b.properties or name in b.required
            in_h = name in h.properties or name in h.required
            req_b, req_h = name in b.required, name in h.required
            if in_b and not in_h:
                where = b.properties[name][0][1] if name in b.properties else b.ptr
                kind = "REQUIRED-PROPERTY-REMOVED" if req_b else "PROPERTY-REMOVED"
                self._emit(prefix, kind, f"property `{name}` removed", h, pointer=where, side="base")
            elif in_h and not in_b:
                where = h.properties[name][0][1] if name in h.properties else h.ptr
                kind = "REQUIRED-PROPERTY-ADDED" if req_h else "PROPERTY-ADDED"
                self._emit(prefix, kind, f"property `{name}` added" + (" as required" if req_h else ""), h,
                           pointer=where)
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
            self._emit(prefix, "ADDITIONAL-PROPERTIES-RESTRICTED" if restricted else
                       "ADDITIONAL-PROPERTIES-ALLOWED",
                       "additional properties " + ("no longer allowed" if restricted else "now allowed"), h)
        elif isinstance(b.additional, list) and isinstance(h.additional, list):
            self.compare(prefix, b.additional, h.additional)

    # -- unions -------------------------------------------------------------------------------------------------

    def _variants(self, prefix: str, b: View, h: View) -> None:
        b_alts = b.variants if b.variants is not None else [(None, "")]
        h_alts = h.variants if h.variants is not None else [(None, "")]
        b_views = [_nullable(self.base.view([a]), b) if a[1] else _strip(b) for a in b_alts]
        h_views = [_nullable(self.head.view([a]), h) if a[1] else _strip(h) for a in h_alts]
        pairs = match_variants(b_views, h_views)
        paired_b = {i for i, _ in pairs}
        paired_h = {j for _, j in pairs}
        for i, j in pairs:
            if b_alts[i][1] and h_alts[j][1]:
                self.compare(prefix, [b_alts[i]], [h_alts[j]])
            else:
                self._views(prefix, _strip(b_views[i]), _strip(h_views[j]))
        for i, view in enumerate(b_views):
            if i not in paired_b:
                self._emit(prefix, "VARIANT-REMOVED", f"alternative {view.describe()} removed", h,
                           pointer=b_alts[i][1] or b.ptr, side="base")
        for j, view in enumerate(h_views):
            if j not in paired_h:
                self._emit(prefix, "VARIANT-ADDED", f"alternative {view.describe()} added", h,
                           pointer=h_alts[j][1] or h.ptr)


def _admits_null(view: View) -> bool:
    return view.nullable or (view.types is not None and "null" in view.types)


def _nullable(alt: View, union: View) -> View:
    """An alternative of a union marked ``nullable: true`` (OpenAPI 3.0) also admits null."""
    if union.nullable and alt.types is not None and "null" not in alt.types:
        return replace(alt, types=alt.types | {"null"})
    return alt


def _strip(view: View) -> View:
    """The view without its union: what a non-union schema is compared as against one alternative."""
    return replace(view, variants=None)


def _shape(v: View) -> tuple:
    return (v.types, frozenset(v.enum) if v.enum is not None else None, frozenset(v.properties), v.format,
            frozenset(v.required))


def match_variants(bs: list[View], hs: list[View]) -> list[tuple[int, int]]:
    """Pair alternatives by identity: same component, same shape, same title, same types, or last one left."""
    pairs: list[tuple[int, int]] = []
    free_b = list(range(len(bs)))
    free_h = list(range(len(hs)))
    keys = (
        lambda v: v.ptr if v.was_ref else None,
        _shape,
        lambda v: v.title,
        lambda v: (v.types, v.enum is not None and frozenset(v.enum)),
        lambda v: v.types,
        lambda v: v.types - {"null"} if v.types else None,
    )
    for key in keys:
        hk: dict[Any, list[int]] = {}
        for j in free_h:
            k = key(hs[j])
            if k is not None:
                hk.setdefault(k, []).append(j)
        bk: dict[Any, list[int]] = {}
        for i in free_b:
            k = key(bs[i])
            if k is not None:
                bk.setdefault(k, []).append(i)
        for k, b_list in bk.items():
            h_list = hk.get(k)
            if h_list and ((len(b_list) == 1 and len(h_list) == 1) or key is keys[0] or key is keys[1]):
                for i, j in zip(b_list, h_list, strict=False):
                    pairs.append((i, j))
                    free_b.remove(i)
                    free_h.remove(j)
    if len(free_b) == 1 and len(free_h) == 1:
        pairs.append((free_b[0], free_h[0]))
    return pairs


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
