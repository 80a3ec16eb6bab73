"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request diff."""

from __future__ import annotations

from contractkit.github_annotations import workflow_command
from contractkit.lint.runner import LintReport

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def render(report: LintReport) -> str:
    lines = []
    for f in report.findings:
        lines.append(
            workflow_command(
                COMMANDS.get(f.severity, "warning"),
                f"{f.message} [#{f.pointer}]",
                title=f"{f.rule} {f.title}",
                file=f.file,
                line=f.line,
                column=f.column,
            )
        )
    return "\n".join(lines) + ("\n" if lines else "")
