"""The files a verify run writes (JSON, Markdown, SARIF, GitHub annotations), all from one ``RunResult``.

The Markdown summary is also appended to ``$GITHUB_STEP_SUMMARY`` when that variable is set
(GitHub Actions job summaries). ``verify_annotations`` is printed by the plugin's terminal summary
when the run is in GitHub Actions, so failures show on the spec in the pull request.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from contractkit.conformance.redaction import redact
from contractkit.reports.finding import verify_findings, verify_rules
from contractkit.reports.json_report import render_verify_json
from contractkit.reports.markdown import render_verify_markdown
from contractkit.reports.sarif import render_sarif

if TYPE_CHECKING:
    from contractkit.conformance.options import VerifyOptions
    from contractkit.conformance.outcomes import RunResult


def verify_sarif(result: RunResult, options: VerifyOptions | None = None) -> str:
    """SARIF of a verify run: one result per failed or warning outcome, at its operation or tool."""
    from contractkit.reports.verify_locations import SpecLocator

    spec = str(SpecLocator.for_run(result.kind, options).path)
    properties = {"target": result.target, "seed": result.meta.get("seed"), "profile": result.meta.get("profile")}
    return redact(render_sarif(verify_findings(result, options), verify_rules(result), [spec], properties))


def verify_annotations(result: RunResult, options: VerifyOptions | None = None) -> str:
    from contractkit.reports.github import render_annotations

    return redact(render_annotations(verify_findings(result, options)))


def write_reports(result: RunResult, options: VerifyOptions) -> None:
    if options.report_json:
        _write(options.report_json, render_verify_json(result))
    markdown = render_verify_markdown(result)
    if options.markdown:
        _write(options.markdown, markdown)
    if options.sarif:
        _write(options.sarif, verify_sarif(result, options))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
