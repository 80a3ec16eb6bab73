"""How an MCP refusal rule judges one probe: the one place every refusal goes through.

A refusal proves something only when it is the refusal the rule is about: the status the rule
names (401 for a missing or forged token, 403 for a missing scope or a foreign Origin, ...),
after the same request sent right was served (the positive control, ``McpTarget.positive_control``).
A 429 says the server is busy and an unanswered probe says nothing, so both leave the rule
"not verified" (rate-limited, unanswered), never a refusal and never a failure; any other status
is the target's answer, and breaks the rule.

Every judged refusal is recorded on the target (``target.refusals``: rule, what, status, verdict),
so the run's evidence can say what was refused and how.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from contractkit.conformance.http import Exchange
from contractkit.conformance.outcomes import NotVerified, Violation


def unjudged(exchange: Exchange, what: str) -> NotVerified | None:
    """The not-verified reason of a probe whose answer judges nothing (429, no answer), or None."""
    if exchange.error:
        return NotVerified(f"unanswered: {what} got no answer ({exchange.error}), which is no refusal",
                           evidence=exchange.evidence())
    if exchange.status == 429:
        retry = exchange.headers.get("retry-after")
        return NotVerified(f"rate-limited: {what} got 429" + (f" (Retry-After {retry})" if retry else "")
                           + ", which is no refusal", evidence=exchange.evidence())
    return None


def expect(target: Any, exchange: Exchange, statuses: Collection[int], what: str, *,
           operation: str = "initialize") -> None:
    """``exchange`` must be refused with one of ``statuses``: returns if so; raises ``NotVerified``
    (429, unanswered) or ``Violation`` (served, or refused with another status) otherwise."""
    skipped = unjudged(exchange, what)
    verdict = "refused" if exchange.status in statuses else "not verified" if skipped else "violation"
    record(target, what, exchange.status or exchange.error, verdict)
    if skipped is not None:
        raise skipped
    if exchange.status not in statuses:
        wanted = " or ".join(str(s) for s in sorted(statuses))
        raise Violation(f"{what}: expected {wanted}, got {exchange.status}", operation=operation,
                        evidence=exchange.evidence())


def record(target: Any, what: str, got: Any, verdict: str) -> None:
    """Note one judged refusal on the target (what was probed, what came back, how it was judged)."""
    refusals = getattr(target, "refusals", None)
    if refusals is not None:
        refusals.append({"probe": what, "got": got, "verdict": verdict})
