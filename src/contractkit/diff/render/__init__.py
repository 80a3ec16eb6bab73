"""One renderer per output format, all fed the same ``DiffReport``: text, markdown, json, github."""

from __future__ import annotations

from collections.abc import Callable

from contractkit.diff.model import DiffReport


def renderer(fmt: str) -> Callable[[DiffReport], str]:
    if fmt == "json":
        from contractkit.diff.render.json_report import render
    elif fmt == "markdown":
        from contractkit.diff.render.markdown import render
    elif fmt == "github":
        from contractkit.diff.render.github import render
    else:
        from contractkit.diff.render.text import render
    return render


def operations_text(ops: set[str], limit: int = 2) -> str:
    if not ops:
        return ""
    ordered = sorted(ops)
    more = len(ordered) - limit
    return ", ".join(ordered[:limit]) + (f" (+{more} more)" if more > 0 else "")


def headline(report: DiffReport) -> str:
    s = report.summary
    versions = f"{report.base.version or '?'} -> {report.head.version or '?'}"
    return (f"{report.head.title or report.head.name} {versions}: {s['breaking']} breaking, "
            f"{s['possibly-breaking']} possibly breaking, {s['non-breaking']} non-breaking")
