"""Hostile targets: the run ends in bounded time and memory, with exit 2 or clear failures, no traceback."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time

import pytest
from hostile_servers import HostileServer


def verify(url: str, *extra: str, timeout: float = 90) -> tuple[int, str, float, float]:
    """Run ``contractkit verify neuron`` in a child; (exit code, output, seconds, child max RSS MiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "contractkit", "verify", "neuron", "--base-url", url, "--timeout", "2",
         "--profile", "quick", *extra],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, "CONTRACTKIT_CLIENT_ID": ""},
    )
    rss_mib = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started, rss_mib


@pytest.mark.parametrize(("behaviour", "says"), [
    ("hang", "no complete answer within 2 s"),
    ("garbage", "not answering HTTP"),
    ("reset", "not answering HTTP"),
])
def test_unusable_target_is_exit_2_in_one_line(behaviour, says):
    with HostileServer(behaviour) as server:
        code, output, seconds, _ = verify(server.url)
    assert code == 2, output
    assert says in output
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) == 1
    assert seconds < 30


def test_target_that_starts_resetting_mid_run_ends_the_run_with_exit_2():
    with HostileServer("reset-after-health") as server:
        code, output, seconds, _ = verify(server.url)
    assert code == 2, output
    assert "stopped answering" in output
    assert "Traceback" not in output.split("contractkit: error:")[-1]
    assert seconds < 60


def test_100_mb_body_is_read_capped_and_reported_as_failures():
    with HostileServer("huge") as server:
        code, output, seconds, rss_mib = verify(server.url, "--rule", "NEU-SCH-*", "--rule", "NEU-AUTH-001")
    assert code == 1, output
    assert "FAIL  NEU-AUTH-001" in output
    assert "Traceback" not in output
    assert seconds < 80
    assert rss_mib < 600, f"the child used {rss_mib:.0f} MiB"


def test_target_answering_html_to_everything_gets_clear_failures():
    with HostileServer("html") as server:
        code, output, seconds, _ = verify(server.url, "--rule", "NEU-SCH-*", "--rule", "NEU-AUTH-001",
                                          "--rule", "NEU-ERR-001", "--rule", "NEU-SSE-*")
    assert code == 1, output
    assert "FAIL  NEU-AUTH-001" in output and "expected 401, got 200" in output
    assert "Traceback" not in output
    assert seconds < 60
