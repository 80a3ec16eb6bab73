"""Plain text for a terminal: lint's ``file:line:column`` lines, diff's verdict and changes, and the
per-rule summary at the end of a verify run."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contractkit.conformance.outcomes import RunResult
    from contractkit.diff.model import DiffReport
    from contractkit.lint.runner import LintReport


def lint_summary(report: LintReport) -> str:
    files = len(report.files)
    parts = [f"{report.count('error')} errors", f"{report.count('warning')} warnings"]
    if report.count("info"):
        parts.append(f"{report.count('info')} notes")
    text = f"{files} file{'s' if files != 1 else ''} checked: " + ", ".join(parts)
    if report.silenced:
        text += f" ({report.silenced} silenced)"
    return text


def render_lint_text(report: LintReport) -> str:
    lines = [f"{f.file}:{f.line}:{f.column}: {f.severity} {f.rule} {f.message} [#{f.pointer}]" for f in report.findings]
    lines.append(lint_summary(report))
    return "\n".join(lines) + "\n"


def operations_text(ops: set[str], limit: int = 2) -> str:
    if not ops:
        return ""
    ordered = sorted(ops)
    more = len(ordered) - limit
    return ", ".join(ordered[:limit]) + (f" (+{more} more)" if more > 0 else "")


def diff_headline(report: DiffReport) -> str:
    s = report.summary
    versions = f"{report.base.version or '?'} -> {report.head.version or '?'}"
    return (f"{report.head.title or report.head.name} {versions}: {s['breaking']} breaking, "
            f"{s['possibly-breaking']} possibly breaking, {s['non-breaking']} non-breaking")


def render_diff_text(report: DiffReport) -> str:
    from contractkit.diff.model import CLASSIFICATIONS

    lines = [diff_headline(report)]
    if report.gate:
        verdict = "holds" if report.gate.passed else "FAILS"
        lines.append(f"semver gate (--fail-on {report.gate.fail_on}) {verdict}: {report.gate.reason}")
    lines += [f"note: {n}" for n in report.notes]
    for cls in CLASSIFICATIONS:
        group = [c for c in report.changes if c.classification == cls]
        if not group:
            continue
        lines += ["", f"{cls} ({len(group)})"]
        for c in group:
            ops = operations_text(c.operations)
            lines.append(f"  {c.where()}: {c.id}: {c.display}" + (f"  [{ops}]" if ops else ""))
    if not report.changes:
        lines.append("no changes to the interface")
    return "\n".join(lines) + "\n"


def render_verify_summary(result: RunResult, *, color: bool = False) -> list[str]:
    """The per-rule summary printed at the end of a verify run."""
    from contractkit.conformance.outcomes import Status
    from contractkit.conformance.redaction import redact

    label = {Status.PASSED: "PASS", Status.FAILED: "FAIL", Status.NOT_VERIFIED: "N/V ", Status.WARNING: "WARN"}
    colors = {Status.PASSED: "32", Status.FAILED: "31;1", Status.NOT_VERIFIED: "33", Status.WARNING: "35"}

    def paint(status: Status, text: str) -> str:
        return f"\x1b[{colors[status]}m{text}\x1b[0m" if color else text

    lines = [f"contractkit verify {result.kind}: {result.target} "
             f"(profile {result.meta.get('profile', '?')}, seed {result.meta.get('seed', '?')}, "
             f"{result.duration_s:.1f} s)"]
    width = max((len(r.rule_id) for r in result.rules), default=10)
    for rule in result.rules:
        counts = rule.counts()
        tally = f"{counts['passed']}/{sum(counts.values())}"
        shown = "PART" if rule.partial and rule.status is Status.PASSED else label[rule.status]
        evidence = f"  ({rule.examined})" if rule.examined and rule.status is Status.PASSED else ""
        lines.append(f"  {paint(rule.status if shown != 'PART' else Status.NOT_VERIFIED, shown)}  "
                     f"{rule.rule_id:<{width}}  {rule.title}  [{tally}]{evidence}")
        if rule.status in (Status.FAILED, Status.WARNING):
            for outcome in rule.outcomes:
                if outcome.status is rule.status:
                    where = f"{outcome.operation}: " if outcome.operation else ""
                    lines.append(f"        {where}{first_line(outcome.message)}")
        elif rule.status is Status.NOT_VERIFIED:
            for reason in rule.reasons[:3]:
                lines.append(f"        {first_line(reason)}")
        elif rule.partial:
            reasons = sorted({o.message for o in rule.outcomes if o.status is Status.NOT_VERIFIED and o.message}
                             | {o.examined.unchecked for o in rule.outcomes if o.examined and o.examined.unchecked})
            for reason in reasons[:3]:
                lines.append(f"        partly not verified: {first_line(reason)}")
    totals = result.totals()
    partial = sum(1 for r in result.rules if r.partial and r.status is Status.PASSED)
    lines.append(
        f"{totals['passed'] - partial} passed, {partial} partial, {totals['failed']} failed, "
        f"{totals['not_verified']} not verified, {totals['warning']} warnings"
        + (" (--require-all: not verified counts as failed)" if result.require_all else "")
    )
    if isinstance(result.meta.get("spend"), dict):
        from contractkit.conformance.budget import describe_spend

        lines += describe_spend(result.meta["spend"])
    if result.meta.get("fatal"):
        lines.append(f"run stopped: {result.meta['fatal']}")
    return [redact(line) for line in lines]


def first_line(text: str, limit: int = 160) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."
