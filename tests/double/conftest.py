"""Fixtures of the neuron/ double's tests: doubles served on free loopback ports, and verify runs
against them (started together on first use, as tests/second_neuron does, so the module takes
about the time of its slowest run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from contractkit.double import DoubleSettings, NeuronDouble
from contractkit.double.auth import DEFAULT_SECRET
from contractkit.resources import neuron_spec_path
from contractkit.servers import BackgroundServer
from contractkit.spec.neuron import NeuronSpec
from verify_run import VerifyRun

REPO = Path(__file__).resolve().parents[2]
CHURN_SPEC = REPO / "tests" / "second_neuron" / "churn-api.yaml"
SPECS = {"bundled": Path(neuron_spec_path()), "churn": CHURN_SPEC}
SECRET_ENV = "DOUBLE_TEST_CLIENT_SECRET"
RUN_TIMEOUT_S = 150


def serve(spec_path: Path, **settings: object) -> BackgroundServer:
    return BackgroundServer(NeuronDouble(NeuronSpec.load(spec_path), DoubleSettings(**settings)))  # type: ignore[arg-type]


STREAM_RULES = ("NEU-SSE-*", "NEU-WS-*", "NEU-USE-002")
# run name -> (spec, behaviours switched off, rules); a clean run checks every rule
RUNS: dict[str, tuple[str, frozenset[str], tuple[str, ...]]] = {
    "bundled": ("bundled", frozenset(), ()),
    "churn": ("churn", frozenset(), ()),
    "churn-scope-defect": ("churn", frozenset({"enforce_scope"}), ("NEU-AUTH-006",)),
    "data-only": ("data-only", frozenset(), STREAM_RULES),
}


def data_only_variant(workdir: Path) -> Path:
    """The churn spec with its SSE stream typed by a field of the data (``type_field``, no ``event:``
    lines) and its WebSocket authenticated by a query parameter: grammars the other specs do not use."""
    import yaml

    data = yaml.safe_load(CHURN_SPEC.read_text())
    media = data["paths"]["/v2/conversations/{conversation_id}/reply/stream"]["post"]["responses"]["200"]["content"][
        "text/event-stream"]
    media["x-stream"]["type_field"] = "/kind"
    for name, schema in (("open", "StreamOpen"), ("token", "StreamToken"), ("complete", "StreamComplete"),
                         ("failed", "StreamFailed")):
        target = data["components"]["schemas"][schema]
        target["properties"]["kind"] = {"const": name}
        target["required"] = ["kind", *target["required"]]
    live = data["x-websockets"]["/v2/live"]
    live["auth"] = {"methods": ["query"], "query_parameter": "access_token", "failure_close_code": 4401}
    path = workdir / "churn-data-only.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def verify(name: str, workdir: Path) -> VerifyRun:
    """``verify neuron --require-all --fault-injection`` against a double of the run's spec."""
    spec, defects, rules = RUNS[name]
    spec_path = data_only_variant(workdir) if spec == "data-only" else SPECS[spec]
    report = workdir / f"verify-{name}.json"
    with serve(spec_path, seed=7, defects=defects) as server:
        argv = ["verify", "neuron", "--spec", str(spec_path), "--base-url", server.url, "--require-all",
                "--fault-injection", "--profile", "quick", "--seed", "20261206", "--hypothesis-db", "none",
                "--client-id", "engine", "--client-secret-env", SECRET_ENV, "--report-json", str(report)]
        for rule in rules:
            argv += ["--rule", rule]
        if spec == "bundled":  # its tokenUrl is engine's absolute URL: use the double's own endpoint
            argv += ["--token-url", server.url + "/_double/token"]
        done = subprocess.run([sys.executable, "-m", "contractkit", *argv], capture_output=True, text=True,
                              timeout=RUN_TIMEOUT_S, cwd=workdir, env={**os.environ, SECRET_ENV: DEFAULT_SECRET})
    data = json.loads(report.read_text()) if report.is_file() else None
    return VerifyRun(argv, done.returncode, done.stdout, done.stderr, data)


class VerifyRuns:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.pool = ThreadPoolExecutor(max_workers=len(RUNS), thread_name_prefix="verify-double")
        self.futures: dict[str, Future[VerifyRun]] = {}

    def result(self, name: str) -> VerifyRun:
        if not self.futures:
            for key in RUNS:
                self.futures[key] = self.pool.submit(verify, key, self.workdir)
        return self.futures[name].result(timeout=RUN_TIMEOUT_S * 2)


@pytest.fixture(scope="session")
def verify_double_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VerifyRuns]:
    runs = VerifyRuns(tmp_path_factory.mktemp("verify-double"))
    yield runs
    runs.pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def churn_double() -> Iterator[BackgroundServer]:
    with serve(CHURN_SPEC, seed=3) as server:
        yield server


@pytest.fixture
def bundled_double() -> Iterator[BackgroundServer]:
    with serve(SPECS["bundled"], seed=3) as server:
        yield server
