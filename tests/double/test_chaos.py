"""``contractkit chaos`` on the worked example (examples/engine-standin): the robust build passes every
mode, the naive build fails the modes it mishandles and the matrix says why; bad input is exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "engine-standin"
# The modes the naive build mishandles, and one it survives because neuron/ absorbs it (a degraded answer).
MODES = ("provider_error", "rate_limited", "malformed_json", "truncated_body", "stream_no_terminal",
         "ws_no_terminal", "connection_reset", "down")
NAIVE_BREAKS = set(MODES) - {"provider_error"}
CONSUMER = [sys.executable, "-m", "pytest", "-x"]


def chaos(tmp_path: Path, *argv: str, build: str = "robust", command: list[str] | None = None,
          cwd: Path = EXAMPLE) -> tuple[subprocess.CompletedProcess, dict | None]:
    report = tmp_path / f"chaos-{build}.json"
    env = {**os.environ, "ENGINE_BUILD": build, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run([sys.executable, "-m", "contractkit", "chaos", *argv, "--report-json", str(report),
                           "--junit-xml", str(tmp_path / f"chaos-{build}.xml"), "--", *(command or CONSUMER)],
                          capture_output=True, text=True, timeout=240, cwd=cwd, env=env)
    return done, json.loads(report.read_text()) if report.is_file() else None


@pytest.mark.parametrize("build", ["robust", "naive"])
def test_the_example_through_chaos(tmp_path: Path, build: str) -> None:
    done, report = chaos(tmp_path, "--faults", ",".join(MODES), build=build)
    explain = done.stdout + done.stderr
    assert report is not None, explain
    verdicts = {m["mode"]: m["verdict"] for m in report["modes"]}
    assert verdicts["healthy"] == "pass", explain
    broken = {mode for mode, verdict in verdicts.items() if verdict == "fail"}
    if build == "robust":
        assert broken == set(), explain
        assert done.returncode == 0, explain
        limited = next(m for m in report["modes"] if m["mode"] == "rate_limited")["evidence"]
        assert limited["retries"] > 0 and limited["retry_after_honoured"] > 0 and limited["retry_after_ignored"] == 0
    else:
        assert broken == NAIVE_BREAKS, explain
        assert done.returncode == 1, explain
        assert "KeyError" in next(m for m in report["modes"] if m["mode"] == "stream_no_terminal")["output_tail"]
    faulted = {m["mode"]: m["evidence"]["faulted"] for m in report["modes"]}
    assert all(faulted[mode] > 0 for mode in MODES if mode != "down"), faulted
    assert f"[{len(MODES) + 1}/{len(MODES) + 1}]" in done.stderr  # a progress line per mode
    assert (tmp_path / f"chaos-{build}.xml").read_text().count("<testcase") == len(MODES) + 1


def test_a_consumer_failing_when_healthy_is_exit_2(tmp_path: Path) -> None:
    done, report = chaos(tmp_path, "--faults", "server_error", command=[sys.executable, "-c", "raise SystemExit(3)"])
    assert done.returncode == 2, done.stdout + done.stderr
    assert report is not None and [m["mode"] for m in report["modes"]] == ["healthy"]
    assert "healthy neuron/" in done.stdout


@pytest.mark.parametrize(("argv", "message"), [
    (["--faults", "provider_error,nope"], "unknown fault 'nope'"),
    (["--spec", str(REPO / "README.md")], "README.md"),
    (["--env", "colour=X"], "--env"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, argv: list[str], message: str) -> None:
    done, _ = chaos(tmp_path, *argv, command=[sys.executable, "-c", "pass"])
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in done.stderr, done.stderr


def test_serve_names_its_urls_and_prints_the_record_on_exit(tmp_path: Path) -> None:
    import signal

    import httpx

    server = subprocess.Popen([sys.executable, "-m", "contractkit", "serve", "neuron-double", "--spec",
                               str(REPO / "tests" / "second_neuron" / "churn-api.yaml"), "--seed", "5"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [server.stdout.readline().strip() for _ in range(4)]  # type: ignore[union-attr]
        named = dict(line.split(": ", 1) for line in lines)
        assert named["neuron-double"].startswith("http://127.0.0.1:")
        assert named["token endpoint"] == named["neuron-double"] + "/oauth/token"
        assert httpx.get(named["neuron-double"] + "/v2/healthz", timeout=10).json() == {"alive": True}
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=30)
    assert "call 1: healthz -> 200" in out and "record: calls=1" in out


def test_serve_refuses_an_unknown_fault_in_one_line() -> None:
    done = subprocess.run([sys.executable, "-m", "contractkit", "serve", "neuron-double", "--faults", "gremlins=0.5"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "unknown fault 'gremlins'" in done.stderr


def test_a_running_double_and_a_mode_no_call_met(tmp_path: Path, churn_double) -> None:
    """``--double URL`` drives a double already running; a consumer that never reaches what the fault
    breaks (it only asks the liveness probe, which meets no fault) passes without evidence: "not exercised"."""
    probe = ("import os, httpx; r = httpx.get(os.environ['NEURON_URL'] + '/v2/healthz', timeout=10); "
             "assert r.json() == {'alive': True}, r.text; "
             "assert os.environ['NEURON_TOKEN_URL'].endswith('/oauth/token')")
    done, report = chaos(tmp_path, "--double", churn_double.url, "--faults", "server_error",
                         command=[sys.executable, "-c", probe], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert report is not None
    assert [(m["mode"], m["verdict"]) for m in report["modes"]] == [("healthy", "pass"),
                                                                    ("server_error", "not exercised")]
    assert "PASS?" in done.stdout and "no call met: server_error" in done.stdout


def test_serve_refuses_a_spec_it_cannot_answer_from(tmp_path: Path) -> None:
    spec = tmp_path / "dangling.yaml"
    spec.write_text("""openapi: 3.1.0
info: {title: t, version: 1.0.0}
paths:
  /x:
    get:
      operationId: getX
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Missing'}
""")
    done = subprocess.run([sys.executable, "-m", "contractkit", "serve", "neuron-double", "--spec", str(spec)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "cannot answer getX" in done.stderr
