"""Fixtures of the second-neuron acceptance tests: churn services on free ports, and verify runs.

Every verify run of a test session is started together, as soon as the first test asks for one:
a run mostly waits on its target (expired tokens, Retry-After, a hanging model), so running them
side by side keeps the whole module near the time of its slowest run. Only the runs of the tests
actually selected are started.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from verify_run import VerifyRun

from .app import SPEC_PATH
from .server import ChurnServer

CLIENT_ID = "churn-suite"
SECRET_ENV = "CHURN_SUITE_CLIENT_SECRET"
PARALLEL_RUNS = 6
RUN_TIMEOUT_S = 110


@pytest.fixture(scope="session")
def client_secret() -> str:
    """A fresh secret per session, handed to the suite only through the environment."""
    return secrets.token_urlsafe(24)


@pytest.fixture
def churn_service(client_secret: str) -> Iterator[ChurnServer]:
    with ChurnServer(client_id=CLIENT_ID, client_secret=client_secret) as server:
        yield server


def verify(defect: str | None, rules: list[str], client_secret: str, workdir: Path,
           extra: tuple[str, ...] = ()) -> VerifyRun:
    """Start a churn service (with ``defect``), verify it with its own spec, stop it."""
    report = workdir / f"report-{defect or 'clean'}.json"
    with ChurnServer(client_id=CLIENT_ID, client_secret=client_secret, defect=defect) as server:
        argv = ["verify", "neuron", "--spec", str(SPEC_PATH), "--base-url", server.url, "--profile", "quick",
                "--seed", "20261129", "--hypothesis-db", "none", "--fault-injection",
                "--client-id", CLIENT_ID, "--client-secret-env", SECRET_ENV, "--report-json", str(report),
                *extra]
        for rule in rules:
            argv += ["--rule", rule]
        done = subprocess.run([sys.executable, "-m", "contractkit", *argv], capture_output=True, text=True,
                              timeout=RUN_TIMEOUT_S, env={**os.environ, SECRET_ENV: client_secret}, cwd=workdir)
    data = json.loads(report.read_text()) if report.is_file() else None
    return VerifyRun(argv, done.returncode, done.stdout, done.stderr, data)


class VerifyRuns:
    """The session's verify runs by name (``clean`` or a defect), started together on first use."""

    def __init__(self, wanted: dict[str, tuple[str | None, list[str], tuple[str, ...]]], secret: str,
                 workdir: Path) -> None:
        self.wanted = wanted
        self.secret = secret
        self.workdir = workdir
        self.pool = ThreadPoolExecutor(max_workers=PARALLEL_RUNS, thread_name_prefix="verify")
        self.futures: dict[str, Future[VerifyRun]] = {}

    def result(self, name: str) -> VerifyRun:
        if not self.futures:
            # the clean run is the longest: start it first
            for key in sorted(self.wanted, key=lambda k: k != "clean"):
                defect, rules, extra = self.wanted[key]
                self.futures[key] = self.pool.submit(verify, defect, rules, self.secret, self.workdir, extra)
        if name not in self.futures:
            defect, rules, extra = self.wanted[name]
            self.futures[name] = self.pool.submit(verify, defect, rules, self.secret, self.workdir, extra)
        return self.futures[name].result(timeout=RUN_TIMEOUT_S * 2)


HERE = Path(__file__).resolve().parent


def rule_family(rule: str) -> str:
    """NEU-AUTH-004 -> NEU-AUTH-*: the defect runs are limited to the family of the rule they break."""
    return rule.rsplit("-", 1)[0] + "-*"


@pytest.fixture(scope="session")
def verify_runs(request: pytest.FixtureRequest, client_secret: str,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[VerifyRuns]:
    from .test_churn_acceptance import CLEAN_FLAGS, DEFECTS

    wanted: dict[str, tuple[str | None, list[str], tuple[str, ...]]] = {}
    for item in request.session.items:
        if item.path.parent != HERE:  # another folder's tests may take a "defect" parameter of their own
            continue
        callspec = getattr(item, "callspec", None)
        defect = callspec.params.get("defect") if callspec else None
        if defect is not None:
            wanted[defect] = (defect, [rule_family(DEFECTS[defect])], ())
        if defect is not None or item.name == "test_clean_target_passes_with_require_all":
            wanted["clean"] = (None, [], CLEAN_FLAGS)  # the defect tests' control, too
    runs = VerifyRuns(wanted, client_secret, tmp_path_factory.mktemp("verify"))
    yield runs
    runs.pool.shutdown(wait=True, cancel_futures=True)
