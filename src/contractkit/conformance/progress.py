"""Live progress of a quiet run: one line per case, naming the rule and the subject.

pytest's dots say that something passed; an engineer watching a run wants to know which rule on
which operation is slow or failing. In verbose runs pytest's own lines already name both, so this
plugin is only registered for quiet and normal runs.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest


class Progress:
    """Registered by the suite's plugin; replaces pytest's status letters with a line per case."""

    def __init__(self, config: pytest.Config, total: Callable[[], int]) -> None:
        self.config = config
        self.total = total  # the run's case count, known once the cases are generated
        self.done = 0

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        if _rule_id(report) and _is_final(report):
            return report.outcome, "", report.outcome.upper()
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        rule_id = _rule_id(report)
        if not rule_id or not _is_final(report):
            return
        self.done += 1
        label = "PASS" if report.passed else "FAIL" if report.failed else "N/V "
        subject = report.nodeid.rsplit("[", 1)[-1].rstrip("]") if "[" in report.nodeid else ""
        subject = subject[len(rule_id) + 1:] if subject.startswith(f"{rule_id}-") else ""
        line = f"[{self.done}/{self.total()}] {label} {rule_id}" + (f" on {subject}" if subject else "")
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"{line} ({report.duration:.1f} s)")


def _rule_id(report: pytest.TestReport) -> str:
    return str(dict(getattr(report, "user_properties", ())).get("rule_id", ""))


def _is_final(report: pytest.TestReport) -> bool:
    """The report that decides the case: its call, or a setup that failed or skipped."""
    return report.when == "call" or (report.when == "setup" and not report.passed)
