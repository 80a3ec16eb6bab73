"""The parsed data of one side, addressed by JSON pointer, with local ``$ref`` following.

The differ walks BASE and HEAD side by side and must always know where it stands in each, so
that a change is reported at the component where it happened (``/components/schemas/Customer``)
rather than once per operation that reaches it. ``Tree`` gives that: nodes by pointer, and
``$ref`` chains followed to the node *and* its pointer.
"""

from __future__ import annotations

from typing import Any

from contractkit.diff.model import Change

MAX_REF_CHAIN = 64


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def join(pointer: str, *tokens: str | int) -> str:
    return pointer + "".join("/" + escape(str(t)) for t in tokens)


def parts(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


class Tree:
    """One side's data. ``get`` and ``deref`` are cached: a spec is walked many times over."""

    def __init__(self, data: Any) -> None:
        self.data = data
        self._cache: dict[str, Any] = {"": data}

    def get(self, pointer: str) -> Any:
        try:
            return self._cache[pointer]
        except KeyError:
            pass
        node = self.data
        for part in parts(pointer):
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                node = None
            if node is None:
                break
        self._cache[pointer] = node
        return node

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow a chain of local ``$ref``s. A remote or dangling ref is left as it is (compared as text)."""
        for _ in range(MAX_REF_CHAIN):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node, pointer
            ref: str = node["$ref"]
            if not ref.startswith("#"):
                return node, pointer
            target = self.get(ref[1:])
            if target is None:
                return node, pointer
            node, pointer = target, ref[1:]
        return node, pointer


class Recorder:
    """Collects changes, one per (kind, place): a change reached from many operations is recorded once."""

    def __init__(self) -> None:
        self.changes: dict[tuple[str, str], Change] = {}

    def emit(self, change_id: str, message: str, pointer: str, **kw: Any) -> Change:
        key = (change_id, pointer)
        found = self.changes.get(key)
        if found is None:
            found = self.changes[key] = Change(change_id, message, pointer, **kw)
        return found

    def all(self) -> list[Change]:
        return sorted(self.changes.values(), key=Change.sort_key)
