"""Shared fixtures of the project's own tests. Area fixtures live in each tests/<area>/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_policy import pytest_runtest_makereport  # noqa: F401  (in CI, a skip must say why it is allowed)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    from contractkit.resources import specs_dir

    return specs_dir()
