"""Run the live conformance suite against a neuron/ or an MCP server."""

from __future__ import annotations

import argparse


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", metavar="PATH", help="the spec to verify against (default: the bundled one)")
    parser.add_argument("--profile", choices=("quick", "default", "thorough"), default="default")
    parser.add_argument("--rule", action="append", metavar="ID", help="run only these rule ids (repeatable)")
    parser.add_argument("--skip", action="append", metavar="ID", help="skip these rule ids (repeatable)")
    parser.add_argument("--require-all", action="store_true", help="treat 'not verified' as a failure")
    parser.add_argument("--junit-xml", metavar="FILE")
    parser.add_argument("--report-json", metavar="FILE")
    parser.add_argument("--markdown", metavar="FILE", help="also appended to $GITHUB_STEP_SUMMARY when set")
    parser.add_argument("--sarif", metavar="FILE")
    parser.add_argument("--token-url", metavar="URL", help="override the spec's token endpoint")
    parser.add_argument(
        "--client-id", metavar="ID", help="client id for client credentials (or CONTRACTKIT_CLIENT_ID)"
    )
    parser.add_argument(
        "--client-secret-env",
        metavar="VAR",
        default="CONTRACTKIT_CLIENT_SECRET",
        help="environment variable holding the client secret (never passed on the command line)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="per-request timeout in seconds")
    parser.add_argument("-v", "--verbose", action="count", default=0)


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="target_kind", metavar="TARGET", required=True)

    neuron = sub.add_parser("neuron", help="verify a live neuron/ against neuron-api.yaml")
    neuron.add_argument("--base-url", required=True, metavar="URL")
    _common(neuron)
    neuron.add_argument(
        "--provider-double",
        metavar="URL",
        help="control URL of the provider double the target is pointed at (enables fault rules)",
    )
    neuron.add_argument(
        "--fault-injection",
        action="store_true",
        help="the target has the spec's x-fault-injection hook enabled (ignoring it is then a violation)",
    )
    neuron.add_argument("--no-rate-limit", action="store_true", help="skip the burst test (shared staging)")
    neuron.add_argument("--customer-id", metavar="UUID", help="a customer that exists on the target")

    mcp = sub.add_parser("mcp", help="verify a live MCP server against mcp-servers.yaml")
    mcp.add_argument("--server", required=True, metavar="NAME", help="the server's name in the spec")
    target = mcp.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", metavar="URL", help="streamable HTTP endpoint of the server")
    target.add_argument("--stdio", metavar="CMD", help="command line that starts the server on stdio")
    _common(mcp)
    mcp.add_argument("--strict", action="store_true", help="undeclared tools fail instead of warn")
    mcp.add_argument("--audit-log", metavar="PATH", help="the server's audit log (JSON lines)")
    mcp.add_argument("--engine-double", metavar="URL", help="the kit's engine double the server calls")
    mcp.add_argument("--no-rate-limit", action="store_true", help="skip the burst test (shared staging)")


def run(args: argparse.Namespace) -> int:
    from contractkit.conformance.command import run_verify

    return run_verify(args)
