"""Entry point: parse arguments, dispatch to one command, and report what escaped it as one line
(exit codes are decided in ``contractkit.errors.exit_code``)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from contractkit import __version__
from contractkit.errors import ContractkitError, exit_code

# Subcommand name -> module under contractkit.cli that defines ``configure(parser)`` and ``run(args)``.
COMMANDS: dict[str, str] = {
    "lint": "lint_cmd",
    "diff": "diff_cmd",
    "verify": "verify_cmd",
    "serve": "serve_cmd",
    "demo": "demo_cmd",
    "selftest": "selftest_cmd",
    "rules": "rules_cmd",
    "init": "init_cmd",
    "chaos": "chaos_cmd",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="contractkit",
        description="Contract-first specs, linters, diff and live conformance checks for AI services.",
    )
    parser.add_argument("--version", action="version", version=f"contractkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"contractkit.cli.{module_name}")
        doc = (module.__doc__ or "").strip().splitlines()[0]
        cmd = sub.add_parser(name, help=doc, description=doc)
        module.configure(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args))
    except ContractkitError as exc:
        print(f"contractkit: error: {exc.one_line()}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt as exc:
        print("contractkit: interrupted", file=sys.stderr)
        return exit_code(exc)
    except BrokenPipeError as exc:
        return exit_code(exc)
    except Exception as exc:  # a bug of ours: one line unless the user asks for the traceback
        if os.environ.get("CONTRACTKIT_DEBUG"):
            raise
        print(
            f"contractkit: internal error: {type(exc).__name__}: {exc} "
            "(set CONTRACTKIT_DEBUG=1 for the traceback, and please report it)",
            file=sys.stderr,
        )
        return exit_code(exc)

if __name__ == "__main__":
    raise SystemExit(main())
