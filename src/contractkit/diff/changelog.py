"""A changelog entry for a diff, in the Keep a Changelog shape, ready to paste into specs/CHANGELOG.md."""

from __future__ import annotations

import datetime as dt

from contractkit.diff.model import Change, DiffReport

SECTIONS = (
    ("Breaking", lambda c: c.classification == "breaking"),
    ("Possibly breaking", lambda c: c.classification == "possibly-breaking"),
    ("Deprecated", lambda c: c.classification == "non-breaking" and "DEPRECATED" in c.id),
    ("Added", lambda c: c.classification == "non-breaking" and "DEPRECATED" not in c.id and "ADDED" in c.id),
    ("Changed", lambda c: c.classification == "non-breaking" and "DEPRECATED" not in c.id and "ADDED" not in c.id),
)


def _line(change: Change) -> str:
    ops = sorted(change.operations)
    where = f"`{ops[0]}`" + (f" and {len(ops) - 1} more" if len(ops) > 1 else "") + ": " if ops else ""
    return f"- {where}{change.display} (`{change.id}`)"


def changelog_entry(report: DiffReport, today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    name = report.head.title or report.head.name
    out = [f"## {name} {report.head.version or 'unreleased'} ({today.isoformat()})", ""]
    if report.gate:
        out += [f"Needs a {report.gate.required_bump} version bump (from {report.base.version})."
                if report.gate.required_bump != "none" else "No interface change.", ""]
    for title, keep in SECTIONS:
        group = [c for c in report.changes if keep(c)]
        if group:
            out += [f"### {title}", "", *(_line(c) for c in group), ""]
    if not report.changes:
        out += ["- No changes to the interface.", ""]
    return "\n".join(out)
