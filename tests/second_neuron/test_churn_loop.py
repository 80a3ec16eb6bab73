"""The AI engineer's loop on a service shaped unlike the reference: plan one endpoint, check it,
rerun the failure with the same seed and get the same case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .app import SPEC_PATH
from .conftest import CLIENT_ID, SECRET_ENV
from .server import ChurnServer


def _verify(url: str, secret: str, workdir: Path, *flags: str) -> tuple[subprocess.CompletedProcess, dict | None]:
    report = workdir / "loop.json"
    report.unlink(missing_ok=True)
    argv = ["verify", "neuron", "--spec", str(SPEC_PATH), "--neuron-url", url, "--client-id", CLIENT_ID,
            "--client-secret-env", SECRET_ENV, "--profile", "quick", "--hypothesis-db", "none",
            "--report-json", str(report), *flags]
    done = subprocess.run([sys.executable, "-m", "contractkit", *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ, SECRET_ENV: secret}, cwd=workdir)
    return done, (json.loads(report.read_text()) if report.is_file() else None)


def test_plan_one_endpoint_then_rerun_its_failure_with_the_same_seed(client_secret: str, tmp_path: Path) -> None:
    with ChurnServer(client_id=CLIENT_ID, client_secret=client_secret, defect="bad_query_500") as server:
        plan, _ = _verify(server.url, client_secret, tmp_path, "--operation", "churnRisk", "--plan")
        assert plan.returncode == 0, plan.stdout + plan.stderr
        assert "on churnRisk" in plan.stdout and "draftRetentionOffer" not in plan.stdout
        assert "excluded by --operation churnRisk" in plan.stdout  # the stream rules say why they will not run
        assert "no way to cause provider faults" not in plan.stdout  # the spec declares its fault hook

        runs = [_verify(server.url, client_secret, tmp_path, "--operation", "churnRisk", "--rule", "NEU-ERR-003",
                        "--seed", "7") for _ in range(2)]
    evidence = []
    for done, report in runs:
        assert done.returncode == 1, done.stdout + done.stderr
        assert "seed 7" in done.stdout
        (rule,) = report["rules"]
        assert rule["status"] == "failed" and report["meta"]["seed"] == 7
        failed = [o for o in rule["outcomes"] if o["status"] == "failed"]
        evidence.append(failed[0]["evidence"]["request"].splitlines()[0])
    assert evidence[0] == evidence[1]  # the same seed sends the same failing case
    assert "horizon_days=" in evidence[0]


def test_an_unknown_operation_is_one_line_and_exit_2(client_secret: str, tmp_path: Path) -> None:
    done, _ = _verify("http://127.0.0.1:9", client_secret, tmp_path, "--operation", "noSuchOperation")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert "noSuchOperation" in (done.stderr + done.stdout)
