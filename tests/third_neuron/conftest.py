"""Fixtures of the third-neuron acceptance tests: payables stacks on free ports, and verify runs.

All verify runs of the module start together on first use (each mostly waits on its target), so the
module takes about as long as its slowest run. Each run gets a stack of its own (service, token
issuer, provider double): the provider double must serve one target alone while the suite runs.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from verify_run import VerifyRun

from .stack import PayablesStack
from .support import SPEC_PATH

CLIENT_ID = "payables-ci"
SECRET_ENV = "PAYABLES_CI_SECRET"
PARTNER_KEY_ENV = "PAYABLES_PARTNER_KEY"  # the apiKey scheme partnerQuery's key: --api-key-env partnerQuery=...
RUN_TIMEOUT_S = 240
SEED = "20261206"


def verify(defect: str | None, extra: tuple[str, ...], secret: str, workdir: Path) -> VerifyRun:
    """Start a stack (with ``defect``), verify it against its own spec, stop it."""
    report = workdir / f"report-{defect or 'clean'}.json"
    started = time.monotonic()
    partner_key = secrets.token_urlsafe(12)
    with PayablesStack(CLIENT_ID, secret, defect=defect, partner_key=partner_key) as stack:
        argv = ["verify", "neuron", "--spec", str(SPEC_PATH), "--neuron-url", stack.url, "--profile", "quick",
                "--seed", SEED, "--hypothesis-db", "none", "--provider-double", stack.double_url,
                "--token-url", stack.token_url, "--client-id", CLIENT_ID, "--client-secret-env", SECRET_ENV,
                "--api-key-env", f"partnerQuery={PARTNER_KEY_ENV}", "--report-json", str(report), *extra]
        env = {**os.environ, SECRET_ENV: secret, PARTNER_KEY_ENV: partner_key}
        done = subprocess.run([sys.executable, "-m", "contractkit", *argv], capture_output=True, text=True,
                              timeout=RUN_TIMEOUT_S, env=env, cwd=workdir)
    data = json.loads(report.read_text()) if report.is_file() else None
    return VerifyRun(argv, done.returncode, done.stdout, done.stderr, data, time.monotonic() - started)


class VerifyRuns:
    """The module's verify runs by name (``clean`` or a defect), all started on first use."""

    def __init__(self, wanted: dict[str, tuple[str | None, tuple[str, ...]]], secret: str, workdir: Path) -> None:
        self.wanted, self.secret, self.workdir = wanted, secret, workdir
        self.pool = ThreadPoolExecutor(max_workers=max(1, len(wanted)), thread_name_prefix="verify")
        self.futures: dict[str, Future[VerifyRun]] = {}

    def result(self, name: str) -> VerifyRun:
        if not self.futures:
            for key in sorted(self.wanted, key=lambda k: k != "clean"):  # the longest run first
                defect, extra = self.wanted[key]
                self.futures[key] = self.pool.submit(verify, defect, extra, self.secret, self.workdir)
        return self.futures[name].result(timeout=RUN_TIMEOUT_S * 2)


@pytest.fixture(scope="module")
def verify_runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VerifyRuns]:
    from .test_third_acceptance import CLEAN_FLAGS, DEFECTS, family

    wanted: dict[str, tuple[str | None, tuple[str, ...]]] = {"clean": (None, CLEAN_FLAGS)}
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        defect = callspec.params.get("defect") if callspec else None
        if defect in DEFECTS:
            wanted[defect] = (defect, ("--rule", family(DEFECTS[defect][0])))
    runs = VerifyRuns(wanted, secrets.token_urlsafe(24), tmp_path_factory.mktemp("third-verify"))
    yield runs
    runs.pool.shutdown(wait=True, cancel_futures=True)
    took = {name: f"{f.result().elapsed_s:.0f} s" for name, f in runs.futures.items() if f.done() and not f.exception()}
    print(f"\nthird-neuron verify runs: {took}")  # shown with -s: which run bounds the module's time
