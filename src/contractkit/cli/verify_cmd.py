"""Run the live conformance suite against a neuron/ or an MCP server."""

from __future__ import annotations

import argparse

from contractkit.conformance.options import OPTIONS, Option

_KIND_HELP = {"neuron": "verify a live neuron/ against neuron-api.yaml",
              "mcp": "verify a live MCP server against mcp-servers.yaml"}


def configure(parser: argparse.ArgumentParser) -> None:
    """One subcommand per target kind, each with the suite's options of that kind (see ``OPTIONS``)."""
    sub = parser.add_subparsers(dest="target_kind", metavar="TARGET", required=True)
    for kind, help_text in _KIND_HELP.items():
        cmd = sub.add_parser(kind, help=help_text, description=help_text)
        for option in OPTIONS:
            if kind in option.kinds:
                add_option(cmd, option)
        cmd.add_argument("-v", "--verbose", action="count", default=0, help="one line per case, pytest's own")


def add_option(parser: argparse.ArgumentParser, option: Option) -> None:
    """The option under its one name, and its old spellings as hidden aliases of the same dest."""
    kwargs: dict[str, object] = {"dest": option.dest, "action": option.action}
    if option.action != "store_true":
        kwargs.update(metavar=option.metavar, type=option.type, choices=option.choices)
    names = ([option.short] if option.short else []) + [option.flag]
    parser.add_argument(*names, help=option.help, default=option.default,
                        **{k: v for k, v in kwargs.items() if v is not None})
    for alias in option.aliases:
        parser.add_argument(alias, help=argparse.SUPPRESS, default=argparse.SUPPRESS,
                            **{k: v for k, v in kwargs.items() if v is not None})


def run(args: argparse.Namespace) -> int:
    from contractkit.conformance.command import run_verify

    return run_verify(args)
