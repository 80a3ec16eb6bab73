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

from contractkit.diff.tree import Tree, split

#: Stands for every ref target that does not exist.
UNRESOLVED = "\0unresolved"
_REF = re.compile(r'"\$(?:dynamicR|r)ef":\s*"((?:[^"\\]|\\.)*)"')


def refs_in(node: Any) -> set[str]:
    if not isinstance(node, dict | list):
        return set()
    text = json.dumps(node, ensure_ascii=False, default=str)
    if '"$ref"' not in text and '"$dynamicRef"' not in text:
        return set()
    return {json.loads(f'"{m}"') if "\\" in m else m for m in _REF.findall(text)}


class Unchanged:
    def __init__(self, base: Tree, head: Tree) -> None:
        self.base, self.head = base, head
        self.unresolved: dict[int, set[str]] = {}  # id(tree) -> ref texts found landing nowhere
        self._dirty: set[str] | None = None
        self._verdicts: dict[tuple[int, str], bool] = {}  # (id(base node), its file) -> same; nodes outlive the diff

    def _targets(self, tree: Tree, node: Any, pointer: str, refs: set[str] | None = None) -> set[str]:
        """Where the refs inside ``node`` (found at ``pointer``) land, as pointers of ``tree``; ``UNRESOLVED``
        among them when one lands nowhere (so the differ walks there and reports it)."""
        found = set()
        for ref in refs_in(node) if refs is None else refs:
            target = tree.target(ref, pointer)
            if target is not None and tree.get(target) is not None:
                found.add(target)
            else:
                found.add(UNRESOLVED)
                self.unresolved.setdefault(id(tree), set()).add(ref)
        return found

    def maybe_unresolved(self, tree: Tree) -> bool:
        """Whether some ref of ``tree`` may land nowhere (every ref text is tried once; refs under an `$id`
        depend on their place, so a file with one always may)."""
        if self._dirty is None:
            self._dirty = self._compute()
        return bool(self.unresolved.get(id(tree))) or tree.has_ids("")


    def _compute(self) -> set[str]:
        todo = list(self._targets(self.base, self.base.data, "") | self._targets(self.head, self.head.data, ""))
        seen = set(todo)
        inside: dict[str, set[str]] = {}
        dirty: set[str] = set()
        while todo:
            target = todo.pop()
            if target == UNRESOLVED:  # whatever refers to nothing is compared, and the ref reported
                dirty.add(target)
                inside[target] = set()
                continue
            b, h = self.base.get(target), self.head.get(target)
            if b != h:
                dirty.add(target)
            if target in dirty:
                found = self._targets(self.base, b, target) | self._targets(self.head, h, target)
            else:  # equal data: one serialization serves both sides
                refs = refs_in(b)
                found = self._targets(self.base, b, target, refs) | self._targets(self.head, h, target, refs)
            inside[target] = found
            for t in found - seen:
                seen.add(t)
                todo.append(t)
        referrers: dict[str, list[str]] = {}
        for target, found in inside.items():
            for t in found:
                referrers.setdefault(t, []).append(target)
        spread = list(dirty)
        while spread:
            target = spread.pop()
            for parent in referrers.get(target, ()):
                if parent not in dirty:
                    dirty.add(parent)
                    spread.append(parent)
        return dirty

    def same(self, b: Any, h: Any, b_ptr: str = "", h_ptr: str = "") -> bool:
        """Whether two raw nodes certainly mean the same: equal data, and every ref inside unchanged."""
        if b is not h and b != h:
            return False
        if not isinstance(b, dict | list):
            return True
        file = split(b_ptr)[0]
        if file != split(h_ptr)[0] or self.base.has_ids(file) or self.head.has_ids(file):
            # the same ref text may land elsewhere from another file, or under another `$id` inside the node
            return not refs_in(b)
        key = (id(b), file)
        verdict = self._verdicts.get(key)
        if verdict is None:
            if self._dirty is None:
                self._dirty = self._compute()
            refs = refs_in(b)  # b == h here: one serialization serves both sides
            targets = self._targets(self.base, b, b_ptr, refs) | self._targets(self.head, h, h_ptr, refs)
            verdict = self._verdicts[key] = not (targets & self._dirty) and UNRESOLVED not in targets
        return verdict
