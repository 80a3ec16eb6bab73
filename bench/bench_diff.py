"""Benchmark `contractkit diff` on the real Stripe pair: whole-process wall time and peak RSS.

    .venv/bin/python bench/bench_diff.py [--runs 3] [--format json] [BASE HEAD]
    .venv/bin/python bench/bench_diff.py --small [--runs 1]

``--small`` runs the whole process once per hand-written pair of ``tests/fixtures/diff/`` (small
specs: what a pull request usually changes) and prints the median wall time per pair, and the
median time of the comparison alone (in this process, files already parsed).

Each run is a fresh `python -m contractkit diff ...` process (imports, parsing, diff, locations,
rendering), as a user or CI job pays for it. Peak RSS is the child's ``ru_maxrss``. When Redocly CLI
is installed (`redocly` on PATH, `/tmp/redocly`, or `--redocly PATH`), its `redocly diff` runs on the
same pair in the same run, alternating with ours so both meet the same machine load, and the ratio
of the medians is printed against the target (contractkit <= 0.35x Redocly's wall time).
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
#: contractkit's wall time may be at most this fraction of Redocly's on the same pair, measured in one run.
REDOCLY_RATIO_TARGET = 0.35


def one_run(base: Path, head: Path, fmt: str, cmd: list[str] | None = None) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in MB, exit code) of one whole `contractkit diff` process
    (or of ``cmd``, another tool's)."""
    cmd = cmd or [sys.executable, "-m", "contractkit", "diff", str(base), str(head), "--format", fmt, "--fail-on",
                  "none", "-o", os.devnull]
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        pid = os.posix_spawn(cmd[0], cmd, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, sink.fileno(), 1),
                                                                    (os.POSIX_SPAWN_DUP2, sink.fileno(), 2)])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def small_pairs(runs: int) -> int:
    """Median whole-process wall time per hand-written pair, and median in-process diff time."""
    import json
    import tempfile

    repo = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(repo / "tests" / "diff"))
    from diff_helpers import load_cases, mcp_doc, openapi_doc, schema_doc

    from contractkit.diff import diff_documents
    from contractkit.loading import load_document

    pairs = [(openapi_doc(c["base"]), openapi_doc(c["head"])) for c in load_cases("openapi-pairs.yaml")]
    pairs += [(mcp_doc(c["base"]), mcp_doc(c["head"])) for c in load_cases("mcp-pairs.yaml")]
    for context in ("OAS-REQ", "OAS-RES"):
        pairs += [(schema_doc(c["base"], c.get("defs"), context),
                   schema_doc(c["head"], c.get("defs_head", c.get("defs")), context))
                  for c in load_cases("schema-pairs.yaml")]
    walls, cpus, inproc = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (base, head) in enumerate(pairs):
            b, h = Path(tmp) / f"{i}-base.json", Path(tmp) / f"{i}-head.json"
            b.write_text(json.dumps(base))
            h.write_text(json.dumps(head))
            bd, hd = load_document(b), load_document(h)
            start = time.perf_counter()
            diff_documents(bd, hd)
            inproc.append(time.perf_counter() - start)
            for _ in range(runs):
                wall, cpu, _, code = one_run(b, h, "json")
                if code not in (0, 1):
                    print(f"pair {i}: contractkit diff exited {code}", file=sys.stderr)
                    return 1
                walls.append(wall)
                cpus.append(cpu)
    print(f"{len(pairs)} small pairs: whole process median {statistics.median(walls):.3f} s per pair "
          f"(max {max(walls):.3f} s; CPU median {statistics.median(cpus):.3f} s, the figure a busy machine "
          f"inflates least); the comparison alone median {statistics.median(inproc) * 1000:.2f} ms")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", nargs="?", default=str(CORPUS / "stripe-2023-02.yaml"))
    parser.add_argument("head", nargs="?", default=str(CORPUS / "stripe-2023-09.yaml"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", default="json", choices=("text", "markdown", "json", "github"))
    parser.add_argument("--small", action="store_true", help="time every hand-written pair instead")
    parser.add_argument("--redocly", help="path of the redocly executable (default: on PATH, or /tmp/redocly)")
    args = parser.parse_args()
    if args.small:
        return small_pairs(args.runs if args.runs != 3 else 1)
    base, head = Path(args.base), Path(args.head)
    if not (base.exists() and head.exists()):
        print(f"missing input: {base} or {head}", file=sys.stderr)
        return 2
    subprocess.run([sys.executable, "-c", "import contractkit.diff"], check=True)  # warm the bytecode cache
    from bench_lint import find_redocly

    redocly = find_redocly(args.redocly)
    theirs_cmd = [redocly, "diff", str(base), str(head)] if redocly else None
    walls, cpus, peaks, theirs = [], [], [], []
    for i in range(args.runs):
        wall, cpu, peak, code = one_run(base, head, args.format)
        if code != 0:
            print(f"run {i + 1}: contractkit diff exited {code}", file=sys.stderr)
            return 1
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
        line = f"run {i + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU, peak RSS {peak:.0f} MB"
        if theirs_cmd:
            their_wall, _, _, _ = one_run(base, head, args.format, theirs_cmd)
            theirs.append(their_wall)
            line += f"; redocly diff {their_wall:.2f} s wall"
        print(line)
    median = statistics.median(walls)
    print(f"contractkit diff {base.name} -> {head.name} (--format {args.format}): best {min(walls):.2f} s, "
          f"median {median:.2f} s (CPU median {statistics.median(cpus):.2f} s), peak RSS {max(peaks):.0f} MB")
    if theirs:
        ratio = median / statistics.median(theirs)
        verdict = "ok" if ratio <= REDOCLY_RATIO_TARGET else "MISSED"
        print(f"redocly diff median {statistics.median(theirs):.2f} s: ratio {ratio:.2f}x "
              f"(target <= {REDOCLY_RATIO_TARGET}x {verdict})")
    else:
        print("redocly not found: npm install --prefix /tmp/redocly @redocly/cli (or --redocly PATH)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
