"""Unions (``oneOf`` / ``anyOf``) compared by meaning: alternatives matched by identity (a ``SchemaDiffer`` mixin).

Alternatives are paired by what they are (the same component, the same shape, title or types, or
the last one left), never by position, so reordering reports nothing. An unpaired alternative of
HEAD is a new one; in a response, a new alternative that lacks a property every alternative of
BASE had makes that property optional, which breaks clients that read it.
"""

from __future__ import annotations

from typing import Any

from contractkit.diff.schema_view import View


class UnionDiffer:
    """Mixed into ``SchemaDiffer``: uses its ``compare``, ``_views``, ``_emit`` and view builders."""

    compare: Any
    _views: Any
    _emit: Any
    base: Any
    head: Any

    def _variants(self, prefix: str, b: View, h: View) -> None:
        b_alts, b_views = self._alternatives(b, self.base)
        h_alts, h_views = self._alternatives(h, self.head)
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
        if len(paired_h) < len(h_views):
            self._required_lost(prefix, b, h, b_views, h_views, pairs)

    @staticmethod
    def _alternatives(view: View, builder: Any) -> tuple[list[Any], list[View]]:
        """A union's alternatives; a plain schema is one alternative, or one per type when it has several
        (``type: [string, integer]`` is ``anyOf: [{type: string}, {type: integer}]``)."""
        if view.variants is not None:
            return view.variants, [_nullable(builder.view([a]), view) for a in view.variants]
        kinds = sorted(view.types - {"null"}) if view.types else []
        if len(kinds) < 2:
            return [(None, "")], [_strip(view)]
        null = {"null"} & view.types
        return [(None, "")] * len(kinds), [_strip(view).replace(types=frozenset({t}) | null) for t in kinds]

    def _required_lost(self, prefix: str, b: View, h: View, b_views: list[View], h_views: list[View],
                       pairs: list[tuple[int, int]]) -> None:
        """A new alternative without a property every old one had: clients may now miss it."""
        always_b = b.required | set.intersection(*(set(v.required) for v in b_views))
        always_h = h.required | set.intersection(*(set(v.required) for v in h_views))
        lost = [name for name in sorted(always_b - always_h)
                if all(name in h_views[j].required or name in h.required for _, j in pairs)]
        if lost:
            names = ", ".join(f"`{n}`" for n in lost)
            self._emit(prefix, "PROPERTY-BECAME-OPTIONAL", f"{'property' if len(lost) == 1 else 'properties'} "
                       f"{names} missing from a new alternative: no longer always present", h, after=lost)


def _nullable(alt: View, union: View) -> View:
    """An alternative of a union marked ``nullable: true`` (OpenAPI 3.0) also admits null."""
    if union.nullable and alt.types is not None and "null" not in alt.types:
        return alt.replace(types=alt.types | {"null"})
    return alt


def _strip(view: View) -> View:
    """The view without its union: what a non-union schema is compared as against one alternative."""
    return view.replace(variants=None)


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
