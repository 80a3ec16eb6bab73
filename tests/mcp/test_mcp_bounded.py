"""Bounded everything: a target that trickles, floods, hangs or sends garbage ends the run in
bounded time with exit 2 and one line; a target that dies mid-run is decided once, not per check.
"""

from __future__ import annotations

import time

import pytest
from hostile import garbage, goes_silent, huge, notification_flood, serve, trickle
from mcp_helpers import verify

SPEC = """
format: contractkit/mcp-servers@1
version: 1.0.0
servers:
  - name: hostile-mcp
    protocol_versions: ['2025-11-25']
    transports: {streamable_http: {path: /mcp}}
    authentication: {type: none}
    tools:
      - name: lookup
        description: Look a key up.
        read_only: true
        parameters: {type: object, required: [key], properties: {key: {type: string}}}
        returns: {type: string}
        examples: [{arguments: {key: k-1}}]
"""
TIMEOUT = 2.0


def run(tmp_path, app, *extra):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    with serve(app) as server:
        started = time.monotonic()
        proc, rules = verify(tmp_path, "--spec", str(spec), "--server", "hostile-mcp", "--url", server.url + "/mcp",
                             "--timeout", str(TIMEOUT), *extra, timeout=120)
        return proc, rules, time.monotonic() - started


@pytest.mark.parametrize("app, said", [
    (trickle(1.0), "no complete answer within"),
    (huge(50), "more than 1048576 bytes"),
    (garbage(), "without a JSON-RPC message"),
    (goes_silent(after=1), "answered initialize, then not tools/list"),
    (notification_flood(), "more than 1048576 bytes"),
], ids=["trickle", "huge-body", "garbage", "hang-after-initialize", "notification-flood"])
def test_a_hostile_endpoint_is_one_line_and_exit_2_within_bounded_time(tmp_path, app, said):
    proc, _, took = run(tmp_path, app)
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert said in proc.stderr, proc.stderr
    assert proc.stdout == "" and proc.stderr.count("\n") == 1, proc.stdout[-2000:] + proc.stderr
    assert "Traceback" not in proc.stderr
    assert took < 4 * TIMEOUT + 8, took  # the probe's deadline, plus starting the CLI


def test_a_target_that_goes_silent_mid_run_is_decided_once(tmp_path):
    # It passes the probe and the listing (initialize, tools/list, twice), answers two more
    # requests and hangs.
    proc, rules, took = run(tmp_path, goes_silent(after=6))
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "stopped answering" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    # one request timeout, one liveness probe (initialize answered or not, then ping), closing
    assert took < 6 * TIMEOUT + 12, took
    assert rules, "the report is still written"


def test_a_huge_tool_result_is_capped_not_held(tmp_path):
    """50 MB tool results: the session reads at most its cap per answer, so the run stays small."""
    import json
    import subprocess
    import sys

    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    script = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:]); "
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    with serve(goes_silent(after=10**6, tool_result_mb=50)) as server:
        report = tmp_path / "report.json"
        proc = subprocess.run([sys.executable, "-c", script, sys.executable, "-m", "contractkit", "verify", "mcp",
                               "--spec", str(spec), "--server", "hostile-mcp", "--url", server.url + "/mcp",
                               "--timeout", "5", "--profile", "quick", "--rule", "MCP-CALL-001",
                               "--report-json", str(report)], capture_output=True, text=True, timeout=120)
    max_rss_mb = int(proc.stdout.strip().splitlines()[-1]) / 1024
    assert max_rss_mb < 250, max_rss_mb  # the interpreter, the SDK and one capped answer; not 50 MB x copies
    rule = json.loads(report.read_text())["rules"][0]
    assert rule["status"] != "passed", rule
    assert "exceeded" in json.dumps(rule), rule
