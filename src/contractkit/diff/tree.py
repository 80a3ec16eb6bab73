"""The parsed data of one side, addressed by JSON pointer, with local ``$ref`` following.

The differ walks BASE and HEAD side by side and must always know where it stands in each, so
that a change is reported at the component where it happened (``/components/schemas/Customer``)
rather than once per operation that reaches it. ``Tree`` gives that: nodes by pointer, and
``$ref`` chains followed to the node *and* its pointer, resolved as JSON Schema 2020-12 does
(``contractkit.loading.refs.IdIndex``: the enclosing ``$id``'s base URI, anchors by name). A ref
that lands nowhere is left as it is, for the differ to report.
"""

from __future__ import annotations

import re
from typing import Any

from contractkit.diff.model import Change
from contractkit.loading.refs import FILE_BASE, IdIndex

MAX_REF_CHAIN = 64
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # a URI scheme (RFC 3986 §3.1); Windows drive letters are not refs


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

    def __init__(self, data: Any, files: Any = None, text: str | None = None) -> None:
        self.data = data
        self.files = files
        self._cache: dict[str, Any] = {"": data}
        self._indexes: dict[str, IdIndex] = {}  # file -> its `$id` / anchor index
        self._no_ids: set[str] = set()  # files known to have no `$id`: refs resolve against the file
        if text is not None and "$id" not in text:  # the text says so: no walk needed to know
            self._no_ids.add("")

    def get(self, pointer: str) -> Any:
        try:
            return self._cache[pointer]
        except KeyError:
            pass
        file, inner = split(pointer)
        if file and self.files is not None:  # a file that is not there has no nodes (its refs are reported)
            node = None if self.files.missing(file) else self.files.data(file)
        else:
            node = None if file else self.data
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
        file, inner = split(pointer)
        plain_name = ref.startswith("#") and ref[1:2] not in ("", "/")
        index = self.index(file) if plain_name or self.has_ids(file) else None
        if index is not None:  # 2020-12: against the enclosing `$id`'s base URI, anchors by name
            uri, fragment = index.absolute(ref, inner)
            found = index.find(uri, fragment)
            if found is not None:
                return f"{file}#{found}" if file else found
            if uri.startswith(FILE_BASE):
                ref, file = uri[len(FILE_BASE):] + (f"#{fragment}" if fragment else ""), ""  # from the spec's folder
            elif ref[:1] == "#" or _SCHEME.match(ref):
                return None  # a URI no `$id` of this file declares: remote, never fetched
            else:  # a relative path under a remote `$id`: the file next to the one that holds it, as bundlers read it
                index = None
        elif ref.startswith("#"):
            return f"{file}{ref}" if file else ref[1:]
        if self.files is None:
            return None
        from contractkit.diff.files import normalize

        ref_file, _, inner_ref = ref.partition("#")
        if _SCHEME.match(ref_file) or ref_file.startswith("//"):
            return None  # remote (`https:`, `urn:`, `//host`): never fetched, reported as unresolved
        rel = normalize(file or self.files.root_name, ref_file) if index is None else normalize("", ref_file)
        if rel is None:
            from contractkit.errors import RefError

            raise RefError(f"$ref {ref!r} leaves the spec's folder", location=self.files.label)
        if rel != self.files.root_name and self.files.missing(rel):
            return None  # a file that is not there: the ref is reported as unresolved
        if inner_ref[:1] not in ("", "/"):  # an anchor of the other file
            found = self.index(rel if rel != self.files.root_name else "").find(FILE_BASE + rel, inner_ref)
            if found is None:
                return None
            inner_ref = found
        if rel == self.files.root_name:
            return inner_ref
        return f"{rel}#{inner_ref}"

    def has_ids(self, file: str) -> bool:
        """Whether a file declares any ``$id`` (then where a ref is written decides where it lands)."""
        if file in self._no_ids:
            return False
        if len(self.index(file).resources) > 1:
            return True
        self._no_ids.add(file)
        return False

    def index(self, file: str) -> IdIndex:
        """The ``$id`` / anchor index of a file, built once by one walk."""
        found = self._indexes.get(file)
        if found is None:
            name = file or (self.files.root_name if self.files is not None else "spec")
            found = self._indexes[file] = IdIndex.build(self.get(f"{file}#" if file else ""), FILE_BASE + name)
        return found

    def dynamic_targets(self, node: dict, pointer: str) -> list[tuple[Any, str]] | None:
        """Every schema a ``$dynamicRef`` may land on, when more than one resource declares its anchor.

        2020-12 §8.2.3.2: when the ref's first target declares the ``$dynamicAnchor`` it names, the
        outermost resource of the *dynamic scope* declaring it wins, and that depends on where
        evaluation entered. The differ compares the candidates as alternatives, so a change in any is seen.
        """
        ref = node.get("$dynamicRef")
        name = ref.partition("#")[2] if isinstance(ref, str) else ""
        if not name or name.startswith("/"):
            return None
        first = self.target(ref, pointer)
        target = None if first is None else self.get(first)
        if not isinstance(target, dict) or target.get("$dynamicAnchor") != name:
            return None
        file = split(first)[0]
        found = self.index(file).dynamic.get(name, [])
        if len(found) < 2:
            return None
        return [(self.get(f"{file}#{p}" if file else p), f"{file}#{p}" if file else p) for p in found]

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
