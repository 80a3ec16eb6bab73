"""How an MCP refusal rule judges one probe: the one place every refusal goes through.

A refusal proves something only when it is the refusal the rule is about: the status the rule
names (401 for a missing or forged token, 403 for a missing scope or a foreign Origin, ...),
after the same request sent right was served (the positive control, ``McpTarget.positive_control``).
A 429 says the server is busy and an unanswered probe says nothing, so both leave the rule
"not verified" (rate-limited, unanswered), never a refusal and never a failure; any other status
is the target's answer, and breaks the rule.

Every control and every judged refusal is recorded in the run's evidence ledger
(``contractkit.conformance.ledger``): the subject is the server (``http``: its endpoint over raw
HTTP) or a tool (``tools/call``), so the plugin holds each refusal rule's pass to a control that
succeeded for the same subject and method.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from contractkit.conformance.http import Exchange
from contractkit.conformance.ledger import LEDGER
from contractkit.conformance.outcomes import NotVerified, Violation

ENDPOINT = "http"  # the method of a probe of the MCP endpoint over raw HTTP
CALL = "tools/call"  # the method of a probe of one tool


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


def control(target: Any, exchange: Any, *, subject: str | None = None, method: str = ENDPOINT,
            ok: bool | None = None) -> bool:
    """Record a positive control (the request sent right) for ``subject`` (default: the server) by
    ``method``; True when it was served (a 2xx, or ``ok`` for a call over the SDK session)."""
    return LEDGER.control(subject or target.contract.name, method, exchange, ok=ok)


def expect(target: Any, exchange: Exchange, statuses: Collection[Any], what: str, *,
           operation: str = "initialize", subject: str | None = None, method: str = ENDPOINT) -> None:
    """``exchange`` must be refused with one of ``statuses``: returns if so; raises ``NotVerified``
    (429, unanswered) or ``Violation`` (served, or refused with another status) otherwise."""
    LEDGER.refused(subject or target.contract.name, method, exchange, statuses)
    skipped = unjudged(exchange, what)
    if skipped is not None:
        raise skipped
    if exchange.status not in statuses:
        wanted = " or ".join(str(s) for s in sorted(statuses))
        raise Violation(f"{what}: expected {wanted}, got {exchange.status}", operation=operation,
                        evidence=exchange.evidence())


def refused_call(tool: str, outcome: Any, got: str) -> None:
    """Record one invalid call of ``tool`` over the SDK session and how it was refused
    (``tool error``, ``-32602``; anything else is not the refusal MCP-CALL-002 is about)."""
    LEDGER.refused(tool, CALL, outcome, CALL_REFUSALS, got=got)


CALL_REFUSALS = frozenset({"tool error", "-32602"})
