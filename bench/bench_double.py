"""Requests per second of the neuron/ double on POST /suggest-next-action, beside the reference
neuron/'s in the same run.

Each server runs on one uvicorn worker in its own process and is driven by the load of
bench/bench_neuron.py (``--procs`` processes, ``--concurrency`` keep-alive connections, real RS256
tokens rotated over ``--clients`` client ids so the spec's per-client rate limit is not what is
measured). The double answers from the spec (example, usage priced by x-pricing, declared headers,
JSON Schema check of the body); the reference neuron/ asks its embedded LLM.

    .venv/bin/python bench/bench_double.py [--seconds 5] [--concurrency 16] [--procs 2] [--clients 128]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_neuron  # the load generator and the reference neuron/'s server side


def serve_double(port: int, clients: int) -> None:
    """The server side: the double of the bundled spec on one uvicorn worker, tokens from its own issuer."""
    import uvicorn

    from contractkit.double import DoubleSettings, NeuronDouble
    from contractkit.resources import neuron_spec_path
    from contractkit.spec.neuron import NeuronSpec

    double = NeuronDouble(NeuronSpec.load(neuron_spec_path()), DoubleSettings())
    issuer = double.auth.issuer
    assert issuer is not None
    tokens = [issuer.mint(f"bench-{i}", ["neuron.suggest"], "neuron-api", 3600) for i in range(clients)]
    print("tokens " + json.dumps(tokens), flush=True)
    uvicorn.run(double, host="127.0.0.1", port=port, log_level="warning", workers=1)


def measure(target: str, args: argparse.Namespace) -> dict[str, float]:
    from contractkit.servers import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, f"--serve-{target}", str(port), "--clients",
                               str(args.clients)], stdout=subprocess.PIPE, text=True)
    try:
        tokens = json.loads(server.stdout.readline().removeprefix("tokens "))  # type: ignore[union-attr]
        import httpx

        probe = "/health"
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}{probe}")
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        before = _cpu_s(server.pid)
        result = bench_neuron.load(port, tokens, args.seconds, args.concurrency, args.procs)
        after = _cpu_s(server.pid)
        if before is not None and after is not None:
            # warm-up requests count too: bench_neuron's load sends for one second more than it measures
            result["cpu_ms_per_request"] = (after - before) * 1000 / max(1.0, result["ok"] * (1 + 1 / args.seconds))
        return result
    finally:
        server.terminate()
        server.wait(10)


def _cpu_s(pid: int) -> float | None:
    """The CPU seconds a process has used (Linux /proc): a figure the other load on the machine moves less."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--clients", type=int, default=128)
    parser.add_argument("--procs", type=int, default=2, help="load-generating processes")
    parser.add_argument("--serve-double", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--serve-neuron", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_double:
        serve_double(args.serve_double, args.clients)
        return 0
    if args.serve_neuron:
        bench_neuron.serve(args.serve_neuron, args.clients)
        return 0
    failed = False
    for target, what in (("neuron", "reference neuron/ (embedded LLM)"), ("double", "neuron/ double")):
        result = measure(target, args)
        failed |= result["other"] > 0
        print(f"{what:<34} POST /suggest-next-action, 1 uvicorn worker, {args.concurrency} in flight: "
              f"{result['requests_per_s']:.0f} req/s ({result['ok']} ok, {result['other']} other) "
              f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms"
              + (f", server CPU {result['cpu_ms_per_request']:.2f} ms/request" if "cpu_ms_per_request" in result
                 else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
