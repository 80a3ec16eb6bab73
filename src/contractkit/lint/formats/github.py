"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request diff."""

from __future__ import annotations

from contractkit.lint.runner import LintReport

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: LintReport) -> str:
    lines = []
    for f in report.findings:
        props = ",".join(
            [
                f"file={_escape_property(f.file)}",
                f"line={f.line}",
                f"col={f.column}",
                f"title={_escape_property(f'{f.rule} {f.title}')}",
            ]
        )
        lines.append(f"::{COMMANDS.get(f.severity, 'warning')} {props}::{_escape_data(f'{f.message} [#{f.pointer}]')}")
    return "\n".join(lines) + ("\n" if lines else "")
