"""SARIF 2.1.0: one result per failed outcome, rule metadata from the registry."""

from __future__ import annotations

import json
from pathlib import Path

from contractkit import __version__
from contractkit.conformance.outcomes import RunResult, Status
from contractkit.conformance.redaction import redact

_LEVEL = {Status.FAILED: "error", Status.WARNING: "warning"}


def render_sarif(result: RunResult, spec: Path | None = None) -> str:
    from contractkit.resources import neuron_spec_path

    uri = str(spec or neuron_spec_path())
    rules = [{"id": r.rule_id, "shortDescription": {"text": r.title}, "fullDescription": {"text": r.clause},
              "defaultConfiguration": {"level": "error" if r.severity == "error" else "warning"}}
             for r in result.rules]
    results = []
    for rule in result.rules:
        for outcome in rule.outcomes:
            if outcome.status not in _LEVEL:
                continue
            where = f"{outcome.operation}: " if outcome.operation else ""
            results.append({
                "ruleId": rule.rule_id,
                "level": _LEVEL[outcome.status],
                "message": {"text": f"{where}{outcome.message}"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
            })
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "contractkit", "version": __version__, "rules": rules}},
                  "results": results}],
    }
    return redact(json.dumps(doc, indent=2))
