"""Plain text for a terminal: the verdict first, then changes grouped by classification."""

from __future__ import annotations

from contractkit.diff.model import CLASSIFICATIONS, DiffReport
from contractkit.diff.render import headline, operations_text


def render(report: DiffReport) -> str:
    lines = [headline(report)]
    if report.gate:
        verdict = "holds" if report.gate.passed else "FAILS"
        lines.append(f"semver gate (--fail-on {report.gate.fail_on}) {verdict}: {report.gate.reason}")
    lines += [f"note: {n}" for n in report.notes]
    for cls in CLASSIFICATIONS:
        group = [c for c in report.changes if c.classification == cls]
        if not group:
            continue
        lines += ["", f"{cls} ({len(group)})"]
        for c in group:
            ops = operations_text(c.operations)
            lines.append(f"  {c.where()}: {c.id}: {c.display}" + (f"  [{ops}]" if ops else ""))
    if not report.changes:
        lines.append("no changes to the interface")
    return "\n".join(lines) + "\n"
