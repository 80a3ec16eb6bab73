"""``$ref`` resolution with the safety a linter of other people's specs needs.

Local refs (``#/components/schemas/X``) and relative-file refs (``common.yaml#/X``) are followed,
as JSON Schema 2020-12 resolves them (§8.2): against the base URI the nearest enclosing ``$id``
sets (nested ``$id``s resolve against their parent's), to ``$anchor`` / ``$dynamicAnchor``
plain-name fragments of that resource, and ``$dynamicRef`` first as the ``$ref`` it starts as.
Everything else is refused with a RefError that says why, without ever touching the network:
remote refs (``https://...``, ``//host/...``), refs that leave the root spec's folder (``../x``,
absolute paths, symlinks out), refs whose target does not exist, and chains of refs that loop
(``A -> B -> A``). Referenced files go through the same safe loader as the spec itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from contractkit.errors import InputError, RefError
from contractkit.loading.document import Document, load_document
from contractkit.loading.locate import pointer_join, pointer_parts

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
#: A chain of refs longer than this is treated as a loop.
MAX_CHAIN = 64


@dataclass(frozen=True)
class Target:
    """Where a ``$ref`` lands: the document, the pointer inside it, and the node there."""

    document: Document
    pointer: str
    value: Any


def iter_refs(data: Any, start: str = "") -> Iterator[tuple[str, str]]:
    """(pointer of the object holding ``$ref``, the ref string) for every ``$ref``, iteratively.

    Pointers are those of the holding object, so ``document.locate(pointer)`` places a finding on
    the line of the key whose value is the ref.
    """
    stack: list[tuple[Any, str]] = [(data, start)]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                yield pointer, ref
            for key, value in node.items():
                if isinstance(value, dict | list):
                    stack.append((value, pointer_join(pointer, key)))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, dict | list):
                    stack.append((value, pointer_join(pointer, i)))


#: The base URI of a spec file that has no ``$id``: relative refs resolve to paths under it, so a URI that
#: starts with it names a file of the spec's folder.
FILE_BASE = "file:///__spec__/"


def _absolute(base: str, ref: str) -> str:
    """``ref`` resolved against ``base`` (RFC 3986 §5), also for bases ``urljoin`` does not know (``urn:``)."""
    if ref.startswith("#"):
        return base.partition("#")[0] + ref
    if _SCHEME.match(ref):
        return ref
    try:
        return urljoin(base, ref)
    except ValueError:  # not a URI (`http://[::1`): it names nothing, and resolves to nothing
        return ref


@dataclass
class IdIndex:
    """Where a document's schema resources (``$id``) and anchors are: what 2020-12 refs resolve against.

    ``uri`` is the document's own base URI (``FILE_BASE`` + its path in the spec's folder).
    """

    uri: str
    bases: dict[str, str]  # pointer of a node with `$id` -> its absolute URI
    resources: dict[str, str]  # absolute URI of a resource -> its pointer
    anchors: dict[tuple[str, str], str]  # (resource URI, anchor name) -> pointer
    dynamic: dict[str, list[str]]  # `$dynamicAnchor` name -> pointers of every resource declaring it

    @classmethod
    def build(cls, data: Any, uri: str) -> IdIndex:
        """One iterative walk of the document."""
        index = cls(uri, {}, {uri: ""}, {}, {})
        stack: list[tuple[Any, str, str]] = [(data, "", uri)]
        while stack:
            node, pointer, base = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("$id"), str) and node["$id"].strip("#"):
                    base = _absolute(base, node["$id"]).partition("#")[0]
                    index.bases[pointer] = base
                    index.resources.setdefault(base, pointer)
                for key in ("$anchor", "$dynamicAnchor"):
                    if isinstance(node.get(key), str):
                        index.anchors.setdefault((base, node[key]), pointer)
                if isinstance(node.get("$dynamicAnchor"), str):
                    index.dynamic.setdefault(node["$dynamicAnchor"], []).append(pointer)
                stack.extend((v, pointer_join(pointer, k), base) for k, v in node.items() if isinstance(v, dict | list))
            elif isinstance(node, list):
                stack.extend((v, pointer_join(pointer, i), base) for i, v in enumerate(node)
                             if isinstance(v, dict | list))
        return index

    def base_at(self, pointer: str) -> str:
        """The base URI in force at ``pointer``: that of the nearest enclosing ``$id`` (the node's own included)."""
        while True:
            found = self.bases.get(pointer)
            if found is not None:
                return found
            if not pointer:
                return self.uri
            pointer = pointer.rpartition("/")[0]

    def absolute(self, ref: str, pointer: str) -> tuple[str, str]:
        """(absolute URI without fragment, decoded fragment) of ``ref`` written in the node at ``pointer``."""
        uri, _, fragment = _absolute(self.base_at(pointer), ref).partition("#")
        return uri, unquote(fragment)

    def find(self, uri: str, fragment: str) -> str | None:
        """The pointer of ``uri#fragment`` in this document, or None when it is not here."""
        start = self.resources.get(uri)
        if start is None:
            return None
        if not fragment or fragment.startswith("/"):
            return start + fragment
        return self.anchors.get((uri, fragment))


class RefResolver:
    """Resolves refs of ``root`` and of the files it pulls in, confined to ``allowed_dir``.

    ``allowed_dir`` defaults to the root document's folder; a document loaded from text with no
    ``base_dir`` may only use local refs.
    """

    def __init__(self, root: Document, *, allowed_dir: Path | None = None) -> None:
        self.root = root
        base = allowed_dir or root.base_dir
        self.allowed_dir = base.resolve() if base else None
        self._files: dict[Path, Document] = {}
        self._indexes: dict[str, IdIndex] = {}
        self._has_ids: dict[int, bool] = {}  # id(document) -> its text has an `$id`

    @property
    def documents(self) -> list[Document]:
        """The root and every file loaded so far through a ref."""
        return [self.root, *self._files.values()]

    def index(self, document: Document) -> IdIndex:
        """The ``$id`` / anchor index of a document, built once."""
        found = self._indexes.get(document.name)
        if found is None:
            found = self._indexes[document.name] = IdIndex.build(document.data, self._uri_of(document))
        return found

    def _uri_of(self, document: Document) -> str:
        if document is self.root or document.path is None or self.allowed_dir is None:
            return FILE_BASE + (self.root.path.name if self.root.path else "spec")
        try:
            return FILE_BASE + document.path.resolve().relative_to(self.allowed_dir).as_posix()
        except ValueError:
            return FILE_BASE + document.path.name

    def resolve(self, ref: str, base: Document | None = None, at: str | None = None) -> Target:
        """One step: the node ``ref`` (as written in ``base``, at pointer ``at``) points at. Raises RefError.

        With ``at``, the ref resolves against the base URI of the nearest enclosing ``$id`` and may
        name an ``$anchor``; without, against the document itself.
        """
        base = base or self.root
        if not isinstance(ref, str) or not ref.strip():
            raise RefError("empty $ref")
        if at is not None and self.scoped(ref, base):
            return self._resolve_scoped(ref, base, at)
        where, _, fragment = ref.partition("#")
        document = self._document_for(where, base, ref) if where else base
        fragment = unquote(fragment)
        if fragment and not fragment.startswith("/"):
            raise RefError(f"$ref {ref!r}: only JSON-pointer fragments ('#/...') are supported")
        value = document.get(fragment, _MISSING)
        if value is _MISSING:
            raise RefError(f"$ref {ref!r} does not resolve: {document.name} has no node at #{fragment}")
        return Target(document, fragment, value)

    def scoped(self, ref: str, base: Document) -> bool:
        """Whether where ``ref`` is written matters: its document has an ``$id``, or it names an anchor."""
        if ref.partition("#")[2][:1] not in ("", "/"):
            return True
        found = self._has_ids.get(id(base))
        if found is None:  # one search of the text per document, not one per ref
            found = self._has_ids[id(base)] = "$id" in base.text
        return found

    def _resolve_scoped(self, ref: str, base: Document, at: str) -> Target:
        index = self.index(base)
        uri, fragment = index.absolute(ref, at)
        document = base
        pointer = index.find(uri, fragment)
        if pointer is None and uri.startswith(FILE_BASE):  # another file of the spec's folder
            origin = self._uri_of(base)
            document = self._document_for(_relative(origin, uri), base, ref)
            pointer = self.index(document).find(uri, fragment)
        if pointer is None and not uri.startswith(FILE_BASE) and not ref.startswith("#") and not _SCHEME.match(ref):
            return self.resolve(ref, base)  # a relative path under a remote `$id`: the file next to this one
        if pointer is None:
            if not uri.startswith(FILE_BASE) and uri not in index.resources:
                self._document_for(uri, base, ref)  # raises: a remote ref, never fetched
            raise RefError(f"$ref {ref!r} does not resolve: no schema has {uri}#{fragment} "
                           "(its base URI comes from the enclosing $id)")
        value = document.get(pointer, _MISSING)
        if value is _MISSING:
            raise RefError(f"$ref {ref!r} does not resolve: {document.name} has no node at #{pointer}")
        return Target(document, pointer, value)

    def follow(self, node: Any, base: Document | None = None) -> Target:
        """Follow ``node`` through any chain of refs to a node that is not a ref."""
        document = base or self.root
        pointer = ""
        at: str | None = None  # where the first node is, unknown: resolved against its document
        seen: list[str] = []
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            target = self.resolve(ref, document, at)
            key = f"{target.document.name}#{target.pointer}"
            if key in seen or len(seen) >= MAX_CHAIN:
                chain = " -> ".join([*seen, key])
                raise RefError(f"$ref cycle: {chain}")
            seen.append(key)
            document, pointer, node = target.document, target.pointer, target.value
            at = pointer
        return Target(document, pointer, node)

    def deref(self, node: Any, base: Document | None = None) -> Any:
        """The value behind ``node`` (itself if it is not a ref); None where it cannot be followed."""
        try:
            return self.follow(node, base).value
        except RefError:
            return None

    def _document_for(self, where: str, base: Document, ref: str) -> Document:
        scheme = "network-path" if where.startswith("//") else where.split(":", 1)[0].lower() if _SCHEME.match(
            where) else ""
        if scheme == "file":
            raise RefError(f"$ref {ref!r}: absolute file: URIs are refused; use a path relative to the spec")
        if scheme:
            raise RefError(
                f"$ref {ref!r} is a {scheme} reference; contractkit never fetches remote refs "
                "(vendor the file next to the spec and use a relative ref)"
            )
        if base.base_dir is None or self.allowed_dir is None:
            raise RefError(f"$ref {ref!r} points at a file, but {base.name} was not loaded from a folder")
        target = (base.base_dir / unquote(where)).resolve()
        if not target.is_relative_to(self.allowed_dir):
            raise RefError(f"$ref {ref!r} leaves the spec's folder {self.allowed_dir} (refused)")
        cached = self._files.get(target)
        if cached is None:
            if target == (self.root.path.resolve() if self.root.path else None):
                return self.root
            try:
                cached = load_document(target, require_kind=False, name=_display(target, self.root))
            except RefError:
                raise
            except InputError as exc:
                raise RefError(f"$ref {ref!r}: {exc.one_line()}") from None
            self._files[target] = cached
        return cached

    def file_handler(self, uri: str) -> Any:
        """A jsonschema-path handler for ``file:`` URIs that serves only already-vetted documents."""
        from urllib.request import url2pathname

        path = Path(url2pathname(urlsplit(uri).path)).resolve()
        if self.root.path is not None and path == self.root.path.resolve():
            return self.root.data
        if self.allowed_dir is None or not path.is_relative_to(self.allowed_dir):
            raise RefError(f"{uri} is outside the spec's folder (refused)")
        document = self._files.get(path)
        if document is None:
            document = load_document(path, require_kind=False, name=_display(path, self.root))
            self._files[path] = document
        return document.data


def _relative(origin: str, uri: str) -> str:
    """The path of file ``uri`` relative to the folder of file ``origin`` (both under ``FILE_BASE``)."""
    import posixpath

    rel = posixpath.relpath(uri[len(FILE_BASE):], posixpath.dirname(origin[len(FILE_BASE):]) or ".")
    return rel


def _display(path: Path, root: Document) -> str:
    """A name for a referenced file relative to the root spec's, as the user wrote paths."""
    if root.path is not None:
        try:
            return str(Path(root.name).parent / path.relative_to(root.path.resolve().parent))
        except ValueError:
            pass
    return str(path)


class _Missing:
    pass


_MISSING = _Missing()


__all__ = ["FILE_BASE", "IdIndex", "RefResolver", "Target", "iter_refs", "pointer_parts"]
