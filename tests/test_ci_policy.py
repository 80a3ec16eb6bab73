"""In CI a skip fails the run unless its reason is allowed; elsewhere it stays a skip with its reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SAMPLE = '''
import pytest

def test_needs_a_peer():
    pytest.skip("node is not installed")

def test_nothing_to_check():
    pytest.skip("refused before any rule runs (exit 2)")
'''


def _run(tmp_path: Path, ci: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(TESTS)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-p", "ci_policy",
                           str(tmp_path / "test_sample.py")], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=60)


def test_a_missing_peer_fails_in_ci(tmp_path: Path) -> None:
    result = _run(tmp_path, "true")
    assert result.returncode == 1, result.stdout
    assert "skipped in CI, where everything must run: Skipped: node is not installed" in result.stdout
    assert "1 failed, 1 skipped" in result.stdout


def test_outside_ci_a_skip_stays_a_skip_with_its_reason(tmp_path: Path) -> None:
    result = _run(tmp_path, "")
    assert result.returncode == 0, result.stdout
    assert "node is not installed" in result.stdout and "2 skipped" in result.stdout


def test_the_corpus_is_in_the_repository() -> None:
    from shared_corpus import corpus_dir

    names = {p.name for p in corpus_dir().iterdir()}
    assert {"github-rest-3.0.3.yaml", "stripe-2023-02.yaml", "stripe-2023-09.yaml"} <= names
    assert sum(p.stat().st_size for p in (TESTS / "fixtures" / "corpus").glob("*.xz")) < 2_000_000
