"""``contractkit lint``: arguments in, report out, exit code back. The only part that prints."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from contractkit.errors import ConfigError


def default_paths() -> list[str]:
    """``specs/`` of the working folder if there is one, else the bundled specs."""
    if Path("specs").is_dir():
        return ["specs"]
    from contractkit.resources import specs_dir

    return [str(specs_dir())]


def run_lint(args: argparse.Namespace) -> int:
    from contractkit.lint.ignore import load_ignore_files
    from contractkit.lint.runner import discover, lint_paths
    from contractkit.reports import lint_renderer as renderer

    if getattr(args, "no_cache", False):
        os.environ["CONTRACTKIT_NO_CACHE"] = "1"
    if getattr(args, "thorough", False):
        os.environ["CONTRACTKIT_THOROUGH"] = "1"
    paths = list(args.paths) or default_paths()
    files = [path for path, _ in discover(paths)]
    ignores = load_ignore_files(getattr(args, "ignore_file", None), files, Path.cwd())
    report = lint_paths(paths, only=args.rule, skip=args.skip, ignores=ignores, parallel=True)
    for error in report.errors:
        print(f"contractkit: error: {error.one_line()}", file=sys.stderr)
    if report.errors and not report.files and args.format in ("text", "github") and not args.output:
        return report.exit_code  # nothing was checked: the error lines above say it all
    output = renderer(args.format)(report)
    if args.output:
        try:
            Path(args.output).write_text(output, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write the report: {exc.strerror or exc}", location=args.output) from None
    else:
        sys.stdout.write(output)
    return report.exit_code
