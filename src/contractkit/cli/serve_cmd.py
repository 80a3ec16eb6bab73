"""Run the reference servers: neuron/, the provider double, the token issuer, MCP servers, or all."""

from __future__ import annotations

import argparse

SERVICES = ("neuron", "provider-double", "token-issuer", "engine-double", "mcp", "stack", "neuron-double")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("service", choices=SERVICES)
    parser.add_argument("name", nargs="?", help="with 'mcp': the server name from mcp-servers.yaml")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--stdio", action="store_true", help="with 'mcp': serve on stdin/stdout")
    parser.add_argument("--issuer-url", help="with 'neuron': the token issuer whose JWKS verifies tokens "
                        "(default: $NEURON_ISSUER_URL, else an embedded issuer)")
    parser.add_argument("--clients", metavar="FILE",
                        help="with 'token-issuer': a YAML or JSON file of clients (client_id, secret_env, scopes, "
                        "audiences, default_audience; see docs/tokens.md); default: the demo clients")
    parser.add_argument("--fault-injection", action="store_true",
                        help="with 'neuron' or 'stack': honour the X-Fault-Inject header (NEURON_FAULT_INJECTION=1)")
    from contractkit.double.serve import add_arguments

    add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    if args.service == "neuron-double":
        from contractkit.double.serve import serve_double

        return serve_double(args)
    from contractkit.reference.serve import run_serve

    return run_serve(args)
