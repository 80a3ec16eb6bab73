"""The live conformance suite's library: checks, outcome recording, the pytest plugin, reports.

How a check reports (see docs/verify.md, "How to write a check")::

    from contractkit.conformance import Examined, NotVerified, RuleWarning, Violation
    from contractkit.conformance.registry import NEURON_CHECKS

    @NEURON_CHECKS.register("NEU-XYZ-001", "One-line title", kind="observation",
                            clause="the spec clause it enforces", applies="ai")
    def my_check(neuron, operation) -> Examined:
        '''What it does / Why / Example (the rule's doc).'''
        exchange = neuron.call(operation)   # a valid request built from the spec
        if exchange.status != 200:
            raise Violation("what is wrong", evidence=exchange.evidence(), operation=operation.label)
        return Examined(1, "requests")

Registering is all the wiring: the pytest plugin generates one case per rule and subject, and
the module is imported by its kind (``neuron/kind.py``, ``mcp/kind.py``).
"""

from contractkit.conformance.outcomes import (
    Evidence,
    Examined,
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
    "Examined",
    "NotVerified",
    "Outcome",
    "RuleResult",
    "RuleWarning",
    "RunResult",
    "Status",
    "Violation",
    "redact",
]
