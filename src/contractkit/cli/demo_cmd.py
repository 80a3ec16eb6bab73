"""Start the reference stack, lint the specs and verify every reference server: the main job."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", choices=("quick", "default", "thorough"), default="default")
    parser.add_argument("--report-dir", metavar="DIR", help="write JUnit, JSON and Markdown reports here")


def run(args: argparse.Namespace) -> int:
    from contractkit.demo import run_demo

    return run_demo(args)
