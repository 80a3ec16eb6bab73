"""Benchmark: the suite's schema phase against schemathesis's own `st run`, same spec, same target.

    .venv/bin/python bench/bench_verify.py [--examples 25] [--profile default]

Starts the reference stack once (rate limits off, so neither side is throttled; a counting
middleware counts the requests neuron/ actually receives), then runs

* ours: ``contractkit verify neuron --rule 'NEU-SCH-*'`` (pytest, schemathesis generation, our
  bounded httpx client and six per-rule verdicts over the same exchanges), a child process;
* theirs: ``st run specs/neuron-api.yaml --phases examples,fuzzing --mode all -n N``, a child process;

and prints requests, wall time, requests per second and the ratio. Wall times include each
tool's start-up (pytest collection for ours, the CLI process for ``st``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from typing import Any

from contractkit.reference.neuron import create_neuron_app
from contractkit.reference.stack import NEURON_SCOPES, ReferenceStack
from contractkit.resources import neuron_spec_path


class CountingApp:
    """Counts HTTP requests reaching the wrapped ASGI app."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.count += 1
        await self.app(scope, receive, send)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=25, help="examples per operation and mode for `st run`")
    parser.add_argument("--profile", default="default", help="our profile (default: 25 valid + 25 invalid per op)")
    args = parser.parse_args()
    counter: dict[str, CountingApp] = {}

    def factory(settings: Any) -> CountingApp:
        counter["app"] = CountingApp(create_neuron_app(settings))
        return counter["app"]

    with ReferenceStack(rate_limits=False, neuron_app_factory=factory) as stack:
        app = counter["app"]
        os.environ["BENCH_CLIENT_SECRET"] = stack.client_secret
        before, started = app.count, time.monotonic()
        mine = subprocess.run([sys.executable, "-m", "contractkit", "verify", "neuron",
                               "--neuron-url", stack.neuron_url, "--token-url", stack.token_url,
                               "--client-id", stack.client_id,
                               "--client-secret-env", "BENCH_CLIENT_SECRET", "--profile", args.profile,
                               "--rule", "NEU-SCH-*"], capture_output=True, text=True, timeout=900)
        ours = (app.count - before, time.monotonic() - started)
        verdict = "all hold" if mine.returncode == 0 else f"exit {mine.returncode}"

        st = shutil.which("st") or os.path.join(os.path.dirname(sys.executable), "st")
        token = stack.token(NEURON_SCOPES)
        before, started = app.count, time.monotonic()
        proc = subprocess.run([st, "run", str(neuron_spec_path()), "--url", stack.neuron_url,
                               "-H", f"Authorization: Bearer {token}", "--phases", "examples,fuzzing",
                               "--mode", "all", "-n", str(args.examples), "--no-shrink", "--no-color"],
                              capture_output=True, text=True, timeout=900)
        theirs = (app.count - before, time.monotonic() - started)

    rows = [("contractkit schema phase (NEU-SCH-*)", *ours, verdict),
            ("schemathesis st run", *theirs, f"exit {proc.returncode}")]
    print(f"{'runner':<38} {'requests':>9} {'seconds':>8} {'req/s':>8}  result")
    for name, count, seconds, result in rows:
        print(f"{name:<38} {count:>9} {seconds:>8.1f} {count / seconds:>8.1f}  {result}")
    ratio = (ours[0] / ours[1]) / (theirs[0] / theirs[1]) if theirs[0] and ours[1] else float("nan")
    print(f"ratio (ours / st, requests per second): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
