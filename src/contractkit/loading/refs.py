"""``$ref`` resolution with the safety a linter of other people's specs needs.

Local refs (``#/components/schemas/X``) and relative-file refs (``common.yaml#/X``) are followed.
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
from urllib.parse import unquote, urlsplit

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

    @property
    def documents(self) -> list[Document]:
        """The root and every file loaded so far through a ref."""
        return [self.root, *self._files.values()]

    def resolve(self, ref: str, base: Document | None = None) -> Target:
        """One step: the node ``ref`` (as written in ``base``) points at. Raises RefError."""
        base = base or self.root
        if not isinstance(ref, str) or not ref.strip():
            raise RefError("empty $ref")
        where, _, fragment = ref.partition("#")
        document = self._document_for(where, base, ref) if where else base
        fragment = unquote(fragment)
        if fragment and not fragment.startswith("/"):
            raise RefError(f"$ref {ref!r}: only JSON-pointer fragments ('#/...') are supported")
        value = document.get(fragment, _MISSING)
        if value is _MISSING:
            raise RefError(f"$ref {ref!r} does not resolve: {document.name} has no node at #{fragment}")
        return Target(document, fragment, value)

    def follow(self, node: Any, base: Document | None = None) -> Target:
        """Follow ``node`` through any chain of refs to a node that is not a ref."""
        document = base or self.root
        pointer = ""
        seen: list[str] = []
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            target = self.resolve(ref, document)
            key = f"{target.document.name}#{target.pointer}"
            if key in seen or len(seen) >= MAX_CHAIN:
                chain = " -> ".join([*seen, key])
                raise RefError(f"$ref cycle: {chain}")
            seen.append(key)
            document, pointer, node = target.document, target.pointer, target.value
        return Target(document, pointer, node)

    def deref(self, node: Any, base: Document | None = None) -> Any:
        """The value behind ``node`` (itself if it is not a ref); None where it cannot be followed."""
        try:
            return self.follow(node, base).value
        except RefError:
            return None

    def _document_for(self, where: str, base: Document, ref: str) -> Document:
        scheme = "network-path" if where.startswith("//") else urlsplit(where).scheme if _SCHEME.match(where) else ""
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


__all__ = ["RefResolver", "Target", "iter_refs", "pointer_parts"]
