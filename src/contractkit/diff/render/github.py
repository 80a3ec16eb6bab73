"""GitHub Actions workflow commands: one annotation per change, placed at its file and line in HEAD."""

from __future__ import annotations

from contractkit.diff.model import DiffReport
from contractkit.diff.render import operations_text
from contractkit.github_annotations import workflow_command

LEVEL = {"breaking": "error", "possibly-breaking": "warning", "non-breaking": "notice"}


def render(report: DiffReport) -> str:
    lines = []
    for c in report.changes:
        name, line, col = c.location or (None, None, None)
        ops = operations_text(c.operations, limit=3)
        message = c.display + (f" [{ops}]" if ops else "")
        lines.append(
            workflow_command(
                LEVEL[c.classification], message, title=f"{c.id} {c.title}", file=name, line=line, column=col
            )
        )
    if report.gate:
        level = "notice" if report.gate.passed else "error"
        verdict = "holds" if report.gate.passed else "fails"
        lines.append(workflow_command(level, report.gate.reason, title=f"contractkit semver gate {verdict}"))
    return "\n".join(lines) + ("\n" if lines else "")
