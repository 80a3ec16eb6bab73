"""SARIF 2.1.0 (OASIS), as GitHub code scanning and most IDEs read it, for lint, diff and verify.

Rule metadata (``tool.driver.rules``) comes from the registry; each result carries its rule
index, a physical location (artifact URI relative to the working folder, 1-based line and
column) and the JSON pointer as a logical location.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from contractkit import __version__
from contractkit.registry import RuleInfo
from contractkit.reports.finding import Finding, files_of

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
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def _descriptor(rule: RuleInfo) -> dict[str, Any]:
    doc = " ".join(rule.doc.split()) if rule.doc else rule.title
    return {
        "id": rule.id,
        "name": _rule_name(rule),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": doc},
        "help": {"text": f"{doc}\nEnforces: {rule.clause}"},
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
        "properties": {"tags": list(rule.tags), "clause": rule.clause},
    }


def _result(f: Finding, index: dict[str, int], artifacts: dict[str, int]) -> dict[str, Any]:
    location: dict[str, Any] = {"logicalLocations": [{"fullyQualifiedName": f.pointer or "/", "kind": "member"}]}
    if f.file:
        uri = artifact_uri(f.file)
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "index": artifacts[uri]}}
        if f.line is not None:
            physical["region"] = {"startLine": f.line, **({"startColumn": f.column} if f.column else {})}
        location = {"physicalLocation": physical, **location}
    where = f"{f.subject}: " if f.subject and f.tool == "verify" else ""
    key = f"{f.rule}|{artifact_uri(f.file) if f.file else ''}|{f.pointer}|{f.message}"
    key += f"|{f.subject}" if f.subject else ""
    fingerprint = hashlib.sha256(key.encode()).hexdigest()[:32]
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "level": f.level,
        "message": {"text": f"{where}{f.message}"},
        "locations": [location],
        "partialFingerprints": {"contractkitFinding/v1": fingerprint},
    }
    if f.rule in index:
        result["ruleIndex"] = index[f.rule]
    return result


def render_sarif(findings: Sequence[Finding], rules: Sequence[RuleInfo], files: Sequence[str] = (),
                 properties: dict[str, Any] | None = None) -> str:
    """The SARIF log of one run; ``files`` are the artifacts examined even when nothing was found there."""
    rules = list(rules)
    index = {rule.id: i for i, rule in enumerate(rules)}
    artifacts: dict[str, int] = {}
    for file in files_of(findings, files):
        artifacts.setdefault(artifact_uri(file), len(artifacts))
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "contractkit", "version": __version__,
                            "informationUri": "https://github.com/contractkit/contractkit",
                            "rules": [_descriptor(rule) for rule in rules]}},
        "originalUriBaseIds": {"SRCROOT": {"uri": Path.cwd().resolve().as_uri() + os.sep.replace("\\", "/")}},
        "artifacts": [{"location": {"uri": uri}} for uri in artifacts],
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, artifacts) for f in findings],
    }
    if properties:
        run["properties"] = properties
    return json.dumps({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"
