"""Compare two versions of a spec: what breaks, and which version bump the change needs."""

from __future__ import annotations

import argparse

FORMATS = ("text", "markdown", "json", "github")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE", help="base spec: a path or REV:path")
    parser.add_argument(
        "head",
        nargs="?",
        metavar="HEAD",
        help="head spec: a path or REV:path (with one argument, BASE is the head and the base is "
        "the same file at the merge base with the main branch)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--output", "-o", metavar="FILE")
    parser.add_argument(
        "--fail-on",
        choices=("breaking", "possibly-breaking", "none"),
        default="breaking",
        help="which changes fail the gate when the version bump does not cover them (default: breaking)",
    )
    parser.add_argument("--changelog", action="store_true", help="print a changelog entry for the change")
    parser.add_argument("--main-branch", default="main", help="branch used for the one-argument form")


def run(args: argparse.Namespace) -> int:
    from contractkit.diff.command import run_diff

    return run_diff(args)
