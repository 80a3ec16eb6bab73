"""A ref resolver that remembers: the lint rules ask for the same ``$ref`` tens of thousands of times.

On a large description every rule that walks schemas (OAS-001's fast path, the error-body and
usage checks, the examples) follows the same few thousand refs again and again, and each
resolution parses and walks a JSON pointer. The documents do not change while they are linted, so
each (document, ref) pair is resolved once; refusals are remembered too and raised again.
"""

from __future__ import annotations

from contractkit.errors import RefError
from contractkit.loading import Document, RefResolver, Target


class MemoResolver(RefResolver):
    """``RefResolver`` with ``resolve`` memoised per (document, ref)."""

    def __init__(self, root: Document) -> None:
        super().__init__(root)
        self._resolved: dict[tuple[int, str, str | None], Target | RefError] = {}

    def resolve(self, ref: str, base: Document | None = None, at: str | None = None) -> Target:
        base = base or self.root
        if not isinstance(ref, str):
            return super().resolve(ref, base, at)
        key = (id(base), ref, at if at is not None and self.scoped(ref, base) else None)
        found = self._resolved.get(key)
        if found is None:
            try:
                found = super().resolve(ref, base, at)
            except RefError as exc:
                found = exc
            self._resolved[key] = found
        if isinstance(found, RefError):
            raise RefError(found.message, location=found.location)
        return found
