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
    if "~" in token or "/" in token:
        return token.replace("~", "~0").replace("/", "~1")
    return token


def join(pointer: str, *tokens: str | int) -> str:
    if len(tokens) == 1:  # the common cases, kept cheap: the differ builds hundreds of thousands of pointers
        return f"{pointer}/{escape(str(tokens[0]))}"
    if len(tokens) == 2:
        return f"{pointer}/{escape(str(tokens[0]))}/{escape(str(tokens[1]))}"
    return pointer + "".join("/" + escape(str(t)) for t in tokens)


def parts(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def split(pointer: str) -> tuple[str, str]:
    """(file, JSON pointer): the root spec's pointers are ``""`` or start with ``/``; others are ``file#/...``."""
    if not pointer or pointer.startswith("/"):
        return "", pointer
    file, _, inner = pointer.partition("#")
    return file, inner


class Tree:
    """One side's data. ``get`` and ``deref`` are cached: a spec is walked many times over.

    With ``files`` (a ``contractkit.diff.files.Files``), refs into other files are followed too,
    and nodes there are addressed ``schemas/pet.yaml#/Pet``; without, they are left as they are.
    """

    def __init__(self, data: Any, files: Any = None) -> None:
        self.data = data
        self.files = files
        self._cache: dict[str, Any] = {"": data}
        self._anchors: dict[str, dict[str, str]] = {}  # file -> {anchor name: pointer}

    def get(self, pointer: str) -> Any:
        try:
            return self._cache[pointer]
        except KeyError:
            pass
        file, inner = split(pointer)
        node = self.files.data(file) if file and self.files is not None else (None if file else self.data)
        for part in parts(inner):
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

    def target(self, ref: str, pointer: str) -> str | None:
        """The pointer a ``$ref`` found at ``pointer`` lands on, or None when it is not followed."""
        file, _ = split(pointer)
        if ref.startswith("#"):
            if len(ref) > 1 and ref[1] != "/":  # a plain-name fragment: `$anchor` / `$dynamicAnchor` (2020-12 §8.2.2)
                found = self.anchors(file).get(ref[1:])
                return None if found is None else (f"{file}#{found}" if file else found)
            return f"{file}{ref}" if file else ref[1:]
        if self.files is None:
            return None
        from contractkit.diff.files import normalize

        ref_file, _, inner = ref.partition("#")
        if "://" in ref_file:
            return None  # remote: never fetched, compared as text
        rel = normalize(file or self.files.root_name, ref_file)
        if rel is None:
            from contractkit.errors import RefError

            raise RefError(f"$ref {ref!r} leaves the spec's folder", location=self.files.label)
        if rel == self.files.root_name:
            return inner
        return f"{rel}#{inner}"

    def anchors(self, file: str) -> dict[str, str]:
        """Where each ``$anchor`` / ``$dynamicAnchor`` of a file is, found once by an iterative walk."""
        found = self._anchors.get(file)
        if found is None:
            found = self._anchors[file] = {}
            root = self.get(f"{file}#" if file else "")
            stack: list[tuple[Any, str]] = [(root, "")]
            while stack:
                node, ptr = stack.pop()
                if isinstance(node, dict):
                    for key in ("$anchor", "$dynamicAnchor"):
                        if isinstance(node.get(key), str):
                            found.setdefault(node[key], ptr)
                    stack.extend((v, join(ptr, k)) for k, v in node.items() if isinstance(v, dict | list))
                elif isinstance(node, list):
                    stack.extend((v, join(ptr, i)) for i, v in enumerate(node) if isinstance(v, dict | list))
        return found

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow a chain of ``$ref``s (and ``$dynamicRef``s, read as plain refs). A remote or dangling ref
        is left as it is (compared as text)."""
        for _ in range(MAX_REF_CHAIN):
            if not isinstance(node, dict):
                return node, pointer
            ref = node.get("$ref")
            if not isinstance(ref, str):
                ref = node.get("$dynamicRef")
                if not isinstance(ref, str):
                    return node, pointer
            target_ptr = self.target(ref, pointer)
            if target_ptr is None:
                return node, pointer
            target = self.get(target_ptr)
            if target is None:
                return node, pointer
            node, pointer = target, target_ptr
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
