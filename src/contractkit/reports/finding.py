"""The one finding model every report is written from, and how lint, diff and verify produce it.

A ``Finding`` is one thing a reviewer should look at: a lint finding, a diff change, a failed or
warning outcome of a live rule. It says which rule, how serious (``level``: the SARIF and GitHub
vocabulary, error / warning / note, beside the tool's own word in ``severity``), what, and where
in which spec file (line, column and JSON pointer), so that SARIF, GitHub annotations and JUnit
are each written once for the three tools.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from contractkit.registry import RuleInfo

if TYPE_CHECKING:
    from contractkit.conformance.options import VerifyOptions
    from contractkit.conformance.outcomes import RunResult
    from contractkit.diff.model import DiffReport
    from contractkit.lint.runner import LintReport

LINT_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
DIFF_LEVEL = {"breaking": "error", "possibly-breaking": "warning", "non-breaking": "note"}


@dataclass(frozen=True)
class Finding:
    tool: str
    rule: str
    title: str
    severity: str
    level: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    pointer: str = ""
    subject: str = ""
    evidence: str = ""

    @property
    def where(self) -> str:
        if not self.file:
            return ""
        return ":".join(str(p) for p in (self.file, self.line, self.column) if p is not None)


def lint_findings(report: LintReport) -> list[Finding]:
    return [Finding("lint", f.rule, f.title, f.severity, LINT_LEVEL.get(f.severity, "warning"), f.message, f.file,
                    f.line, f.column, f.pointer) for f in report.findings]


def diff_findings(report: DiffReport) -> list[Finding]:
    from contractkit.reports.text import operations_text

    out = []
    for c in report.changes:
        name, line, column = c.location or (None, None, None)
        out.append(Finding("diff", c.id, c.title, c.classification, DIFF_LEVEL[c.classification], c.display, name,
                           line, column, c.pointer, operations_text(c.operations, limit=3)))
    return out


def verify_findings(result: RunResult, options: VerifyOptions | None = None) -> list[Finding]:
    """Failed and warning outcomes, placed at the operation or tool they concern in the spec under test."""
    from contractkit.conformance.outcomes import Status
    from contractkit.reports.verify_locations import SpecLocator

    locator = SpecLocator.for_run(result.kind, options)
    out = []
    for rule in result.rules:
        for o in rule.outcomes:
            if o.status not in (Status.FAILED, Status.WARNING):
                continue
            file, line, column, pointer = locator.place(o.operation)
            level = "error" if o.status is Status.FAILED else "warning"
            out.append(Finding("verify", rule.rule_id, rule.title, o.status.value, level, o.message, file, line,
                               column, pointer, o.operation or "", o.evidence.curl if o.evidence else ""))
    return out


def verify_rules(result: RunResult) -> list[RuleInfo]:
    """The rules of a run as registry entries (docs and tags from the registry when it knows them)."""
    from contractkit.conformance.kinds import KINDS

    kind = KINDS.get(result.kind)
    registry = kind.registry if kind is not None else None
    out: list[RuleInfo] = []
    for r in result.rules:
        if registry is not None and r.rule_id in registry:
            out.append(registry.get(r.rule_id))
        else:
            out.append(RuleInfo(r.rule_id, r.title, _severity(r.severity), r.clause))
    return out


def _severity(value: Any) -> Any:
    return value if value in ("error", "warning", "info") else "error"


def files_of(findings: Sequence[Finding], extra: Sequence[str] = ()) -> list[str]:
    return list(dict.fromkeys([*extra, *(f.file for f in findings if f.file)]))
