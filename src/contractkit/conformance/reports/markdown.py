"""The Markdown summary: a table per rule and the failures' details (for PRs and job summaries)."""

from __future__ import annotations

from contractkit.conformance.outcomes import RunResult, Status
from contractkit.conformance.redaction import redact

_ICON = {Status.PASSED: "✅ passed", Status.FAILED: "❌ failed", Status.NOT_VERIFIED: "⚪ not verified",
         Status.WARNING: "⚠️ warning"}


def render_markdown(result: RunResult) -> str:
    totals = result.totals()
    verdict = "✅ all rules hold" if result.ok else "❌ the target breaks the contract"
    out = [
        f"## contractkit verify {result.kind}: {verdict}",
        "",
        f"Target `{result.target}`, profile `{result.meta.get('profile', '?')}`, {result.duration_s:.1f} s: "
        f"**{totals['passed']}** passed, **{totals['failed']}** failed, **{totals['not_verified']}** not verified, "
        f"**{totals['warning']}** warnings.",
        "",
        "| rule | status | title | note |",
        "| --- | --- | --- | --- |",
    ]
    for rule in result.rules:
        note = ""
        if rule.status is not Status.PASSED:
            note = "; ".join(_cell(r) for r in rule.reasons[:2])
        out.append(f"| `{rule.rule_id}` | {_ICON[rule.status]} | {_cell(rule.title)} | {note} |")
    failed = result.by_status(Status.FAILED)
    if failed:
        out += ["", "### Failures", ""]
        for rule in failed:
            for outcome in rule.outcomes:
                if outcome.status is not Status.FAILED:
                    continue
                where = f" on `{outcome.operation}`" if outcome.operation else ""
                out += [f"**{rule.rule_id}**{where}: {_cell(outcome.message)}", ""]
                if outcome.evidence and outcome.evidence.curl:
                    out += ["```sh", outcome.evidence.curl, "```", ""]
    if result.meta.get("fatal"):
        out += ["", f"Run stopped: {result.meta['fatal']}"]
    return redact("\n".join(out) + "\n")


def _cell(text: str) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")[:300]
