"""Lint tests run with a private, empty verdict cache, so every test exercises the validators."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_lint_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("ck-cache")
    monkeypatch.setenv("CONTRACTKIT_CACHE_DIR", str(folder))
    return folder
