"""What a check concludes, as data: passed, failed, not verified (with the reason) or warning.

A check signals a pass by returning an ``Examined`` (what it looked at, how many) and any other
conclusion by raising one of the three exceptions below; the pytest plugin turns each test's
conclusion into an ``Outcome`` keyed by rule id, and ``RunResult`` folds the outcomes of one run
into one status per rule. Every report (terminal, JSON, Markdown, SARIF, the self-test matrix) is
rendered from a ``RunResult``.

Folding, per rule: any failure -> failed; else any warning -> warning; else any pass -> passed;
else not verified. A rule that passed on some operations and could not be checked on others, or
whose ``Examined`` names something it could not examine, is ``partial``: it counts as not verified
under ``--require-all``. A check that examined nothing is not verified, and a rule that was
selected but that no test exercised is not verified too: "passed" is only ever said of something
actually checked, and the report says what and how much.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any


class Status(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_VERIFIED = "not_verified"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass
class Evidence:
    """What was sent and what came back, already redacted, plus a curl reproduction."""

    request: str = ""
    response: str = ""
    curl: str = ""
    notes: list[str] = field(default_factory=list)

    def as_text(self) -> str:
        parts = []
        if self.request:
            parts.append(f"sent:\n{_indent(self.request)}")
        if self.response:
            parts.append(f"received:\n{_indent(self.response)}")
        parts.extend(self.notes)
        if self.curl:
            parts.append(f"reproduce with:\n{_indent(self.curl)}")
        return "\n".join(parts)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


@dataclass(frozen=True)
class Examined:
    """The evidence behind a pass: what a check looked at and how much of it.

    ``what`` is a plural noun ("requests", "frames", "tool calls", "audit records"); ``detail``
    breaks the count down ("20 generated, 5 from the examples; 2 refused by the server");
    ``unchecked`` names what could not be examined and why, which makes the rule partial.
    """

    count: int
    what: str
    detail: str = ""
    unchecked: str = ""

    def text(self) -> str:
        out = f"{self.count} {self.what}" + (f" ({self.detail})" if self.detail else "")
        return out + (f"; not examined: {self.unchecked}" if self.unchecked else "")


class CheckSignal(Exception):
    """Base of the three ways a check ends other than passing."""

    status: Status = Status.FAILED

    def __init__(self, message: str, *, evidence: Evidence | None = None, operation: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.evidence = evidence
        self.operation = operation


class Violation(CheckSignal):
    """The target breaks the rule. ``evidence`` shows the exchange; ``operation`` names where."""

    status = Status.FAILED


class NotVerified(CheckSignal):
    """The rule could not be checked on this target (no credentials, no fault hook, ...): say why."""

    status = Status.NOT_VERIFIED


class RuleWarning(CheckSignal):
    """The target is within the contract but does something a reviewer should see."""

    status = Status.WARNING


@dataclass
class Outcome:
    """The conclusion of one test (one rule, usually one operation)."""

    rule_id: str
    status: Status
    test_id: str
    operation: str | None = None
    message: str = ""
    evidence: Evidence | None = None
    duration_s: float = 0.0
    examined: Examined | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data


@dataclass
class RuleResult:
    """One rule's folded status over a run, with every outcome that led to it."""

    rule_id: str
    title: str
    clause: str
    severity: str
    kind: str
    status: Status
    outcomes: list[Outcome]

    @property
    def reasons(self) -> list[str]:
        return sorted({o.message for o in self.outcomes if o.status is self.status and o.message})

    @property
    def partial(self) -> bool:
        """Checked somewhere, but not verified on some operations."""
        if self.status is Status.NOT_VERIFIED:
            return False
        return any(o.status is Status.NOT_VERIFIED or (o.examined is not None and o.examined.unchecked)
                   for o in self.outcomes)

    @property
    def examined(self) -> str:
        """What the rule's passing outcomes examined, summed per kind of thing ("12 requests, 40 frames")."""
        totals: dict[str, int] = {}
        for o in self.outcomes:
            if o.examined is not None and o.status is not Status.NOT_VERIFIED:
                totals[o.examined.what] = totals.get(o.examined.what, 0) + o.examined.count
        return ", ".join(f"{n} {what}" for what, n in totals.items())

    def counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for o in self.outcomes:
            counts[o.status.value] += 1
        return counts


def fold(outcomes: Iterable[Outcome]) -> Status:
    statuses = {o.status for o in outcomes}
    for status in (Status.FAILED, Status.WARNING, Status.PASSED):
        if status in statuses:
            return status
    return Status.NOT_VERIFIED


@dataclass
class RunResult:
    """Every selected rule of one run, in registry order, and what the run was against."""

    target: str
    kind: str
    rules: list[RuleResult]
    duration_s: float = 0.0
    require_all: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def by_status(self, status: Status) -> list[RuleResult]:
        return [r for r in self.rules if r.status is status]

    @property
    def ok(self) -> bool:
        """True when the run must exit 0."""
        if self.by_status(Status.FAILED):
            return False
        return not (self.require_all and any(r.status is Status.NOT_VERIFIED or r.partial for r in self.rules))

    def totals(self) -> dict[str, int]:
        totals = {s.value: 0 for s in Status}
        for rule in self.rules:
            totals[rule.status.value] += 1
        return totals

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "kind": self.kind,
            "ok": self.ok,
            "require_all": self.require_all,
            "duration_s": round(self.duration_s, 3),
            "totals": self.totals(),
            "meta": self.meta,
            "rules": [
                {
                    "id": r.rule_id,
                    "title": r.title,
                    "clause": r.clause,
                    "severity": r.severity,
                    "kind": r.kind,
                    "status": r.status.value,
                    "partial": r.partial,
                    "examined": r.examined,
                    "counts": r.counts(),
                    "outcomes": [o.to_dict() for o in r.outcomes],
                }
                for r in self.rules
            ],
        }
