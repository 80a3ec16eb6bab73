"""One renderer per output format, all fed the same ``RunResult``.

``write_reports`` writes every file the options ask for, and appends the Markdown summary to
``$GITHUB_STEP_SUMMARY`` when that variable is set (GitHub Actions job summaries).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from contractkit.conformance.options import VerifyOptions
from contractkit.conformance.outcomes import RunResult
from contractkit.conformance.redaction import redact
from contractkit.conformance.reports.markdown import render_markdown
from contractkit.conformance.reports.sarif import render_sarif


def render_json(result: RunResult) -> str:
    return redact(json.dumps(result.to_dict(), indent=2, default=str))


def write_reports(result: RunResult, options: VerifyOptions) -> None:
    if options.report_json:
        _write(options.report_json, render_json(result))
    markdown = render_markdown(result)
    if options.markdown:
        _write(options.markdown, markdown)
    if options.sarif:
        _write(options.sarif, render_sarif(result, options.spec))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
