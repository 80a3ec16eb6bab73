"""In CI, a skipped test is a failure unless its reason is explicitly allowed.

A missing real peer (Node and server-everything, git) or a missing corpus file must not pass as a
quiet skip on the machine that is meant to run everything (``CI=true``, as GitHub Actions sets
it). A laptop without Node still skips, with the reason, under ``pytest -rs``. Loaded by
tests/conftest.py; usable alone as ``pytest -p ci_policy``.
"""

from __future__ import annotations

import os
import re

import pytest

# Reasons that hold on every machine: the case has nothing to check.
SKIPS_ALLOWED_IN_CI = (
    re.compile(r"refused before any rule runs"),  # a fixture spec the loader rejects: no verdict to compare
)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = str(report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr)
        if not any(pattern.search(reason) for pattern in SKIPS_ALLOWED_IN_CI):
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, where everything must run: {reason}"
    return report
