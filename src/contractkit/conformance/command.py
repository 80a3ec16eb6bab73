"""``contractkit verify``: drive the packaged conformance suite through pytest, map the run to an exit code.

There is no second runner: this builds pytest's command line from the CLI's arguments and
calls ``pytest.main`` on ``contractkit.resources.conformance_dir()``. Configuration and
reachability are checked first, so a bad flag or a dead target is one line and exit 2.

Exit codes: 0 every selected rule holds (not verified allowed unless ``--require-all``),
1 violations, 2 bad configuration or unreachable target, 3 the suite did not finish
(interrupted, internal error); see ``contractkit.errors``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from typing import Any

from contractkit.conformance.options import VerifyOptions
from contractkit.conformance.preflight import PreflightPassed, run_preflight
from contractkit.errors import (
    EXIT_BAD_INPUT,
    EXIT_FINDINGS,
    EXIT_OK,
    ConfigError,
    SuiteAbortedError,
    TargetUnreachableError,
)


class _ResultSink:
    """A pytest plugin object that keeps the run's state when the session ends."""

    def __init__(self) -> None:
        self.state: Any = None

    def pytest_sessionfinish(self, session: Any) -> None:
        from contractkit.conformance.plugin import STATE_KEY

        self.state = session.config.stash.get(STATE_KEY, None)


def options_of(args: argparse.Namespace) -> VerifyOptions:
    """The run's options from the CLI's arguments, through the same function the plugin uses."""
    from contractkit.conformance.options import options_from_values

    if args.target_kind == "neuron" and not getattr(args, "neuron_url", None):
        raise ConfigError("verify neuron needs --neuron-url URL")
    if args.target_kind == "mcp":
        if not getattr(args, "mcp_server", None):
            raise ConfigError("verify mcp needs --mcp-server NAME")
        if not (getattr(args, "mcp_url", None) or getattr(args, "mcp_stdio", None)):
            raise ConfigError("verify mcp needs --mcp-url URL or --mcp-stdio CMD")
    return options_from_values(lambda dest: getattr(args, dest, None))


def pytest_args(args: argparse.Namespace) -> list[str]:
    """The pytest command line equivalent to these CLI arguments (after the suite's folder)."""
    from contractkit.conformance.options import OPTIONS

    out: list[str] = []
    for option in OPTIONS:
        if args.target_kind not in option.kinds:
            continue
        value = getattr(args, option.dest, None)
        flag = option.pytest_flag or option.flag
        if option.action == "store_true":
            out += [flag] if value else []
        elif option.action == "append":
            for item in value or ():
                out += [flag, str(item)]
        elif value is not None and value != "":
            out += [flag, str(value)]
    return out


def run_suite(args: argparse.Namespace, *, extra_pytest_args: list[str] | None = None,
              quiet: bool = False) -> tuple[int, Any]:
    """Run the packaged suite; (pytest's exit code, the plugin's ``RunState`` or None).

    ``quiet`` swallows pytest's terminal output (the self-test prints its own matrix).
    """
    import pytest

    from contractkit.resources import conformance_dir

    options = options_of(args)
    args.seed = options.seed  # a random seed is drawn once, here, and handed to the run
    run_preflight(options)
    suite = conformance_dir()
    argv = [str(suite), "-p", "no:cacheprovider", "--rootdir", str(suite), "--confcutdir", str(suite), "-c", os.devnull,
            "--import-mode=importlib", "--tb=short", "--assert=plain", "-p", "no:schemathesis",
            "-p", "no:anyio", "-W", "ignore::DeprecationWarning",
            "-W", "ignore::pytest.PytestAssertRewriteWarning", "-o", "console_output_style=classic"]
    argv += ["-v"] if getattr(args, "verbose", 0) else ["-q"]
    argv += pytest_args(args) + list(extra_pytest_args or ())
    sink = _ResultSink()
    plugins: list[Any] = [sink]
    if not options.plan:
        plugins.append(PreflightPassed(options.target))
    previous = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        if quiet:
            with contextlib.redirect_stdout(io.StringIO()):
                code = int(pytest.main(argv, plugins=plugins))
        else:
            code = int(pytest.main(argv, plugins=plugins))
    finally:
        sys.dont_write_bytecode = previous
    return code, sink.state


def run_verify(args: argparse.Namespace, *, extra_pytest_args: list[str] | None = None) -> int:
    """Run the suite and turn its ending into the kit's exit code (``contractkit.errors.PYTEST_EXIT``)."""
    code, state = run_suite(args, extra_pytest_args=extra_pytest_args)
    if state is not None and state.planned:
        return EXIT_OK
    if state is not None and state.fatal:
        raise TargetUnreachableError(state.fatal)
    if code in (EXIT_BAD_INPUT, 4):  # the plugin maps pytest's usage errors to 2; errors in configure stay 4
        raise ConfigError("the conformance suite rejected its options (see the message above)")
    if code == 5:
        raise ConfigError("no rule was selected: check --rule / --skip and the filters")
    if code not in (0, 1) or state is None or state.result is None:
        why = state.meta.get("abnormal") if state is not None else None
        raise SuiteAbortedError(f"the conformance suite did not finish: {why or f'pytest exit status {code}'}")
    return EXIT_OK if state.result.ok else EXIT_FINDINGS


def verify_namespace(neuron_url: str, **overrides: Any) -> argparse.Namespace:
    """The arguments of ``contractkit verify neuron --neuron-url URL``, for in-process callers (demo,
    self-test): every option at its default, from the same table the CLI is built from."""
    from contractkit.conformance.options import OPTIONS

    args = argparse.Namespace(target_kind="neuron", verbose=0, **{o.dest: o.default for o in OPTIONS})
    args.neuron_url = neuron_url
    for key, value in overrides.items():
        setattr(args, key, value)
    return args
