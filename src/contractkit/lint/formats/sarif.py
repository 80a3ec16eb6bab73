"""SARIF 2.1.0 (OASIS), as GitHub code scanning and most IDEs read it.

Rule metadata (``tool.driver.rules``) comes from the registry; each result carries its rule
index, a physical location (artifact URI relative to the working folder, 1-based line and
column) and the JSON pointer as a logical location.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from contractkit import __version__
from contractkit.lint.runner import LintReport
from contractkit.registry import RuleInfo

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def artifact_uri(file: str) -> str:
    """A relative URI with forward slashes where the file is under the cwd, else a file: URI."""
    path = Path(file)
    try:
        rel = path.resolve().relative_to(Path.cwd().resolve())
        return rel.as_posix()
    except ValueError:
        return path.resolve().as_uri()


def _rule_name(rule: RuleInfo) -> str:
    name = rule.func.__name__ if rule.func is not None else rule.id
    return "".join(part.capitalize() for part in name.split("_"))


def _descriptor(rule: RuleInfo) -> dict:
    doc = " ".join(rule.doc.split()) if rule.doc else rule.title
    return {
        "id": rule.id,
        "name": _rule_name(rule),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": doc},
        "help": {"text": f"{doc}\nEnforces: {rule.clause}"},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": list(rule.tags), "clause": rule.clause},
    }


def render(report: LintReport) -> str:
    rules = list(report.rules)
    index = {rule.id: i for i, rule in enumerate(rules)}
    artifacts: dict[str, int] = {}
    for file in [*report.files, *(f.file for f in report.findings)]:
        artifacts.setdefault(artifact_uri(file), len(artifacts))
    results = []
    for f in report.findings:
        uri = artifact_uri(f.file)
        fingerprint = hashlib.sha256(f"{f.rule}|{uri}|{f.pointer}|{f.message}".encode()).hexdigest()[:32]
        result = {
            "ruleId": f.rule,
            "level": LEVELS.get(f.severity, "warning"),
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "index": artifacts[uri]},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    },
                    "logicalLocations": [{"fullyQualifiedName": f.pointer or "/", "kind": "member"}],
                }
            ],
            "partialFingerprints": {"contractkitFinding/v1": fingerprint},
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        results.append(result)
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "contractkit",
                        "version": __version__,
                        "informationUri": "https://github.com/contractkit/contractkit",
                        "rules": [_descriptor(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": Path.cwd().resolve().as_uri() + os.sep.replace("\\", "/")}},
                "artifacts": [{"location": {"uri": uri}} for uri in artifacts],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
