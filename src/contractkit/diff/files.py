"""The other files a spec's ``$ref``s point into, read from the same place as the spec itself.

A spec split over files (``$ref: schemas/customer.yaml#/Customer``) must be compared with the
files *of its own version*: BASE's from BASE's git revision, HEAD's from disk. ``DiskFiles``
and ``GitFiles`` answer "the parsed file at this path, relative to the spec's folder", through
the same safe loader as the spec, and refuse paths that leave the spec's folder (the confinement
``contractkit.loading`` applies too). Remote refs (``https://...``) are never fetched.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from contractkit.errors import RefError


def normalize(container: str, ref_file: str) -> str | None:
    """The path of ``ref_file`` (relative to the file ``container``) from the spec's folder, or None."""
    if "://" in ref_file or ref_file.startswith(("/", "\\")) or ":" in ref_file.split("/", 1)[0]:
        return None
    path = posixpath.normpath(posixpath.join(posixpath.dirname(container), ref_file))
    if path.startswith("../") or path == "..":
        return None
    return path


class Files:
    """Base of the two sources: caches parsed documents by relative path."""

    def __init__(self, root_name: str, label: str, max_depth: int | None = None) -> None:
        self.root_name = root_name
        self.label = label
        self.max_depth = max_depth
        self._docs: dict[str, Any] = {}

    def document(self, rel: str) -> Any:
        if rel not in self._docs:
            self._docs[rel] = self._load(rel)
        return self._docs[rel]

    def data(self, rel: str) -> Any:
        return self.document(rel).data

    def _load(self, rel: str) -> Any:
        raise NotImplementedError

    def missing(self, rel: str) -> bool:
        """Whether no file is at ``rel`` (a ref to it is reported as unresolved, not refused)."""
        raise NotImplementedError

    def _depth(self) -> dict[str, int]:
        return {"max_depth": self.max_depth} if self.max_depth is not None else {}


class DiskFiles(Files):
    def __init__(self, spec_path: Path, label: str, max_depth: int | None = None) -> None:
        super().__init__(spec_path.name, label, max_depth)
        self.root = spec_path.resolve().parent

    def _load(self, rel: str) -> Any:
        from contractkit.loading import load_document

        path = self._path(rel)
        try:
            return load_document(path, require_kind=False, name=str(Path(self.label).parent / rel),
                                 **self._depth())
        except RefError:
            raise
        except Exception as exc:  # SpecReadError / SpecParseError: say which side and which ref
            raise RefError(f"$ref to {rel}: {getattr(exc, 'message', exc)}", location=self.label) from None


    def _path(self, rel: str) -> Path:
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root):
            raise RefError(f"{rel} is outside the spec's folder", location=self.label)
        return path

    def missing(self, rel: str) -> bool:
        return rel not in self._docs and not self._path(rel).is_file()


class GitFiles(Files):
    def __init__(self, rev: str, spec_path_in_repo: str, repo_root: Path, label: str,
                 max_depth: int | None = None) -> None:
        super().__init__(posixpath.basename(spec_path_in_repo), label, max_depth)
        self.rev, self.folder, self.repo_root = rev, posixpath.dirname(spec_path_in_repo), repo_root

    def _load(self, rel: str) -> Any:
        from contractkit.diff.sources import git
        from contractkit.loading import load_text

        path = posixpath.join(self.folder, rel) if self.folder else rel
        try:
            text = git(["show", f"{self.rev}:{path}"], self.repo_root)
            return load_text(text, f"{self.rev}:{path}", require_kind=False, **self._depth())
        except Exception as exc:
            raise RefError(f"$ref to {rel}: {getattr(exc, 'message', exc)}", location=self.label) from None

    def missing(self, rel: str) -> bool:
        from contractkit.diff.sources import git

        if rel in self._docs:
            return False
        path = posixpath.join(self.folder, rel) if self.folder else rel
        try:
            git(["cat-file", "-e", f"{self.rev}:{path}"], self.repo_root)
        except Exception:
            return True
        return False
