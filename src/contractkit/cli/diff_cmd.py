"""Compare two versions of a spec: what breaks, and which version bump the change needs."""

from __future__ import annotations

import argparse

from contractkit.reports import DIFF_FORMATS

FORMATS = tuple(DIFF_FORMATS)


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
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report here instead of stdout")
    parser.add_argument(
        "--report",
        action="append",
        metavar="FORMAT=FILE",
        help="also write the report in another format (text, markdown, json, github, changelog); repeatable",
    )
    parser.add_argument(
        "--fail-on",
        choices=("breaking", "possibly-breaking", "non-breaking", "none"),
        default="breaking",
        help="which changes fail the gate when the version bump does not cover them: breaking (default; they "
        "need a major bump), possibly-breaking (they need a major bump too), non-breaking (additions need a "
        "minor bump as well), none (report only)",
    )
    parser.add_argument("--changelog", action="store_true", help="print a changelog entry instead of the report")
    parser.add_argument("--main-branch", default="main", help="branch used for the one-argument form")
    parser.add_argument(
        "--deprecation-policy",
        action="store_true",
        help="also check the deprecation policy: removals must have been deprecated and be past their sunset "
        "date, deprecations need a sunset date, only draft and alpha operations (x-stability-level) may break",
    )
    parser.add_argument(
        "--policy-file",
        metavar="FILE",
        help="the deprecation policy from a YAML file (rules, today, default-stability, min-sunset-days, severity "
        "overrides); see docs/diff.md",
    )
    parser.add_argument(
        "--max-depth",
        type=int,
        metavar="N",
        help="refuse specs nested deeper than N levels (default 1000, at most 10000)",
    )


def run(args: argparse.Namespace) -> int:
    from contractkit.diff.command import run_diff

    return run_diff(args)
