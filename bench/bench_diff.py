"""Benchmark `contractkit diff` on the real Stripe pair: whole-process wall time and peak RSS.

    .venv/bin/python bench/bench_diff.py [--runs 3] [--format json] [BASE HEAD]

Each run is a fresh `python -m contractkit diff ...` process (imports, parsing, diff, locations,
rendering), as a user or CI job pays for it. Peak RSS is the child's ``ru_maxrss``. The target is
Redocly CLI's `diff` on the same pair on this machine: 2.9 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CORPUS = Path(os.environ.get("CONTRACTKIT_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))
REDOCLY_DIFF_S = 2.9


def one_run(base: Path, head: Path, fmt: str) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in MB, exit code) of one whole `contractkit diff` process."""
    cmd = [sys.executable, "-m", "contractkit", "diff", str(base), str(head), "--format", fmt, "--fail-on", "none",
           "-o", os.devnull]
    start = time.perf_counter()
    pid = os.posix_spawn(sys.executable, cmd, os.environ)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", nargs="?", default=str(CORPUS / "stripe-2023-02.yaml"))
    parser.add_argument("head", nargs="?", default=str(CORPUS / "stripe-2023-09.yaml"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", default="json", choices=("text", "markdown", "json", "github"))
    args = parser.parse_args()
    base, head = Path(args.base), Path(args.head)
    if not (base.exists() and head.exists()):
        print(f"missing input: {base} or {head}", file=sys.stderr)
        return 2
    subprocess.run([sys.executable, "-c", "import contractkit.diff"], check=True)  # warm the bytecode cache
    walls, cpus, peaks = [], [], []
    for i in range(args.runs):
        wall, cpu, peak, code = one_run(base, head, args.format)
        if code != 0:
            print(f"run {i + 1}: contractkit diff exited {code}", file=sys.stderr)
            return 1
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
        print(f"run {i + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU, peak RSS {peak:.0f} MB")
    best, median = min(walls), statistics.median(walls)
    print(f"contractkit diff {base.name} -> {head.name} (--format {args.format}): best {best:.2f} s, "
          f"median {median:.2f} s (CPU median {statistics.median(cpus):.2f} s), peak RSS {max(peaks):.0f} MB; "
          f"Redocly CLI diff: {REDOCLY_DIFF_S} s "
          f"({'faster' if median < REDOCLY_DIFF_S else 'SLOWER'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
