"""List every lint rule, conformance check and diff change kind, or document one."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule_id", nargs="?", metavar="ID", help="show the full documentation of one rule")
    parser.add_argument("--kind", choices=("all", "lint", "neuron", "mcp", "diff"), default="all")
    parser.add_argument("--format", choices=("text", "markdown"), default="text")


def run(args: argparse.Namespace) -> int:
    from contractkit.catalog import run_rules

    return run_rules(args)
