"""Run the right differ for two parsed specs and place every change at file:line:column in HEAD."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any

from contractkit.diff.model import Change, DiffReport, SpecSide
from contractkit.diff.tree import Recorder, Tree, split
from contractkit.errors import NotASpecError
from contractkit.loading.document import detect_kind

#: A ``$ref`` to another file (``common.yaml#/X``) on one line of text; found in the text at C speed.
_REMOTE_REF = re.compile(r"""["']?\$ref["']?[ \t]*:[ \t]*["']?(?![a-zA-Z][a-zA-Z0-9+.-]*://)"""
                         r"""([^"'#\s{}\[\],]+\.(?:ya?ml|json))(?=["'#\s,}\]]|$)""", re.MULTILINE)
#: Above this many changes, one index of the whole HEAD file beats looking each place up alone
#: (measured on Stripe's 4 MB spec: about 0.5 ms a place by narrowing, 0.45 s for the whole index).
MANY_PLACES = 1000


#: Python frames the differ may stack: a schema level costs a few, and specs may nest a few thousand levels
#: (``--max-depth``); Python 3.11 keeps Python-to-Python calls off the C stack, so this is memory, not a crash.
DIFF_RECURSION_LIMIT = 50_000


@contextlib.contextmanager
def deep_enough() -> Iterator[None]:
    """Let the recursive walk follow schemas as deep as the loader accepted, then restore the limit."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, DIFF_RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def spec_version(data: Any, kind: str) -> str | None:
    if not isinstance(data, dict):
        return None
    version = data.get("info", {}).get("version") if kind == "openapi" and isinstance(data.get("info"), dict) else (
        data.get("version"))
    return None if version is None else str(version)


def diff_data(base: Any, head: Any, kind: str | None = None, base_files: Any = None,
              head_files: Any = None, policy: Any = None, texts: tuple[str, str] | None = None) -> list[Change]:
    """All changes from ``base`` to ``head`` (parsed data), most serious first.

    ``base_files`` / ``head_files`` (``contractkit.diff.files.Files``) let refs into other files be
    followed, each side in its own version of those files; without them such refs are compared as text.
    ``policy`` (``contractkit.diff.policy.Policy``) adds the deprecation, sunset and stability rules.
    ``texts`` (the two sides' text) tells, without walking the data, whether either has an ``$id``.
    """
    kind = kind or detect_kind(head)
    if kind is None or detect_kind(base) != kind:
        raise NotASpecError(
            f"cannot compare: BASE is {detect_kind(base) or 'not a spec'} "
            f"and HEAD is {detect_kind(head) or 'not a spec'}")
    recorder = Recorder()
    base_text, head_text = texts if texts is not None else (None, None)
    base_tree, head_tree = Tree(base, base_files, base_text), Tree(head, head_files, head_text)
    with deep_enough():
        if kind == "openapi":
            from contractkit.diff.openapi import OpenAPIDiffer

            OpenAPIDiffer(base_tree, head_tree, recorder).run()
        else:
            from contractkit.diff.mcp import MCPDiffer

            MCPDiffer(base_tree, head_tree, recorder).run()
    changes = recorder.all()
    if policy is not None:
        from contractkit.diff.policy import PolicyChecker

        changes = PolicyChecker(policy, base_tree, head_tree, kind).apply(changes)
    return changes


def diff_documents(base: Any, head: Any, base_files: Any = None, head_files: Any = None,
                   policy: Any = None) -> DiffReport:
    """Compare two loaded ``contractkit.loading.Document``s; changes carry their place in HEAD."""
    kind = detect_kind(head.data)
    changes = diff_data(base.data, head.data, kind, base_files, head_files, policy, (base.text, head.text))
    if len(changes) > MANY_PLACES:
        head.locate("")  # many places to find: have the loader build its whole-file index once, up front
    for change in changes:
        pointer = change.head_pointer if change.side == "base" else change.pointer
        if pointer is None:
            continue
        file, inner = split(pointer)
        doc = head_files.document(file) if file and head_files is not None else head
        line, column = doc.locate(inner)
        change.location = (doc.name, line, column)
    report = DiffReport(
        kind=kind,  # type: ignore[arg-type]
        base=SpecSide(base.name, spec_version(base.data, kind), _title(base.data, kind)),
        head=SpecSide(head.name, spec_version(head.data, kind), _title(head.data, kind)),
        changes=changes,
    )
    if base_files is None or head_files is None:
        remote = sorted({m for doc in (base, head) for m in _REMOTE_REF.findall(doc.text)})
        if remote:
            report.notes.append(f"$refs to other files ({', '.join(remote[:5])}{', ...' if len(remote) > 5 else ''}) "
                                "are compared as text: a change inside those files is not seen")
    return report


def _title(data: Any, kind: str | None) -> str | None:
    if kind == "openapi":
        info = data.get("info")
        return info.get("title") if isinstance(info, dict) else None
    return data.get("title") if isinstance(data, dict) else None
