"""How a conformance run ends decides its exit code, in one place (``contractkit.errors``).

A run that pytest could not finish (interrupted, internal error) is exit 3 whichever way it was
started, never 0: a CI gate must not pass on a run that did not happen.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_options import CountingServer

from contractkit.errors import EXIT_INTERNAL, PYTEST_EXIT, exit_code_of_pytest
from contractkit.resources import conformance_dir

BREAKERS = {
    "interrupting": "def pytest_runtest_call(item):\n    raise KeyboardInterrupt\n",
    "crashing": "def pytest_collection_finish(session):\n    raise RuntimeError('a bug in a plugin')\n",
}


@pytest.fixture
def breakers(tmp_path: Path) -> Path:
    for name, body in BREAKERS.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
    return tmp_path


def test_only_a_finished_run_can_pass() -> None:
    assert {status: exit_code_of_pytest(status) for status in range(7)} == {
        0: 0, 1: 1, 2: EXIT_INTERNAL, 3: EXIT_INTERNAL, 4: 2, 5: 2, 6: EXIT_INTERNAL}
    assert [s for s, code in PYTEST_EXIT.items() if code == 0] == [0]


@pytest.mark.parametrize("breaker", sorted(BREAKERS))
def test_a_run_that_did_not_finish_exits_3_under_pytest(breakers: Path, breaker: str) -> None:
    with CountingServer() as server:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", str(conformance_dir()), "-q", "-p", "no:cacheprovider", "-p", breaker,
             "--neuron-url", server.url, "--rule", "NEU-AUTH-001", "--operation", "assessRisk"],
            capture_output=True, text=True, timeout=120, cwd=breakers,
            env={**os.environ, "PYTHONPATH": str(breakers)})
    assert result.returncode == 3, result.stdout + result.stderr


@pytest.mark.parametrize("breaker", sorted(BREAKERS))
def test_a_run_that_did_not_finish_exits_3_under_the_cli(breakers: Path, breaker: str) -> None:
    script = ("import sys\nfrom contractkit.cli.main import build_parser\n"
              "from contractkit.errors import ContractkitError, exit_code\n"
              "from contractkit.conformance.command import run_verify\n"
              "args = build_parser().parse_args(sys.argv[1:])\n"
              "try:\n    code = run_verify(args, extra_pytest_args=['-p', '" + breaker + "'])\n"
              "except ContractkitError as exc:\n    print('ERROR', exc.one_line()); code = exit_code(exc)\n"
              "sys.exit(code)\n")
    with CountingServer() as server:
        result = subprocess.run(
            [sys.executable, "-c", script, "verify", "neuron", "--neuron-url", server.url, "--rule", "NEU-AUTH-001",
             "--operation", "assessRisk"], capture_output=True, text=True, timeout=120, cwd=breakers,
            env={**os.environ, "PYTHONPATH": str(breakers)})
    assert result.returncode == 3, result.stdout + result.stderr
    assert "did not finish" in result.stdout


def test_an_unusable_spec_is_bad_input_under_pytest_too(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: [unclosed\n")
    for argv in (["--spec", str(broken)], ["--rule", "NEU-NOPE-*"], ["--operation", "noSuchOperation"]):
        result = subprocess.run([sys.executable, "-m", "pytest", str(conformance_dir()), "-q", "-p", "no:cacheprovider",
                                 "--neuron-url", "http://127.0.0.1:9", *argv], capture_output=True, text=True,
                                timeout=120, cwd=tmp_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "contractkit: error:" in result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
