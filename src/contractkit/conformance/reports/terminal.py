"""The per-rule summary printed at the end of a run."""

from __future__ import annotations

from contractkit.conformance.outcomes import RunResult, Status
from contractkit.conformance.redaction import redact

_LABEL = {Status.PASSED: "PASS", Status.FAILED: "FAIL", Status.NOT_VERIFIED: "N/V ", Status.WARNING: "WARN"}
_COLOR = {Status.PASSED: "32", Status.FAILED: "31;1", Status.NOT_VERIFIED: "33", Status.WARNING: "35"}


def render_summary(result: RunResult, *, color: bool = False) -> list[str]:
    def paint(status: Status, text: str) -> str:
        return f"\x1b[{_COLOR[status]}m{text}\x1b[0m" if color else text

    lines = [f"contractkit verify {result.kind}: {result.target} "
             f"(profile {result.meta.get('profile', '?')}, seed {result.meta.get('seed', '?')}, "
             f"{result.duration_s:.1f} s)"]
    width = max((len(r.rule_id) for r in result.rules), default=10)
    for rule in result.rules:
        counts = rule.counts()
        tally = f"{counts['passed']}/{sum(counts.values())}"
        lines.append(f"  {paint(rule.status, _LABEL[rule.status])}  {rule.rule_id:<{width}}  {rule.title}  [{tally}]")
        if rule.status in (Status.FAILED, Status.WARNING):
            for outcome in rule.outcomes:
                if outcome.status is rule.status:
                    where = f"{outcome.operation}: " if outcome.operation else ""
                    lines.append(f"        {where}{_first_line(outcome.message)}")
        elif rule.status is Status.NOT_VERIFIED:
            for reason in rule.reasons[:3]:
                lines.append(f"        {_first_line(reason)}")
        elif rule.partial:
            reasons = sorted({o.message for o in rule.outcomes if o.status is Status.NOT_VERIFIED and o.message})
            lines.append(f"        partly not verified: {_first_line(reasons[0]) if reasons else ''}")
    totals = result.totals()
    lines.append(
        f"{totals['passed']} passed, {totals['failed']} failed, {totals['not_verified']} not verified, "
        f"{totals['warning']} warnings"
        + (" (--require-all: not verified counts as failed)" if result.require_all else "")
    )
    if result.meta.get("fatal"):
        lines.append(f"run stopped: {result.meta['fatal']}")
    return [redact(line) for line in lines]


def _first_line(text: str, limit: int = 160) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."
