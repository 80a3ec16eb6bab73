"""Shared fixtures of the project's own tests. Area fixtures live in each tests/<area>/conftest.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Also loaded when a test runs the suite on a spec under tests/ (pytest reads conftests beside paths it is
# given), where tests/ is not on sys.path: put it there so the policy module is found either way.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from ci_policy import pytest_runtest_makereport  # noqa: F401  (in CI, a skip must say why it is allowed)

REPO = Path(__file__).resolve().parent.parent

# A check that passes without the evidence its rule's kind needs is a defect of the kit: in the project's
# own tests (and the suite runs they start) it is an internal error, exit 3, not a quiet "not verified".
os.environ.setdefault("CONTRACTKIT_STRICT_EVIDENCE", "1")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    from contractkit.resources import specs_dir

    return specs_dir()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The self-test matrices (each held by one xdist worker) are the longest single pieces of work:
    start them first, so the other workers share the rest meanwhile instead of waiting on them at the end.
    (tests/selftest/test_detection_matrix.py fails if ``--dist loadgroup`` stops keeping a group together.)"""
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)
