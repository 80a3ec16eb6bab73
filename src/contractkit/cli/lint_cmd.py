"""Lint neuron-api (OpenAPI) and mcp-servers specs: structure plus house rules, with file:line findings."""

from __future__ import annotations

import argparse

from contractkit.reports import LINT_FORMATS

FORMATS = tuple(LINT_FORMATS)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="spec files or folders (default: specs/)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--rule", action="append", metavar="ID", help="run only these rule ids (repeatable)")
    parser.add_argument("--skip", action="append", metavar="ID", help="skip these rule ids (repeatable)")
    parser.add_argument(
        "--ignore-file",
        metavar="FILE",
        help="file of findings to silence (default: .contractkit-ignore beside the spec or in the cwd)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="do not reuse cached openapi-spec-validator verdicts (~/.cache/contractkit)",
    )
    parser.add_argument(
        "--thorough",
        action="store_true",
        help="validate with the reference validators only: openapi-spec-validator for the structure "
        "(no fast path, no cached verdict) and jsonschema for examples (slower; same findings)",
    )


def run(args: argparse.Namespace) -> int:
    from contractkit.lint.command import run_lint

    return run_lint(args)
