"""The run's spend budget: how many requests the suite may send, and how much provider money the
target's answers may report, before the suite stops sending.

Users point the suite at staging, where every AI request costs provider money. Every request of
a neuron/ run draws on one ``SpendBudget`` (the HTTP client reserves before it sends, and settles
with the answer; each WebSocket connection is reserved too). When the budget has run out nothing
more is sent: the request that would have gone raises ``BudgetExhausted``, a ``NotVerified``, so
the rule that needed it is *not verified* with the reason, never failed.

The cost is what the answers report, where the spec says they report it (``x-ai-operation.usage``
for a whole answer, ``x-stream.usage`` for a stream's ending frame): ``cost_usd`` when the answer
gives it, else its token count priced by ``x-pricing`` (at its model tier, read by ``neuron.cost``
through the reader the usage rules use, or at the highest rate when the tier is unknown, so the cost
is never under-counted). A WebSocket turn's usage is not read by the client, so each WebSocket
connection counts against the cost limit at the most expensive answer seen so far (a bound, reported
apart from the reported cost). Before sending, the budget also keeps room for the requests already
in flight and the next one, each at the most expensive answer seen so far (for that operation once
it has answered; nothing for an operation without ``x-ai-operation``), so that a steady target stays
within ``--max-cost-usd`` instead of overshooting it by one answer; an answer dearer than every one
before it can still cross the limit, by at most its own cost.

The default request budget is what the chosen profile needs (``plan.default_max_requests``); there
is no default cost limit, since the kit cannot know a price before the target reports one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from contractkit.conformance.outcomes import NotVerified

if TYPE_CHECKING:
    from contractkit.conformance.http import Exchange
    from contractkit.conformance.options import VerifyOptions

# The default request budget: this many times the plan's estimate for the selected cases, plus a
# floor. The estimate is rough (a check may add controls and retries); the budget is a guard
# against a runaway run, not a second estimate.
HEADROOM = 3
FLOOR = 200


class BudgetExhausted(NotVerified):
    """The spend budget ran out before this request: nothing was sent, the rule is not verified."""


@dataclass(frozen=True)
class Limits:
    """The budget's two limits; None = no limit. ``defaulted`` says the request limit was not given."""

    max_requests: int | None = None
    max_cost_usd: float | None = None
    defaulted: bool = False


class Costs(Protocol):
    """What the budget needs to know of a spec's answers (``neuron.cost.CostReader`` reads them)."""

    def knows(self, label: str) -> bool: ...

    def is_ai(self, label: str | None) -> bool: ...

    def is_acceptance(self, exchange: Exchange) -> bool: ...

    def cost(self, exchange: Exchange) -> tuple[float, str] | None: ...


class SpendBudget:
    """What the run may still send, and what it has sent and been told it cost. Thread-safe.

    ``reserve`` before each request (raises ``BudgetExhausted`` once the budget has run out, and
    from then on for every request), ``settle`` with its exchange (adds the cost it reports).
    """

    def __init__(self, limits: Limits | None = None, costs: Costs | None = None) -> None:
        self.limits = limits or Limits()
        self.costs = costs
        self.requests = 0
        self.cost_usd = 0.0
        self.estimated_usd = 0.0
        self.priced_answers = 0
        self.unpriced_ai_answers = 0
        self.websocket_connections = 0
        self.exhausted: str | None = None
        self.refused = 0
        self._largest = 0.0
        self._per_operation: dict[str, float] = {}
        self._in_flight = 0
        self._lock = threading.Lock()

    def reserve(self, operation: str | None = None) -> None:
        """Count one request about to be sent, or raise ``BudgetExhausted`` and send nothing."""
        with self._lock:
            free = self.costs is not None and operation is not None and self.costs.knows(operation) \
                and not self.costs.is_ai(operation)  # a probe, a listing: no provider behind it
            self._check_locked(0.0 if free else self._per_operation.get(operation or "", self._largest))
            self.requests += 1
            self._in_flight += 1

    def reserve_websocket(self) -> None:
        """Count one WebSocket connection about to be opened (its turns' usage is not read: it is
        counted at the most expensive answer seen so far)."""
        with self._lock:
            self._check_locked(self._largest)
            self.requests += 1
            self.websocket_connections += 1
            self.estimated_usd += self._largest

    def settle(self, exchange: Exchange) -> None:
        """Add what the answer to a reserved request reports it cost."""
        read = None
        if self.costs is not None:
            try:
                read = self.costs.cost(exchange)
            except Exception:  # a hostile body must not break the accounting; its cost is unknown
                read = None
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            if read is not None:
                cost, _ = read
                self.cost_usd += cost
                self.priced_answers += 1
                self._largest = max(self._largest, cost)
                label = exchange.operation or ""
                self._per_operation[label] = max(self._per_operation.get(label, 0.0), cost)
            elif (self.costs is not None and self.costs.is_ai(exchange.operation) and exchange.ok
                  and 200 <= (exchange.status or 0) < 300 and not self.costs.is_acceptance(exchange)):
                self.unpriced_ai_answers += 1

    def _check_locked(self, next_cost: float) -> None:
        if self.exhausted is None:
            self.exhausted = self._why_exhausted_locked(next_cost)
        if self.exhausted is not None:
            self.refused += 1
            raise BudgetExhausted(self.exhausted)

    def _why_exhausted_locked(self, next_cost: float) -> str | None:
        limits = self.limits
        if limits.max_requests is not None and self.requests >= limits.max_requests:
            return f"the request budget ({limits.max_requests}) ran out"
        if limits.max_cost_usd is not None:
            spent = self.cost_usd + self.estimated_usd
            room = self._in_flight * self._largest + next_cost  # the answers in flight, and this one
            if spent >= limits.max_cost_usd or spent + room > limits.max_cost_usd:
                return (f"the cost budget (USD {limits.max_cost_usd:g}) ran out (USD {spent:.6f} spent so far; "
                        f"the next answer could cost up to USD {next_cost:.6f})")
        return None

    def meta(self) -> dict[str, Any]:
        """What the reports say about the run's spend (the JSON report's ``meta.spend``)."""
        with self._lock:
            return {
                "requests_sent": self.requests,
                "max_requests": self.limits.max_requests,
                "max_requests_defaulted": self.limits.defaulted,
                "cost_usd": round(self.cost_usd, 6),
                "websocket_cost_bound_usd": round(self.estimated_usd, 6),
                "max_cost_usd": self.limits.max_cost_usd,
                "priced_answers": self.priced_answers,
                "unpriced_ai_answers": self.unpriced_ai_answers,
                "websocket_connections": self.websocket_connections,
                "exhausted": self.exhausted,
                "refused_requests": self.refused,
            }


def describe_limits(options: VerifyOptions) -> str:
    """One line for ``--plan`` and the start of a run: the budget in force."""
    if options.max_requests is None:
        requests = "no request limit"
    else:
        requests = f"at most {options.max_requests} requests" + (
            f" (the default for profile {options.profile.name}: {HEADROOM} x the estimate, at least {FLOOR}; "
            "set --max-requests)" if options.max_requests_defaulted else "")
    cost = (f"at most USD {options.max_cost_usd:g} of reported cost" if options.max_cost_usd is not None
            else "no cost limit (set --max-cost-usd)")
    return f"budget: {requests}; {cost}"


def describe_spend(spend: dict[str, Any]) -> list[str]:
    """Lines for the terminal summary and the Markdown report, from ``meta["spend"]``."""
    limit = spend.get("max_requests")
    sent = f"{spend.get('requests_sent', 0)} requests sent" + (f" (budget {limit})" if limit is not None else "")
    cost = f"USD {spend.get('cost_usd', 0):.6f} cost reported"
    if spend.get("max_cost_usd") is not None:
        cost += f" (budget USD {spend['max_cost_usd']:g})"
    lines = [f"{sent}; {cost}"]
    if spend.get("websocket_connections"):
        lines.append(f"{spend['websocket_connections']} of the requests were WebSocket connections, whose usage is "
                     f"not read: counted against the cost budget at up to USD "
                     f"{spend.get('websocket_cost_bound_usd', 0):.6f}")
    if spend.get("unpriced_ai_answers"):
        lines.append(f"{spend['unpriced_ai_answers']} AI answers reported no usage: their cost is not counted")
    if spend.get("exhausted"):
        lines.append(f"{spend['exhausted']}: {spend.get('refused_requests', 0)} requests were not sent, "
                     "and the rules that needed them are not verified")
    return lines
