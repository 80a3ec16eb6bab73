"""Time `contractkit lint` as a whole process: wall time, CPU time and peak memory, median of N runs.

    .venv/bin/python bench/bench_lint.py                 # bundled specs + the corpus specs
    .venv/bin/python bench/bench_lint.py --runs 7 --cache both
    .venv/bin/python bench/bench_lint.py --spec my-api.yaml

Each run is a fresh `python -m contractkit lint <spec> --format json` process; peak memory is the
child's maximum resident set size (getrusage RUSAGE_CHILDREN, measured per run with os.wait4).
`--cache cold` runs with a fresh, empty verdict cache (what CI sees on a new runner); `warm`
runs with one pre-filled by an untimed run (what a developer sees on their second lint).
CPU time (user + system) is reported beside wall time because it moves less when the machine
is shared. Each corpus spec is also timed through openapi-spec-validator's own CLI and, when
Redocly is installed (`redocly` on PATH, or `--redocly PATH`), through `redocly lint`, and the
ratio of wall medians is printed (below 1.0: contractkit is faster). `--cpus 0` pins every
process to one CPU (taskset), which shows the cost without a second core to hide work on.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from shared_corpus import corpus_dir  # noqa: E402  (the corpus ships with the tests)

TARGETS = {  # name -> (wall seconds, peak MB)
    "bundled specs/": (0.3, None),
    "github-rest-3.0.3.yaml": (0.9, 100),
}
#: contractkit's wall time may be at most this fraction of Redocly's on the same spec.
REDOCLY_RATIO_TARGET = 0.3


def one_run(args: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """(wall s, cpu s, peak MB, exit code) of one process."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def bench(label: str, target: str, runs: int, cache: str, pin: list[str]) -> dict[str, float | str]:
    args = [*pin, sys.executable, "-m", "contractkit", "lint", target, "--format", "json"]
    walls, cpus, peaks, codes = [], [], [], set()
    with tempfile.TemporaryDirectory(prefix="ck-bench-") as cache_dir:
        env = {**os.environ, "CONTRACTKIT_CACHE_DIR": cache_dir}
        if cache == "warm":
            one_run(args, env)
        for _ in range(runs):
            if cache == "cold":
                for stale in Path(cache_dir).rglob("*.json"):
                    stale.unlink()
            wall, cpu, peak, code = one_run(args, env)
            walls.append(wall)
            cpus.append(cpu)
            peaks.append(peak)
            codes.add(code)
    return {
        "spec": label,
        "cache": cache,
        "wall_median_s": statistics.median(walls),
        "wall_min_s": min(walls),
        "cpu_median_s": statistics.median(cpus),
        "peak_mb": max(peaks),
        "exit": ",".join(map(str, sorted(codes))),
    }


def other_tool(args: list[str], runs: int) -> tuple[float, float]:
    """(wall median s, peak MB) of another linter's process over the same spec."""
    walls, peaks = [], []
    for _ in range(runs):
        wall, _cpu, peak, _code = one_run(args, dict(os.environ))
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), max(peaks)


def find_redocly(explicit: str | None) -> str | None:
    import shutil

    if explicit:
        return explicit
    for candidate in (shutil.which("redocly"), "/tmp/redocly/node_modules/.bin/redocly"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def compare(label: str, target: str, ours: float, runs: int, pin: list[str], redocly: str | None) -> None:
    """Print our wall median against openapi-spec-validator's CLI and Redocly's on one spec."""
    osv = Path(sys.executable).with_name("openapi-spec-validator")
    tools = [("openapi-spec-validator", [*pin, str(osv), target])] if osv.exists() else []
    if redocly:
        tools.append(("redocly lint", [*pin, redocly, "lint", target, "--format", "json"]))
    for name, args in tools:
        wall, peak = other_tool(args, runs)
        ratio = ours / wall
        goal = ""
        if name == "redocly lint":
            goal = f"  target <= {REDOCLY_RATIO_TARGET}x " + ("ok" if ratio <= REDOCLY_RATIO_TARGET else "MISSED")
        print(f"  vs {name:<24} {wall:>6.2f}s {peak:>6.0f} MB  ratio {ratio:.2f}x{goal}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", choices=("cold", "warm", "both"), default="both")
    parser.add_argument("--spec", action="append", help="lint this file instead of the default set")
    parser.add_argument("--cpus", help="pin every process to these CPUs with taskset, e.g. 0")
    parser.add_argument("--redocly", help="path of the redocly executable (default: on PATH, or /tmp/redocly)")
    parser.add_argument("--no-compare", action="store_true", help="time contractkit only")
    args = parser.parse_args()
    pin = ["taskset", "-c", args.cpus] if args.cpus else []
    redocly = find_redocly(args.redocly)
    if args.spec:
        specs = [(Path(s).name, s) for s in args.spec]
    else:
        specs = [("bundled specs/", str(REPO / "specs"))]
        corpus = corpus_dir()
        specs += [(name, str(corpus / name)) for name in ("github-rest-3.0.3.yaml", "stripe-2023-09.yaml")]
    modes = ["cold", "warm"] if args.cache == "both" else [args.cache]
    print(f"{'spec':<26} {'cache':<5} {'wall med':>9} {'wall min':>9} {'cpu med':>8} {'peak MB':>8} exit  target")
    for label, target in specs:
        for mode in modes:
            row = bench(label, target, args.runs, mode, pin)
            goal = TARGETS.get(label)
            goal_text = ""
            if goal:
                ok = row["wall_median_s"] < goal[0] and (goal[1] is None or row["peak_mb"] < goal[1])
                goal_text = f"< {goal[0]} s" + (f", < {goal[1]} MB" if goal[1] else "") + (" ok" if ok else " MISSED")
            print(
                f"{label:<26} {mode:<5} {row['wall_median_s']:>8.2f}s {row['wall_min_s']:>8.2f}s "
                f"{row['cpu_median_s']:>7.2f}s {row['peak_mb']:>8.0f} {row['exit']:>4}  {goal_text}"
            )
            if mode == "cold" and not args.no_compare and Path(target).is_file():
                compare(label, target, float(row["wall_median_s"]), args.runs, pin, redocly)
    if not redocly and not args.no_compare:
        print("redocly not found: npm install --prefix /tmp/redocly @redocly/cli (or --redocly PATH)")
    try:
        load = os.getloadavg()
        print(f"load average during the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
