"""Markdown for pull-request comments and job summaries: diff's verdict and change tables, and
verify's per-rule table with the failures' reproductions.

GitHub caps a comment at 65,536 characters, so diff details stop at ``MAX_ROWS`` rows per class
with a count of the rest (the JSON output always has everything); non-breaking changes are folded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contractkit.reports.text import diff_headline, operations_text

if TYPE_CHECKING:
    from contractkit.conformance.outcomes import RunResult
    from contractkit.diff.model import DiffReport

MAX_ROWS = 60
DIFF_ICON = {"breaking": "🔴", "possibly-breaking": "🟠", "non-breaking": "🟢"}
DIFF_MARKER = "<!-- contractkit-diff -->"


def cell(text: object, limit: int | None = None) -> str:
    """Text for a table cell: one line, pipes escaped."""
    out = " ".join(str(text or "").split()).replace("|", "\\|")
    return out[:limit] if limit else out


def render_diff_markdown(report: DiffReport) -> str:
    from contractkit.diff.model import CLASSIFICATIONS
    from contractkit.diff.registry import CHANGE_KINDS

    out = [DIFF_MARKER, f"### contractkit diff: {cell(report.head.name)}", "", f"**{cell(diff_headline(report))}**", ""]
    if report.gate:
        mark = "✅ holds" if report.gate.passed else "❌ fails"
        out += [f"Semver gate (`--fail-on {report.gate.fail_on}`) {mark}: {cell(report.gate.reason)}. "
                f"Required bump: **{report.gate.required_bump}**, made: **{report.gate.actual_bump}**.", ""]
    out += [f"> {n}" for n in report.notes]
    out += ["| classification | changes |", "| --- | ---: |"]
    out += [f"| {DIFF_ICON[c]} {c} | {report.count(c)} |" for c in CLASSIFICATIONS]
    counts: dict[str, int] = {}
    for change in report.changes:
        counts[change.id] = counts.get(change.id, 0) + 1
    if counts:
        out += ["", "| change kind | count |", "| --- | ---: |"]
        out += [f"| `{k}` {cell(CHANGE_KINDS.get(k).title)} | {n} |"
                for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    for cls in CLASSIFICATIONS:
        group = [c for c in report.changes if c.classification == cls]
        if not group:
            continue
        fold = cls == "non-breaking"
        out += [""]
        out += [f"<details><summary>{DIFF_ICON[cls]} {cls} ({len(group)})</summary>", ""] if fold else [
            f"#### {DIFF_ICON[cls]} {cls} ({len(group)})", ""]
        out += ["| id | change | operations | where |", "| --- | --- | --- | --- |"]
        for c in group[:MAX_ROWS]:
            out.append(f"| `{c.id}` | {cell(c.display)} | {cell(operations_text(c.operations))} | "
                       f"`{cell(c.where())}` |")
        if len(group) > MAX_ROWS:
            out.append(f"| … | {len(group) - MAX_ROWS} more (see the JSON report) | | |")
        if fold:
            out += ["", "</details>"]
    if not report.changes:
        out += ["", "No changes to the interface."]
    return "\n".join(out) + "\n"


def render_verify_markdown(result: RunResult) -> str:
    from contractkit.conformance.outcomes import Status
    from contractkit.conformance.redaction import redact

    icon = {Status.PASSED: "✅ passed", Status.FAILED: "❌ failed", Status.NOT_VERIFIED: "⚪ not verified",
            Status.WARNING: "⚠️ warning"}
    totals = result.totals()
    verdict = "✅ all rules hold" if result.ok else "❌ the target breaks the contract"
    out = [
        f"## contractkit verify {result.kind}: {verdict}",
        "",
        f"Target `{result.target}`, profile `{result.meta.get('profile', '?')}`, "
        f"seed `{result.meta.get('seed', '?')}`, {result.duration_s:.1f} s: **{totals['passed']}** passed, "
        f"**{totals['failed']}** failed, "
        f"**{totals['not_verified']}** not verified, **{totals['warning']}** warnings.",
        "",
        "| rule | status | title | note |",
        "| --- | --- | --- | --- |",
    ]
    for rule in result.rules:
        if rule.status is not Status.PASSED:
            note = "; ".join(cell(r, 300) for r in rule.reasons[:2])
        else:
            unchecked = sorted({o.message for o in rule.outcomes if o.status is Status.NOT_VERIFIED and o.message}
                               | {o.examined.unchecked for o in rule.outcomes if o.examined and o.examined.unchecked})
            note = cell(f"examined {rule.examined}" if rule.examined else "", 300)
            if rule.partial:
                note += cell(f"; partial: {'; '.join(unchecked[:2])}", 300)
        status = "⚠️ partial" if rule.partial and rule.status is Status.PASSED else icon[rule.status]
        out.append(f"| `{rule.rule_id}` | {status} | {cell(rule.title, 300)} | {note} |")
    failed = result.by_status(Status.FAILED)
    if failed:
        out += ["", "### Failures", ""]
        for rule in failed:
            for outcome in rule.outcomes:
                if outcome.status is not Status.FAILED:
                    continue
                where = f" on `{outcome.operation}`" if outcome.operation else ""
                out += [f"**{rule.rule_id}**{where}: {cell(outcome.message, 300)}", ""]
                if outcome.evidence and outcome.evidence.curl:
                    out += ["```sh", outcome.evidence.curl, "```", ""]
    if isinstance(result.meta.get("spend"), dict):
        from contractkit.conformance.budget import describe_spend

        out += ["", "Spend: " + " ".join(line[0].upper() + line[1:] + "." for line in describe_spend(
            result.meta["spend"]))]
    if result.meta.get("seed") is not None:
        out += ["", f"Repeat these cases with `--seed {result.meta['seed']}`."]
    if result.meta.get("fatal"):
        out += ["", f"Run stopped: {result.meta['fatal']}"]
    return redact("\n".join(out) + "\n")
