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
        return bench_neuron.load(port, tokens, args.seconds, args.concurrency, args.procs)
    finally:
        server.terminate()
        server.wait(10)


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
              f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
