"""Which parts of a spec did not change at all, found at C speed, so the differ can skip them.

Most of a large spec is the same in BASE and HEAD. A subtree whose raw data is equal on both
sides (Python's ``==`` runs in C) means the same thing *if* every ``$ref`` inside it lands on a
target that is itself unchanged, transitively. ``Unchanged`` finds the changed targets once:
each ref target is dumped to JSON (C again) to list the refs inside it, targets whose data
differs are marked, and the mark spreads to every target that refers to a marked one.
"""

from __future__ import annotations

import json
import re
from typing import Any

from contractkit.diff.tree import Tree

_REF = re.compile(r'"\$ref":\s*"((?:[^"\\]|\\.)*)"')


def refs_in(node: Any) -> set[str]:
    if not isinstance(node, dict | list):
        return set()
    text = json.dumps(node, ensure_ascii=False, default=str)
    if '"$ref"' not in text:
        return set()
    return {json.loads(f'"{m}"') for m in _REF.findall(text)}


class Unchanged:
    def __init__(self, base: Tree, head: Tree) -> None:
        self.base, self.head = base, head
        self._dirty: set[str] | None = None
        self._verdicts: dict[int, bool] = {}  # id(base node) -> same; nodes outlive the diff

    def _compute(self) -> set[str]:
        targets = refs_in(self.base.data) | refs_in(self.head.data)
        inside: dict[str, set[str]] = {}
        dirty: set[str] = set()
        todo = list(targets)
        seen = set(todo)
        while todo:
            ref = todo.pop()
            if not ref.startswith("#"):
                continue
            b, h = self.base.get(ref[1:]), self.head.get(ref[1:])
            if b != h:
                dirty.add(ref)
            found = refs_in(b) | refs_in(h)
            inside[ref] = found
            for r in found - seen:
                seen.add(r)
                todo.append(r)
        referrers: dict[str, list[str]] = {}
        for ref, found in inside.items():
            for r in found:
                referrers.setdefault(r, []).append(ref)
        spread = list(dirty)
        while spread:
            ref = spread.pop()
            for parent in referrers.get(ref, ()):
                if parent not in dirty:
                    dirty.add(parent)
                    spread.append(parent)
        return dirty

    def same(self, b: Any, h: Any) -> bool:
        """Whether two raw nodes certainly mean the same: equal data, and every ref inside unchanged."""
        if b is not h and b != h:
            return False
        if not isinstance(b, dict | list):
            return True
        verdict = self._verdicts.get(id(b))
        if verdict is None:
            if self._dirty is None:
                self._dirty = self._compute()
            verdict = self._verdicts[id(b)] = not (refs_in(b) & self._dirty)
        return verdict
