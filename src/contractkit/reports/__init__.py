"""Every report the kit writes, for lint, diff and verify: one finding model, one writer per format.

    finding.py           the ``Finding`` model, and how lint, diff and verify produce findings
    verify_locations.py  where a live rule's finding sits in the spec under test (file, line, pointer)
    sarif.py             SARIF 2.1.0                  (lint, verify)
    github.py            GitHub annotations           (lint, diff, verify)
    junit.py             JUnit XML                    (lint; verify's JUnit is pytest's --junit-xml)
    markdown.py          Markdown                     (diff, verify)
    json_report.py       JSON                         (lint, diff, verify)
    text.py              terminal text                (lint, diff, verify)
    verify_files.py      the files a verify run writes, and the GitHub job summary

``LINT_FORMATS`` and ``DIFF_FORMATS`` map each CLI format to its renderer, so the commands and
their ``--format`` choices read the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contractkit.diff.model import DiffReport
    from contractkit.lint.runner import LintReport


def _lint_sarif(report: LintReport) -> str:
    from contractkit.reports.finding import lint_findings
    from contractkit.reports.sarif import render_sarif

    return render_sarif(lint_findings(report), report.rules, report.files)


def _lint_junit(report: LintReport) -> str:
    from contractkit.reports.finding import lint_findings
    from contractkit.reports.junit import render_junit

    return render_junit(lint_findings(report), report.rules, report.files, name="contractkit lint")


def _lint_github(report: LintReport) -> str:
    from contractkit.reports.finding import lint_findings
    from contractkit.reports.github import render_annotations

    return render_annotations(lint_findings(report))


def _lint_text(report: LintReport) -> str:
    from contractkit.reports.text import render_lint_text

    return render_lint_text(report)


def _lint_json(report: LintReport) -> str:
    from contractkit.reports.json_report import render_lint_json

    return render_lint_json(report)


def _diff_text(report: DiffReport) -> str:
    from contractkit.reports.text import render_diff_text

    return render_diff_text(report)


def _diff_markdown(report: DiffReport) -> str:
    from contractkit.reports.markdown import render_diff_markdown

    return render_diff_markdown(report)


def _diff_json(report: DiffReport) -> str:
    from contractkit.reports.json_report import render_diff_json

    return render_diff_json(report)


def _diff_github(report: DiffReport) -> str:
    from contractkit.reports.finding import diff_findings
    from contractkit.reports.github import render_annotations, workflow_command

    extra = []
    if report.gate:
        level = "notice" if report.gate.passed else "error"
        verdict = "holds" if report.gate.passed else "fails"
        extra.append(workflow_command(level, report.gate.reason, title=f"contractkit semver gate {verdict}"))
    return render_annotations(diff_findings(report), extra)


LINT_FORMATS: dict[str, Callable[[Any], str]] = {
    "text": _lint_text, "json": _lint_json, "sarif": _lint_sarif, "junit": _lint_junit, "github": _lint_github}
DIFF_FORMATS: dict[str, Callable[[Any], str]] = {
    "text": _diff_text, "markdown": _diff_markdown, "json": _diff_json, "github": _diff_github}


def lint_renderer(name: str) -> Callable[[LintReport], str]:
    return LINT_FORMATS[name]


def diff_renderer(name: str) -> Callable[[DiffReport], str]:
    return DIFF_FORMATS.get(name, _diff_text)
