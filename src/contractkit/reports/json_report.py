"""The JSON outputs: lint's findings, diff's published report (``diff-report.schema.json``) and
verify's per-rule results. Each is a document of its own tool; the findings in them are the
same facts the other formats show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contractkit import __version__

if TYPE_CHECKING:
    from contractkit.conformance.outcomes import RunResult
    from contractkit.diff.model import Change, DiffReport
    from contractkit.lint.runner import LintReport

SCHEMA_ID = "https://contractkit.dev/schemas/diff-report/1.json"
#: The published JSON Schema of the diff output, shipped inside the package.
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "diff" / "diff-report.schema.json"


def render_lint_json(report: LintReport) -> str:
    from contractkit.reports.finding import lint_findings

    payload = {
        "tool": "contractkit",
        "version": __version__,
        "files": report.files,
        "findings": [{"rule": f.rule, "severity": f.severity, "title": f.title, "message": f.message, "file": f.file,
                      "line": f.line, "column": f.column, "pointer": f.pointer} for f in lint_findings(report)],
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


def change_dict(change: Change) -> dict[str, Any]:
    from contractkit.diff.model import MISSING

    out: dict[str, Any] = {
        "id": change.id,
        "classification": change.classification,
        "title": change.title,
        "message": change.message,
        "direction": change.direction,
        "operation": change.operation,
        "operations": sorted(change.operations),
        "pointer": change.pointer,
        "side": change.side,
        "location": None,
    }
    if change.location:
        name, line, column = change.location
        out["location"] = {"file": name, "line": line, "column": column}
    if change.before is not MISSING:
        out["before"] = change.before
    if change.after is not MISSING:
        out["after"] = change.after
    return out


def diff_report_dict(report: DiffReport) -> dict[str, Any]:
    gate = report.gate
    return {
        "$schema": SCHEMA_ID,
        "tool": {"name": "contractkit", "version": __version__},
        "kind": report.kind,
        "base": {"name": report.base.name, "version": report.base.version, "title": report.base.title},
        "head": {"name": report.head.name, "version": report.head.version, "title": report.head.title},
        "summary": {**report.summary, "total": len(report.changes)},
        "gate": None if gate is None else {
            "fail_on": gate.fail_on, "required_bump": gate.required_bump, "actual_bump": gate.actual_bump,
            "passed": gate.passed, "reason": gate.reason,
        },
        "notes": list(report.notes),
        "changes": [change_dict(c) for c in report.changes],
    }


def render_diff_json(report: DiffReport) -> str:
    return json.dumps(diff_report_dict(report), indent=2, default=str) + "\n"


def render_verify_json(result: RunResult) -> str:
    from contractkit.conformance.redaction import redact

    return redact(json.dumps({"tool": {"name": "contractkit", "version": __version__}, **result.to_dict()},
                             indent=2, default=str))
