"""Machine-readable report: one JSON object with the findings, files and a summary."""

from __future__ import annotations

import json

from contractkit import __version__
from contractkit.lint.runner import LintReport


def render(report: LintReport) -> str:
    payload = {
        "tool": "contractkit",
        "version": __version__,
        "files": report.files,
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "title": f.title,
                "message": f.message,
                "file": f.file,
                "line": f.line,
                "column": f.column,
                "pointer": f.pointer,
            }
            for f in report.findings
        ],
        "summary": {
            "files": len(report.files),
            "errors": report.count("error"),
            "warnings": report.count("warning"),
            "infos": report.count("info"),
            "silenced": report.silenced,
        },
        "exit_code": report.exit_code,
    }
    return json.dumps(payload, indent=2) + "\n"
