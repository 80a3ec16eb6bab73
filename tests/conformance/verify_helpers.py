"""Helpers of the suite's own tests (imported by name: tests/ is not a package)."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*argv: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``contractkit ARGV`` in a child process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "contractkit", *argv], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
