"""``contractkit chaos``: the consumer's own tests, run once against a healthy neuron/ double and
once per fault mode, with the record of what the consumer did in each.

The double is started in this process (or reached at ``--double URL``); each run gets the
double's URL, its token endpoint and the client's credentials in the environment, and a fresh
double (record, armed faults, rate-limit windows, provider health reset). A mode passes when the
consumer's command exits 0 with the fault armed on every operation (or, for ``NAME=RATE``, on the
seeded schedule). ``down`` gives the consumer the URL of a port nothing listens on.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from contractkit.double.faults import FAULTS, fault_named
from contractkit.errors import ConfigError, TargetUnreachableError
from contractkit.servers import free_port

HEALTHY = "healthy"
ENV_NAMES = {"url": "NEURON_URL", "token_url": "NEURON_TOKEN_URL", "client_id": "NEURON_CLIENT_ID",
             "client_secret": "NEURON_CLIENT_SECRET", "mode": "NEURON_FAULT"}
OUTPUT_TAIL = 40


@dataclass(frozen=True)
class Mode:
    """One run: a fault armed on every call, or a schedule of rates (``NAME=RATE``), or none."""

    name: str
    fault: str | None = None
    rate: float | None = None

    @classmethod
    def parse(cls, text: str) -> Mode:
        name, _, raw = text.strip().partition("=")
        fault = fault_named(name).name
        if not raw:
            return cls(fault, fault)
        try:
            rate = float(raw)
        except ValueError:
            raise ConfigError(f"--faults: the rate of {name} is not a number: {raw!r}") from None
        if not 0 < rate <= 1:
            raise ConfigError(f"--faults: the rate of {name} must be above 0 and at most 1")
        return cls(f"{fault}={rate:g}", fault, rate)


def parse_modes(text: str | None) -> list[Mode]:
    """The fault modes to run (default: every fault the double plays)."""
    items = [t for t in (text or "").split(",") if t.strip()] or list(FAULTS)
    modes = [Mode.parse(t) for t in items]
    names = [m.name for m in modes]
    if len(set(names)) != len(names):
        raise ConfigError("--faults names a mode twice")
    return modes


def parse_env_names(items: Sequence[str]) -> dict[str, str]:
    """``--env url=ENGINE_NEURON_URL`` renames one variable; the keys are those of ``ENV_NAMES``."""
    names = dict(ENV_NAMES)
    for item in items:
        key, _, name = item.partition("=")
        if key not in names or not name.strip():
            raise ConfigError(f"--env {item!r}: expected KEY=NAME with KEY one of {', '.join(ENV_NAMES)}")
        names[key] = name.strip()
    return names


@dataclass
class ModeResult:
    """How the consumer's tests went under one mode, with the double's record as evidence."""

    mode: str
    fault: str | None
    passed: bool
    exit_code: int | None
    duration_s: float
    summary: dict[str, Any]
    output_tail: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    timed_out: bool = False

    @property
    def exercised(self) -> bool:
        """Whether a call met the fault (``down`` is met by connecting, which the double cannot see)."""
        return self.fault in (None, "down") or int(self.summary.get("faulted", 0)) > 0

    @property
    def verdict(self) -> str:
        if not self.passed:
            return "fail"
        return "pass" if self.exercised else "not exercised"

    def why(self) -> str:
        """One line: what the record shows about this run."""
        s = self.summary
        parts = [f"{s.get('calls', 0)} calls", f"{s.get('faulted', 0)} faulted"]
        if s.get("retries"):
            parts.append(f"{s['retries']} retries")
        honoured, ignored = s.get("retry_after_honoured", 0), s.get("retry_after_ignored", 0)
        if honoured or ignored:
            parts.append(f"Retry-After honoured {honoured}, ignored {ignored}")
        if s.get("gave_up"):
            parts.append(f"gave up {s['gave_up']}x" + (f" after {s['time_to_give_up_s']} s"
                                                        if s.get("time_to_give_up_s") is not None else ""))
        if s.get("streams_read_to_end") or s.get("streams_abandoned"):
            parts.append(f"streams read to end {s.get('streams_read_to_end', 0)}, abandoned "
                         f"{s.get('streams_abandoned', 0)}")
        if s.get("hung_up"):
            parts.append(f"hung up {s['hung_up']}x before the answer")
        if self.timed_out:
            parts.append("timed out")
        elif not self.passed:
            parts.append(f"exit {self.exit_code}")
        return "; ".join(parts)


@dataclass
class ChaosRun:
    """The whole matrix: the healthy run first, then one per mode."""

    spec: str
    command: list[str]
    seed: int
    results: list[ModeResult] = field(default_factory=list)

    @property
    def healthy(self) -> ModeResult | None:
        return next((r for r in self.results if r.mode == HEALTHY), None)

    def exit_code(self) -> int:
        healthy = self.healthy
        if healthy is None or not healthy.passed:
            return 2
        return 0 if all(r.passed for r in self.results) else 1

    def as_dict(self) -> dict[str, Any]:
        return {"spec": self.spec, "command": self.command, "seed": self.seed, "exit_code": self.exit_code(),
                "modes": [{"mode": r.mode, "fault": r.fault, "verdict": r.verdict, "passed": r.passed,
                           "exit_code": r.exit_code, "duration_s": round(r.duration_s, 3), "timed_out": r.timed_out,
                           "evidence": r.summary, "why": r.why(), "output_tail": r.output_tail, "calls": r.calls}
                          for r in self.results]}


class DoubleClient:
    """The control endpoints of a running double."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(timeout=10.0)

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = self.http.request(method, self.url + "/_double" + path, json=body)
        except httpx.HTTPError as exc:
            raise TargetUnreachableError(f"the neuron double at {self.url} does not answer: "
                                         f"{type(exc).__name__}") from None
        if response.status_code >= 400:
            raise ConfigError(f"the neuron double at {self.url} refused {method} {path}: {response.text[:200]}")
        return response.json()

    def info(self) -> dict[str, Any]:
        return self._call("GET", "")

    def prepare(self, mode: Mode | None) -> None:
        self._call("POST", "/reset")
        self._call("DELETE", "/faults")
        if mode is None or mode.fault == "down":
            return
        if mode.rate is not None:
            self._call("POST", "/faults", {"schedule": {mode.fault: mode.rate}})
        else:
            self._call("POST", "/faults", {"fault": mode.fault, "operation": "*"})

    def record(self) -> dict[str, Any]:
        return self._call("GET", "/record")

    def close(self) -> None:
        self.http.close()


def run_matrix(client: DoubleClient, command: list[str], modes: list[Mode], env: dict[str, str],
               names: dict[str, str], *, spec: str, seed: int, timeout_s: float,
               progress: Callable[[int, int, ModeResult], None] | None = None) -> ChaosRun:
    """Run the consumer's command healthy, then once per mode (stops after a failing healthy run)."""
    run = ChaosRun(spec, command, seed)
    plan: list[Mode | None] = [None, *modes]
    for index, mode in enumerate(plan, start=1):
        client.prepare(mode)
        result = _run_once(client, command, mode, env, names, timeout_s)
        client.prepare(None)
        run.results.append(result)
        if progress is not None:
            progress(index, len(plan), result)
        if mode is None and not result.passed:
            break
    return run


def _run_once(client: DoubleClient, command: list[str], mode: Mode | None, env: dict[str, str],
              names: dict[str, str], timeout_s: float) -> ModeResult:
    child_env = dict(os.environ)
    child_env.update(env)
    child_env[names["mode"]] = mode.name if mode else HEALTHY
    if mode is not None and mode.fault == "down":
        base_path = urlsplit(env.get(names["url"], "")).path
        child_env[names["url"]] = f"http://127.0.0.1:{free_port()}{base_path}"  # a port nothing listens on
    started = time.monotonic()
    timed_out = False
    try:
        done = subprocess.run(command, env=child_env, capture_output=True, text=True, timeout=timeout_s)
        code: int | None = done.returncode
        output = (done.stdout or "") + (done.stderr or "")
    except subprocess.TimeoutExpired as exc:
        code, timed_out = None, True
        output = _text(exc.stdout) + _text(exc.stderr) + f"\n(no exit within {timeout_s:g} s)"
    except FileNotFoundError:
        raise ConfigError(f"cannot run {command[0]!r}: no such command") from None
    except PermissionError:
        raise ConfigError(f"cannot run {command[0]!r}: permission denied") from None
    duration = time.monotonic() - started
    record = client.record()
    tail = "\n".join(output.strip().splitlines()[-OUTPUT_TAIL:])
    return ModeResult(mode.name if mode else HEALTHY, mode.fault if mode else None, code == 0, code, duration,
                      record.get("summary", {}), tail, record.get("calls", []), timed_out)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""
