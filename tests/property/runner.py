"""One ``verify neuron --require-all --fault-injection`` run against a neuron/ double of a spec file,
with the double's behaviours switched off as asked; the command that reruns it is part of the result."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from contractkit.double import DoubleSettings, NeuronDouble
from contractkit.double.auth import DEFAULT_SECRET, api_key
from contractkit.servers import BackgroundServer
from contractkit.spec.neuron import NeuronSpec

SECRET_ENV = "DOUBLE_TEST_CLIENT_SECRET"
KEY_ENV = "DOUBLE_TEST_API_KEY"
RUN_TIMEOUT_S = 240
VERIFY_SEED = "20261206"


@dataclass(frozen=True)
class VerifyRun:
    spec_path: Path
    defects: frozenset[str]
    returncode: int
    stdout: str
    stderr: str
    report: dict | None
    scope_claim: str = "scope"

    @property
    def statuses(self) -> dict[str, str]:
        """Each rule's status; a rule passed on some operations and not verified on others is partial."""
        return {r["id"]: "partial" if r["status"] == "passed" and r.get("partial") else r["status"]
                for r in (self.report or {}).get("rules", [])}

    def with_status(self, status: str) -> set[str]:
        return {rule for rule, got in self.statuses.items() if got == status}

    def rerun_command(self) -> str:
        """The shell commands that serve the same double and run the same verify."""
        flags = "".join(f" --defect {d}" for d in sorted(self.defects))
        flags += f" --scope-claim {self.scope_claim}" if self.scope_claim != "scope" else ""
        spec = shlex.quote(str(self.spec_path))
        model = NeuronSpec.load(self.spec_path) if self.spec_path.is_file() else None
        keys = "".join(f"{k}={shlex.quote(v)} " for k, v in api_key_env(model).items()) if model else ""
        key_flags = "".join(f" {shlex.quote(a)}" for a in api_key_flags(model)) if model else ""
        return (f"contractkit serve neuron-double --spec {spec} --port 8765{flags} &\n"
                f"{keys}{SECRET_ENV}={DEFAULT_SECRET} contractkit verify neuron --spec {spec}{key_flags} "
                f"--base-url http://127.0.0.1:8765 --require-all --fault-injection --profile quick "
                f"--seed {VERIFY_SEED} --client-id engine --client-secret-env {SECRET_ENV}")

    def explain(self) -> str:
        return (f"spec: {self.spec_path}\ndefects: {sorted(self.defects) or 'none'}\nrerun:\n{self.rerun_command()}\n"
                f"exit {self.returncode}\n{self.stdout[-6000:]}\n{self.stderr[-2000:]}")


def api_key_flags(spec: NeuronSpec) -> list[str]:
    """``--api-key-env SCHEME=VAR`` for every apiKey scheme of the spec."""
    return [arg for name in api_key_schemes(spec) for arg in ("--api-key-env", f"{name}={KEY_ENV}_{name.upper()}")]


def api_key_env(spec: NeuronSpec) -> dict[str, str]:
    """The variables those flags name, holding the keys the double accepts."""
    return {f"{KEY_ENV}_{name.upper()}": api_key(name) for name in api_key_schemes(spec)}


def api_key_schemes(spec: NeuronSpec) -> list[str]:
    return sorted(name for name, scheme in spec.security_schemes.items() if scheme.api_key)


def verify_against_double(spec_path: Path, defects: frozenset[str] = frozenset(), seed: int = 7,
                          scope_claim: str = "scope") -> VerifyRun:
    """Serve a double of ``spec_path`` (its tokens carrying their scopes in ``scope_claim``) on a free
    loopback port and run verify against it."""
    started = time.monotonic()
    spec_path = spec_path.resolve()
    report = spec_path.with_suffix(".report.json")
    report.unlink(missing_ok=True)
    double = NeuronDouble(NeuronSpec.load(spec_path), DoubleSettings(seed=seed, defects=defects,
                                                                      scope_claim=scope_claim))
    double.warm_up()
    with BackgroundServer(double) as server:  # type: ignore[arg-type]
        argv = ["verify", "neuron", "--spec", str(spec_path), "--base-url", server.url, "--require-all",
                "--fault-injection", "--profile", "quick", "--seed", VERIFY_SEED, "--hypothesis-db", "none",
                "--client-id", "engine", "--client-secret-env", SECRET_ENV, "--report-json", str(report),
                *api_key_flags(double.spec)]
        done = subprocess.run([sys.executable, "-m", "contractkit", *argv], capture_output=True, text=True,
                              timeout=RUN_TIMEOUT_S, cwd=spec_path.parent,
                              env={**os.environ, SECRET_ENV: DEFAULT_SECRET, **api_key_env(double.spec)})
    data = json.loads(report.read_text()) if report.is_file() else None
    run = VerifyRun(spec_path, defects, done.returncode, done.stdout, done.stderr, data, scope_claim)
    _log(run, time.monotonic() - started)
    return run


def _log(run: VerifyRun, seconds: float) -> None:
    """One line per run in ``runs.jsonl`` beside the specs: what a fuzz run covered, for its summary."""
    line = {"spec": run.spec_path.name, "defects": sorted(run.defects), "exit": run.returncode,
            "failed": sorted(run.with_status("failed")), "seconds": round(seconds, 1)}
    with (run.spec_path.parent / "runs.jsonl").open("a") as log:
        log.write(json.dumps(line) + "\n")
