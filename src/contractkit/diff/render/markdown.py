"""Markdown for a pull-request comment or a job summary: verdict, summary table, then details.

GitHub caps a comment at 65,536 characters, so details stop at ``MAX_ROWS`` rows per class with
a count of the rest (the JSON output always has everything). Non-breaking changes are folded.
"""

from __future__ import annotations

from contractkit.diff.model import CLASSIFICATIONS, DiffReport
from contractkit.diff.registry import CHANGE_KINDS
from contractkit.diff.render import headline, operations_text

MAX_ROWS = 60
ICON = {"breaking": "🔴", "possibly-breaking": "🟠", "non-breaking": "🟢"}
MARKER = "<!-- contractkit-diff -->"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render(report: DiffReport) -> str:
    out = [MARKER, f"### contractkit diff: {_cell(report.head.name)}", "", f"**{_cell(headline(report))}**", ""]
    if report.gate:
        mark = "✅ holds" if report.gate.passed else "❌ fails"
        out += [f"Semver gate (`--fail-on {report.gate.fail_on}`) {mark}: {_cell(report.gate.reason)}. "
                f"Required bump: **{report.gate.required_bump}**, made: **{report.gate.actual_bump}**.", ""]
    out += [f"> {n}" for n in report.notes]
    out += ["| classification | changes |", "| --- | ---: |"]
    out += [f"| {ICON[c]} {c} | {report.count(c)} |" for c in CLASSIFICATIONS]
    counts: dict[str, int] = {}
    for change in report.changes:
        counts[change.id] = counts.get(change.id, 0) + 1
    if counts:
        out += ["", "| change kind | count |", "| --- | ---: |"]
        out += [f"| `{k}` {_cell(CHANGE_KINDS.get(k).title)} | {n} |"
                for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    for cls in CLASSIFICATIONS:
        group = [c for c in report.changes if c.classification == cls]
        if not group:
            continue
        fold = cls == "non-breaking"
        out += [""]
        out += [f"<details><summary>{ICON[cls]} {cls} ({len(group)})</summary>", ""] if fold else [
            f"#### {ICON[cls]} {cls} ({len(group)})", ""]
        out += ["| id | change | operations | where |", "| --- | --- | --- | --- |"]
        for c in group[:MAX_ROWS]:
            out.append(f"| `{c.id}` | {_cell(c.display)} | {_cell(operations_text(c.operations))} | "
                       f"`{_cell(c.where())}` |")
        if len(group) > MAX_ROWS:
            out.append(f"| … | {len(group) - MAX_ROWS} more (see the JSON report) | | |")
        if fold:
            out += ["", "</details>"]
    if not report.changes:
        out += ["", "No changes to the interface."]
    return "\n".join(out) + "\n"
