"""Run a consumer's own tests against the neuron/ double, healthy and under each fault mode."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", metavar="PATH", help="the neuron spec the double serves (default: the bundled one)")
    parser.add_argument("--faults", metavar="LIST", help="the fault modes, comma-separated; NAME=RATE runs the seeded "
                        "schedule at that rate (default: every fault the double plays)")
    parser.add_argument("--double", metavar="URL", help="use this running neuron-double instead of starting one")
    parser.add_argument("--seed", type=int, default=0, help="the double's seed (answers and schedules; default 0)")
    parser.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS",
                        help="the longest one run of the command may take (default 300)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=NAME",
                        help="rename a variable given to the command: url, token_url, client_id, client_secret, mode "
                        "(default NEURON_URL, NEURON_TOKEN_URL, NEURON_CLIENT_ID, NEURON_CLIENT_SECRET, NEURON_FAULT)")
    parser.add_argument("--report-json", metavar="FILE", help="write the matrix and the record as JSON")
    parser.add_argument("--markdown", metavar="FILE", help="write the matrix as Markdown")
    parser.add_argument("--junit-xml", metavar="FILE", help="write JUnit XML (one case per mode)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the consumer's test command")


def run(args: argparse.Namespace) -> int:
    from contractkit.double.chaos_command import run_chaos

    return run_chaos(args)
