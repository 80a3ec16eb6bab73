"""Property-based MCP tool calls per second, over stdio and over HTTP, against raw SDK calls.

    .venv/bin/python bench/bench_mcp.py [--calls 200] [--tool search_customers] [--format json]

Two measurements per transport, in one run, against the same reference server (crm-data-mcp,
served by an McpStack with its rate limit lifted, and by `contractkit serve mcp --stdio`):

- suite: what MCP-CALL-001 does per call: arguments generated from the declared parameters
  (hypothesis), the call through the kit's blocking client, and the result validated against the
  declared returns. Generation is included in the time.
- raw:   the `mcp` SDK's own ``ClientSession.call_tool`` in a loop in one event loop, with the
  same arguments (pre-generated), no validation of ours.

The ratio suite/raw says what the suite's machinery costs on top of the protocol. Session
start-up (a process for stdio) and 10 warm-up calls are excluded from both.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

import anyio
import httpx2

from contractkit.conformance.mcp.client import Endpoint, McpClient, server_env
from contractkit.conformance.mcp.generate import sample_valid
from contractkit.conformance.mcp.schemas import return_problem
from contractkit.reference.mcp.stack import McpStack
from contractkit.reference.token_issuer.clients import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from contractkit.spec.mcp import load_contract

WARMUP = 10


def suite_rate(endpoint: Endpoint, tool: Any, calls: int) -> tuple[float, int, float]:
    """(calls per second including generation, failed calls, generation ms per call)."""
    errors = 0
    with McpClient(endpoint, timeout=30) as client:
        client.initialize()
        for args in sample_valid(tool.parameters, WARMUP):
            client.call_tool(tool.name, args)
        started = time.perf_counter()  # session start-up excluded, as for the raw loop
        arguments = sample_valid(tool.parameters, calls)
        generated = time.perf_counter()
        for kind, result in client.call_many(tool.name, arguments):  # as MCP-CALL-001 does
            if kind != "result" or result.is_error or return_problem(tool.returns, result):
                errors += 1
    return len(arguments) / (time.perf_counter() - started), errors, (generated - started) * 1000 / len(arguments)


async def _raw(endpoint: Endpoint, tool: str, arguments: list[Any]) -> float:
    from mcp import ClientSession

    async def loop(session: Any) -> float:
        await session.initialize()
        for args in arguments[:WARMUP]:
            await session.call_tool(tool, args)
        started = time.perf_counter()
        for args in arguments:
            await session.call_tool(tool, args)
        return len(arguments) / (time.perf_counter() - started)

    if endpoint.url:
        from mcp.client.streamable_http import streamable_http_client

        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {endpoint.token}"}) as http, \
                streamable_http_client(endpoint.url, http_client=http) as (read, write), \
                ClientSession(read, write) as session:
            return await loop(session)
    from mcp.client.stdio import StdioServerParameters, stdio_client

    argv = (endpoint.command or "").split()
    params = StdioServerParameters(command=argv[0], args=argv[1:], env=endpoint.env)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        return await loop(session)


def raw_rate(endpoint: Endpoint, tool: Any, calls: int) -> float:
    arguments = sample_valid(tool.parameters, calls)
    return anyio.run(_raw, endpoint, tool.name, arguments)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="alternating raw/suite rounds; medians are reported")
    parser.add_argument("--tool", default="search_customers")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args()
    tool = load_contract().server("crm-data-mcp").tool(args.tool)
    if tool is None:
        parser.error(f"crm-data-mcp has no tool {args.tool}")
    rows = []
    with McpStack(servers=("crm-data-mcp",), rate_limit=(1_000_000, 1.0)) as stack:
        import httpx

        token = httpx.post(stack.token_url, data={"grant_type": "client_credentials", "scope": "crm.read crm.write",
                                                  "audience": "crm-data-mcp"},
                           auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)).json()["access_token"]
        endpoints = {
            "stdio": Endpoint(command=f"{sys.executable} -m contractkit.reference.mcp.serve crm-data-mcp --stdio",
                              env=server_env(None)),
            "http": Endpoint(url=stack.url("crm-data-mcp"), token=token),
        }
        for transport, endpoint in endpoints.items():
            raws, suites, gens, errors = [], [], [], 0
            for _ in range(args.rounds):  # alternate, so load on a shared machine hits both sides alike
                raws.append(raw_rate(endpoint, tool, args.calls))
                rate, failed, gen_ms = suite_rate(endpoint, tool, args.calls)
                suites.append(rate)
                gens.append(gen_ms)
                errors += failed
            raw, suite = statistics.median(raws), statistics.median(suites)
            rows.append({"transport": transport, "tool": tool.name, "calls": args.calls, "rounds": args.rounds,
                         "suite_calls_per_s": round(suite, 1), "raw_sdk_calls_per_s": round(raw, 1),
                         "ratio": round(suite / raw, 3), "generation_ms_per_call": round(statistics.median(gens), 2),
                         "suite_errors": errors})
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        print(f"{'transport':<10}{'suite calls/s':>15}{'raw SDK calls/s':>18}{'ratio':>8}{'generation ms/call':>20}")
        for r in rows:
            print(f"{r['transport']:<10}{r['suite_calls_per_s']:>15}{r['raw_sdk_calls_per_s']:>18}{r['ratio']:>8}"
                  f"{r['generation_ms_per_call']:>20}")
        print(f"(medians of {args.rounds} rounds of {args.calls} calls of {tool.name}; "
              "suite = generation + call + validation)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
