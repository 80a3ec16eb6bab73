"""Run the suite on deliberately broken reference servers and print the detection matrix."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", choices=("all", "neuron", "mcp"), default="all")
    parser.add_argument("--variant", action="append", metavar="NAME", help="run only these variants")


def run(args: argparse.Namespace) -> int:
    from contractkit.selftest import run_selftest

    return run_selftest(args)
