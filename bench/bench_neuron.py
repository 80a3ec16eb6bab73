"""Requests per second of the reference neuron/ on POST /suggest-next-action.

One uvicorn worker serves neuron/ with the embedded provider in its own process; ``--procs``
other processes drive the load over loopback (``--concurrency`` keep-alive connections in all). Every
request carries a real RS256 token, passes the rate limiter and the JSON Schema check of its body.
Each connection rotates over its share of ``--clients`` client ids, so the per-client limit of the
spec (100 per 2 s) is not what is measured; any non-200 answer is counted and fails the run.

    .venv/bin/python bench/bench_neuron.py [--seconds 5] [--concurrency 16] [--procs 2] [--clients 128]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import statistics
import subprocess
import sys
import threading
import time

CUSTOMER = "3f2b8c1e-5d4a-4c6b-9e2f-7a1d0c9b8e21"


def serve(port: int, clients: int) -> None:
    """The server side: an issuer key in-process, neuron/ on one uvicorn worker."""
    import uvicorn

    from contractkit.llm import EmbeddedProvider
    from contractkit.reference.neuron import NeuronSettings, create_neuron_app
    from contractkit.reference.token_issuer.issuer import TokenIssuer

    issuer = TokenIssuer()
    app = create_neuron_app(NeuronSettings(public_keys={issuer.key.kid: issuer.key.private_key.public_key()},
                                           provider=EmbeddedProvider()))
    tokens = [issuer.mint(f"bench-{i}", ["neuron.suggest"], "neuron-api", 3600) for i in range(clients)]
    print("tokens " + json.dumps(tokens), flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", workers=1)


def _load_worker(args: tuple[str, int, list[str], float, int]) -> tuple[list[float], dict[int, int]]:
    """One load process: ``threads`` keep-alive connections, each sending requests back to back.

    The stdlib client is used on purpose: httpx's per-request cost would be what gets measured.
    """
    host, port, tokens, seconds, threads = args
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    body = json.dumps({"customer_id": CUSTOMER})

    def run(n: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine = [{"Authorization": f"Bearer {t}", "Content-Type": "application/json"} for t in tokens[n::threads]]
        sent = 0
        warm_until = time.perf_counter() + 1.0
        until = warm_until + seconds
        while (now := time.perf_counter()) < until:
            conn.request("POST", "/suggest-next-action", body=body, headers=mine[sent % len(mine)])
            sent += 1
            response = conn.getresponse()
            response.read()
            if now >= warm_until:
                with lock:
                    latencies.append(time.perf_counter() - now)
                    statuses[response.status] = statuses.get(response.status, 0) + 1
        conn.close()

    pool = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, statuses


def load(port: int, tokens: list[str], seconds: float, concurrency: int, procs: int) -> dict[str, float]:
    per_proc = max(1, concurrency // procs)
    jobs = [("127.0.0.1", port, tokens[i::procs], seconds, per_proc) for i in range(procs)]
    with multiprocessing.Pool(procs) as pool:
        results = pool.map(_load_worker, jobs)
    latencies = sorted(lat for lats, _ in results for lat in lats)
    statuses: dict[int, int] = {}
    for _, counts in results:
        for status, count in counts.items():
            statuses[status] = statuses.get(status, 0) + count
    ok = statuses.get(200, 0)
    return {"requests_per_s": ok / seconds, "ok": ok, "other": sum(statuses.values()) - ok,
            "p50_ms": statistics.median(latencies) * 1000, "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--clients", type=int, default=128)
    parser.add_argument("--procs", type=int, default=2, help="load-generating processes")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.clients)
        return 0

    from contractkit.servers import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--clients", str(args.clients)],
                              stdout=subprocess.PIPE, text=True)
    try:
        tokens = json.loads(server.stdout.readline().removeprefix("tokens "))
        url = f"http://127.0.0.1:{port}"
        import httpx

        for _ in range(100):
            try:
                httpx.get(url + "/health")
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        result = load(port, tokens, args.seconds, args.concurrency, args.procs)
    finally:
        server.terminate()
        server.wait(10)
    print(f"POST /suggest-next-action, embedded provider, 1 uvicorn worker, {args.concurrency} in flight: "
          f"{result['requests_per_s']:.0f} req/s ({result['ok']} ok, {result['other']} other) "
          f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms")
    return 0 if result["other"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
