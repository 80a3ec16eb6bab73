"""JSON output, valid against the published ``diff-report.schema.json`` shipped beside this package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contractkit.diff.model import MISSING, Change, DiffReport

SCHEMA_ID = "https://contractkit.dev/schemas/diff-report/1.json"
#: The published JSON Schema of this output, shipped inside the package.
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "diff-report.schema.json"


def change_dict(change: Change) -> dict[str, Any]:
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


def report_dict(report: DiffReport) -> dict[str, Any]:
    from contractkit import __version__

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


def render(report: DiffReport) -> str:
    return json.dumps(report_dict(report), indent=2, default=str) + "\n"
