"""Human-readable report: ``file:line:column: severity RULE message`` and a summary line."""

from __future__ import annotations

from contractkit.lint.runner import LintReport


def summary(report: LintReport) -> str:
    files = len(report.files)
    parts = [f"{report.count('error')} errors", f"{report.count('warning')} warnings"]
    if report.count("info"):
        parts.append(f"{report.count('info')} notes")
    text = f"{files} file{'s' if files != 1 else ''} checked: " + ", ".join(parts)
    if report.silenced:
        text += f" ({report.silenced} silenced)"
    return text


def render(report: LintReport) -> str:
    lines = [f"{f.file}:{f.line}:{f.column}: {f.severity} {f.rule} {f.message} [#{f.pointer}]" for f in report.findings]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"
