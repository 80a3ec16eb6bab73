"""What an answer of the spec's operations reports it cost, for the run's spend budget: read by the
same usage reader the usage rules use (``neuron.usage``), so the budget and NEU-USE-001 never
disagree on a price."""

from __future__ import annotations

from contractkit.conformance.budget import Limits, SpendBudget
from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron.usage import readings, spend, where_reported
from contractkit.conformance.options import VerifyOptions
from contractkit.spec.neuron import NeuronSpec, Operation


class CostReader:
    """Reads what an answer of the spec's operations reports it cost (USD), or None when it says nothing."""

    def __init__(self, spec: NeuronSpec) -> None:
        self.spec = spec
        self._ops: dict[str, Operation] = {op.label: op for op in spec.operations}
        # a job's answers report the usage of the async operation that created the job
        self._job_of = {job.label: op for op in spec.operations
                        if op.job is not None and (job := spec.operation(op.job.operation or "")) is not None}

    def knows(self, label: str) -> bool:
        return label in self._ops

    def is_ai(self, label: str | None) -> bool:
        op = self._ops.get(label or "")
        return op is not None and op.ai is not None

    def is_acceptance(self, exchange: Exchange) -> bool:
        """Whether an answer accepts a job (its usage comes with the job's final answer)."""
        op = self._ops.get(exchange.operation or "")
        return op is not None and op.job is not None and exchange.status == op.job.accepted_status

    def cost(self, exchange: Exchange) -> tuple[float, str] | None:
        """(cost in USD, how it was read: ``reported`` or ``priced``) for an AI answer that reports usage
        (``neuron.usage``: the reader the usage rules use too); a job's answer counts for the operation
        that accepted it."""
        op = self._job_of.get(exchange.operation or "") or self._ops.get(exchange.operation or "")
        if op is None or op.ai is None:
            return None
        found = [read for read in (spend(self.spec, r) for r in readings(op, exchange)) if read is not None]
        if not found:
            return None
        return sum(c for c, _ in found), "priced" if any(h == "priced" for _, h in found) else "reported"

    def unreadable_ai_operations(self) -> list[str]:
        """AI operations whose answers' cost cannot be read (the spec does not say where usage is)."""
        return [op.label for op in self.spec.operations if op.ai is not None and where_reported(op) is None]


def budget_for(spec: NeuronSpec, options: VerifyOptions) -> SpendBudget:
    """The run's budget, from ``--max-requests`` / ``--max-cost-usd`` (or the profile's default)."""
    return SpendBudget(Limits(options.max_requests, options.max_cost_usd, options.max_requests_defaulted),
                       CostReader(spec))
