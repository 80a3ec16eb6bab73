"""Run the suite on deliberately broken reference servers and print the detection matrix."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", choices=("all", "neuron", "mcp"), default="all")
    parser.add_argument("--variant", action="append", metavar="NAME", help="run only these variants")
    parser.add_argument("--profile", choices=("quick", "default", "thorough"), default="quick")
    parser.add_argument("--fast", action="store_true",
                        help="run only the rules that are not slow (no fault matrix, expired token or burst) "
                             "plus those the variant's defect is about (default: every rule on every variant)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--list", action="store_true", help="list the variants and the rule each must fail")


def run(args: argparse.Namespace) -> int:
    from contractkit.selftest import run_selftest

    return run_selftest(args)
