"""Where each side of a diff comes from: a file, a git revision (``REV:path``), or the merge base.

``git show`` is run as a subprocess (no shell), in the folder of the spec, so the command works
from anywhere inside the repository. A path that exists on disk wins over a ``REV:path`` reading.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from contractkit.diff.files import DiskFiles, Files, GitFiles
from contractkit.errors import InputError, SpecReadError
from contractkit.loading import Document, load_document, load_text

GIT_TIMEOUT_S = 30
#: Nesting the diff accepts by default: generators (protobuf, GraphQL, CRD converters) inline schemas
#: hundreds of levels deep; alias bombs stay bounded by the loader's replay limit at any depth.
DEFAULT_MAX_DEPTH = 1000
#: The most ``--max-depth`` may ask for: JSON parsing recurses in C, one frame per level.
MAX_MAX_DEPTH = 10_000


@contextlib.contextmanager
def depth_allowed(max_depth: int) -> Iterator[None]:
    """Let the JSON parser (recursive, bounded by the recursion limit) reach ``max_depth``, then restore."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, max_depth + 200))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def git(args: list[str], cwd: Path) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT_S,
                              check=False)
    except FileNotFoundError:
        raise InputError("git is not installed, so REV:path cannot be read") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"git {' '.join(args)} did not finish in {GIT_TIMEOUT_S} s") from None
    if proc.returncode != 0:
        message = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        raise SpecReadError(f"git {' '.join(args)}: {message.removeprefix('fatal: ')}")
    return proc.stdout


def is_revision_spec(spec: str) -> bool:
    return ":" in spec and not Path(spec).exists() and not spec.startswith(("/", "./", "../"))


def load_side(spec: str, max_depth: int = DEFAULT_MAX_DEPTH) -> tuple[Document, Files]:
    """A path, or ``REV:path`` with the path relative to the repository root (as ``git show`` takes it).

    Returns the document and where the other files its refs point into are read from (the same revision).
    """
    if is_revision_spec(spec):
        rev, path = spec.split(":", 1)
        if not rev or not path:
            raise SpecReadError("expected a path or REV:path", location=spec)
        text = git(["show", f"{rev}:{path}"], Path.cwd())
        root = Path(git(["rev-parse", "--show-toplevel"], Path.cwd()).strip())
        with depth_allowed(max_depth):
            doc = load_text(text, spec, max_depth=max_depth)
        return doc, GitFiles(rev, path.removeprefix("./"), root, spec, max_depth)
    with depth_allowed(max_depth):
        doc = load_document(spec, max_depth=max_depth)
    return doc, DiskFiles(Path(spec), spec, max_depth)


def merge_base_side(head_spec: str, main_branch: str,
                    max_depth: int = DEFAULT_MAX_DEPTH) -> tuple[Document, Files] | None:
    """The head's file as it was at the merge base with ``main_branch`` (None: the file is new)."""
    path = Path(head_spec.split(":", 1)[1] if is_revision_spec(head_spec) else head_spec)
    folder = path.resolve().parent if path.resolve().parent.exists() else Path.cwd()
    root = Path(git(["rev-parse", "--show-toplevel"], folder).strip())
    rel = Path(os.path.relpath(path.resolve(), root)).as_posix() if not is_revision_spec(head_spec) else path.as_posix()
    merge_base = None
    last_error: SpecReadError | None = None
    for candidate in (main_branch, f"origin/{main_branch}"):
        try:
            merge_base = git(["merge-base", "HEAD", candidate], root).strip()
            break
        except SpecReadError as exc:
            last_error = exc
    if not merge_base:
        raise SpecReadError(f"no merge base with {main_branch!r} or 'origin/{main_branch}' "
                            f"(pass BASE explicitly, or --main-branch): {last_error.message if last_error else ''}")
    listed = git(["ls-tree", "--name-only", merge_base, "--", rel], root).strip()
    if not listed:
        return None
    text = git(["show", f"{merge_base}:{rel}"], root)
    label = f"{main_branch}@{merge_base[:12]}:{rel}"
    with depth_allowed(max_depth):
        doc = load_text(text, label, max_depth=max_depth)
    return doc, GitFiles(merge_base, rel, root, label, max_depth)
