"""The live conformance suite's library: checks, outcome recording, the pytest plugin, reports.

How a check reports (see docs/verify.md, "How to write a check")::

    from contractkit.conformance import NotVerified, RuleWarning, Violation
    from contractkit.conformance.registry import NEURON_CHECKS

    @NEURON_CHECKS.register("NEU-XYZ-001", "One-line title", clause="the spec clause it enforces")
    def my_check(neuron, operation) -> None:
        '''What it does / Why / Example (the rule's doc).'''
        exchange = neuron.call(operation, body=neuron.valid_body(operation))
        if exchange.status != 200:
            raise Violation("what is wrong", evidence=exchange.evidence(), operation=operation.label)

The pytest module in ``conformance/`` marks its test with ``@pytest.mark.rule("NEU-XYZ-001")``.
"""

from contractkit.conformance.outcomes import (
    Evidence,
    NotVerified,
    Outcome,
    RuleResult,
    RuleWarning,
    RunResult,
    Status,
    Violation,
)
from contractkit.conformance.redaction import REDACTOR, redact

__all__ = [
    "REDACTOR",
    "Evidence",
    "NotVerified",
    "Outcome",
    "RuleResult",
    "RuleWarning",
    "RunResult",
    "Status",
    "Violation",
    "redact",
]
