"""The evidence ledger: what a run has proved about each subject, and what each case counted.

A check records facts here as it works, and the plugin holds each pass to its rule's kind
(``contractkit.conformance.registry.RULE_KINDS``) before it becomes "passed":

* ``control(subject, method, exchange)``: a positive control; it counts when it succeeded (2xx,
  or ``ok=True`` for a channel that is not HTTP). A fact of the run: later cases can rely on it.
* ``refused(subject, method, exchange, expected)``: one probe of a refusal rule, classified. The
  statuses the rule is about count as a refusal; a 429 or no answer at all is "unanswered" (it
  proves nothing either way, never a refusal and never a failure); anything else is "other", which
  the check turns into its violation.
* ``fault(exchange, mode)``: a provider fault reached this very request. ``count(exchange)``: a
  fault rule counted this answer.

``settle`` is the plugin's judgement of a pass: a refusal rule needs at least one refusal and a
control for the (subject, method) of each; a fault rule needs at least one counted answer, each
with a fault attributed to it; an audit needs its subject served once. A pass that lacks its
evidence is "not verified" with the reason, and under ``CONTRACTKIT_STRICT_EVIDENCE=1`` (the
project's own tests) an internal error, exit 3: a new check cannot forget its control.

Exchanges are told apart by identity (the ledger holds the objects, so an id is never reused),
and ``Examined`` counts built with ``examined_of`` count distinct exchanges only.
"""

from __future__ import annotations

import enum
import os
import threading
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from contractkit.conformance.outcomes import Examined, NotVerified

STRICT_ENV = "CONTRACTKIT_STRICT_EVIDENCE"
# A refusal for bad input: these statuses, or a 4xx the operation declares for it (``validation_statuses``).
VALIDATION_STATUSES = frozenset({400, 413, 415, 422})
# Statuses that say nothing about the input: auth, routing and load refusals.
NOT_VALIDATION = frozenset({401, 403, 404, 405, 429})
_NO_STATUS: Any = object()


class Verdict(enum.StrEnum):
    REFUSED = "refused"
    UNANSWERED = "unanswered"  # 429 or no answer: not verified, never a refusal, never a failure
    OTHER = "other"  # an answer the rule is not about: the check's violation


class EvidenceError(Exception):
    """A check claimed a pass without the evidence its rule's kind needs (a defect of the check)."""


@dataclass
class Refusal:
    subject: str
    method: str
    exchange: Any
    got: int | None
    verdict: Verdict


@dataclass
class CaseRecord:
    """What one test case recorded: its refusals and the answers it counted under faults."""

    rule_id: str
    kind: str
    subject: str
    refusals: list[Refusal] = field(default_factory=list)
    counted: list[Any] = field(default_factory=list)


class Ledger:
    """One per run (per process): the facts of the run, and the record of the case being run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.controls: set[tuple[str, str]] = set()
            self.faults: dict[int, str] = {}
            self._held: dict[int, Any] = {}
            self.case: CaseRecord | None = None

    @contextmanager
    def open_case(self, rule_id: str, kind: str, subject: str) -> Iterator[CaseRecord]:
        record = CaseRecord(rule_id, kind, subject)
        with self._lock:
            saved, self.case = self.case, record
        try:
            yield record
        finally:
            with self._lock:
                self.case = saved

    def _hold(self, exchange: Any) -> int:
        key = id(exchange)
        self._held[key] = exchange
        return key

    def control(self, subject: str, method: str, exchange: Any, *, ok: bool | None = None) -> bool:
        """Record a positive control for (subject, method); True when it succeeded."""
        succeeded = ok if ok is not None else _is_2xx(exchange)
        if succeeded:
            with self._lock:
                self._hold(exchange)
                self.controls.add((subject, method))
        return succeeded

    def has_control(self, subject: str, method: str | None = None) -> bool:
        with self._lock:
            return any(s == subject and (method is None or m == method) for s, m in self.controls)

    def refused(self, subject: str, method: str, exchange: Any, expected: Collection[int],
                got: Any = _NO_STATUS) -> Verdict:
        """Classify one probe of a refusal rule. ``got`` defaults to the exchange's HTTP status (None:
        no answer); channels that are not HTTP pass what they saw (a close code, a handshake status)."""
        status = (exchange.status if exchange.ok else None) if got is _NO_STATUS else got
        if status in expected:
            verdict = Verdict.REFUSED
        elif status is None or status == 429:
            verdict = Verdict.UNANSWERED
        else:
            verdict = Verdict.OTHER
        with self._lock:
            self._hold(exchange)
            if self.case is not None:
                self.case.refusals.append(Refusal(subject, method, exchange, status, verdict))
        return verdict

    def fault(self, exchange: Any, mode: str) -> None:
        """A provider fault (``mode``) reached the request of ``exchange``."""
        with self._lock:
            self.faults[self._hold(exchange)] = mode

    def attributed(self, exchange: Any) -> str | None:
        with self._lock:
            return self.faults.get(id(exchange)) if id(exchange) in self._held else None

    def count(self, exchange: Any) -> None:
        """A fault rule counts this answer (it must carry an attribution by the time the case passes)."""
        with self._lock:
            self._hold(exchange)
            if self.case is not None:
                self.case.counted.append(exchange)


LEDGER = Ledger()


def _is_2xx(exchange: Any) -> bool:
    status = getattr(exchange, "status", None)
    return bool(getattr(exchange, "ok", True)) and status is not None and 200 <= status < 300


def strict() -> bool:
    """Whether a pass without its evidence is an internal error (the project's tests) or not verified."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes"}


def distinct(exchanges: Iterable[Any]) -> list[Any]:
    """The exchanges once each, in order (the same exchange judged twice is one exchange)."""
    seen: set[int] = set()
    out = []
    for exchange in exchanges:
        if id(exchange) not in seen:
            seen.add(id(exchange))
            out.append(exchange)
    return out


def examined_of(exchanges: Iterable[Any], what: str, detail: str = "", unchecked: str = "") -> Examined:
    """An ``Examined`` counting distinct exchanges: over-counting cannot be written."""
    return Examined(len(distinct(exchanges)), what, detail, unchecked)


def settle(record: CaseRecord, examined: Examined, *, any_control: bool) -> Examined:
    """Hold a case's pass to its kind; the pass as it may be reported, or raise.

    Raises ``NotVerified`` when the target gave the rule nothing it can stand on (every probe
    rate-limited or unanswered), ``EvidenceError`` when the check claimed a pass it had not earned.
    ``any_control``: whether the run has a successful control for anything (run-wide audits).
    """
    if record.kind == "refusal":
        return _settle_refusal(record, examined)
    if record.kind == "fault":
        return _settle_fault(record, examined)
    if record.kind == "audit":
        served = LEDGER.has_control(record.subject) if record.subject else any_control
        if not served:
            raise EvidenceError(f"{record.rule_id} (an audit) passed on {record.subject or 'the target'} without a "
                                "positive control: nothing shows that the target served it once")
    return examined


def _settle_refusal(record: CaseRecord, examined: Examined) -> Examined:
    where = f"{record.rule_id} (a refusal rule) on {record.subject or 'the target'}"
    other = [r for r in record.refusals if r.verdict is Verdict.OTHER]
    if other:
        raise EvidenceError(f"{where} passed although a probe got {other[0].got}, which is not the refusal it "
                            "is about")
    counted = [r for r in record.refusals if r.verdict is Verdict.REFUSED]
    unanswered = distinct(r.exchange for r in record.refusals if r.verdict is Verdict.UNANSWERED)
    if not counted:
        if unanswered:
            raise NotVerified(f"rate-limited/unanswered: {len(unanswered)} probes got 429 or no answer, so no "
                              "refusal was seen")
        raise EvidenceError(f"{where} passed without recording a refusal")
    uncontrolled = sorted({(r.subject, r.method) for r in counted if not LEDGER.has_control(r.subject, r.method)})
    if uncontrolled:
        subject, method = uncontrolled[0]
        raise EvidenceError(f"{where} passed without a positive control that succeeded for {subject} by {method}")
    note = f"{len(unanswered)} probes rate-limited/unanswered (429 or no answer)" if unanswered else ""
    unchecked = "; ".join(p for p in (examined.unchecked, note) if p)
    return replace(examined, count=len(distinct(r.exchange for r in counted)), unchecked=unchecked)


def _settle_fault(record: CaseRecord, examined: Examined) -> Examined:
    where = f"{record.rule_id} (a fault rule) on {record.subject or 'the target'}"
    counted = distinct(record.counted)
    if not counted:
        raise EvidenceError(f"{where} passed without counting an answer under a fault")
    blind = [e for e in counted if LEDGER.attributed(e) is None]
    if blind:
        raise EvidenceError(f"{where} passed counting {len(blind)} answers with no fault attributed to their request")
    return examined


def evidence_failure(message: str) -> NotVerified:
    """A pass without its evidence, in a user's run: not verified, saying so."""
    return NotVerified(f"the check passed without the evidence its rule needs ({message}); please report this")
