"""``contractkit verify``: drive the packaged conformance suite through pytest, map the run to an exit code.

There is no second runner: this builds pytest's command line from the CLI's arguments and
calls ``pytest.main`` on ``contractkit.resources.conformance_dir()``. Configuration and
reachability are checked first, so a bad flag or a dead target is one line and exit 2.

Exit codes: 0 every selected rule holds (not verified allowed unless ``--require-all``),
1 violations, 2 bad configuration or unreachable target, 3 internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path
from typing import Any

from contractkit.errors import EXIT_INTERNAL, ConfigError, SpecReadError, TargetUnreachableError


class _ResultSink:
    """A pytest plugin object that keeps the run's state when the session ends."""

    def __init__(self) -> None:
        self.state: Any = None

    def pytest_sessionfinish(self, session: Any) -> None:
        from contractkit.conformance.plugin import STATE_KEY

        self.state = session.config.stash.get(STATE_KEY, None)


def pytest_args(args: argparse.Namespace) -> list[str]:
    """The pytest command line equivalent to these CLI arguments (after the suite's folder)."""
    out: list[str] = []

    def flag(name: str, value: Any) -> None:
        if value:
            out.append(name)

    def opt(name: str, value: Any) -> None:
        if value is not None and value != "":
            out.extend([name, str(value)])

    if args.target_kind == "neuron":
        opt("--neuron-url", args.base_url)
        opt("--provider-double", getattr(args, "provider_double", None))
        opt("--customer-id", getattr(args, "customer_id", None))
        flag("--fault-injection", getattr(args, "fault_injection", False))
    else:
        opt("--mcp-server", args.server)
        opt("--mcp-url", getattr(args, "url", None))
        opt("--mcp-stdio", getattr(args, "stdio", None))
        opt("--audit-log", getattr(args, "audit_log", None))
        opt("--engine-double", getattr(args, "engine_double", None))
        flag("--mcp-strict", getattr(args, "strict", False))
    flag("--no-rate-limit", getattr(args, "no_rate_limit", False))
    opt("--spec", args.spec)
    opt("--profile", args.profile)
    for rule in args.rule or ():
        opt("--rule", rule)
    for rule in args.skip or ():
        opt("--skip", rule)
    flag("--require-all", args.require_all)
    opt("--junit-xml", args.junit_xml)
    opt("--report-json", args.report_json)
    opt("--markdown", args.markdown)
    opt("--sarif", args.sarif)
    opt("--token-url", args.token_url)
    opt("--client-id", args.client_id)
    opt("--client-secret-env", args.client_secret_env)
    opt("--request-timeout", args.timeout)
    return out


def _validate(args: argparse.Namespace) -> None:
    if args.spec and not Path(args.spec).is_file():
        raise SpecReadError(f"no such spec file: {args.spec}")
    url = args.base_url if args.target_kind == "neuron" else getattr(args, "url", None)
    for name, value in (("--base-url" if args.target_kind == "neuron" else "--url", url),
                        ("--token-url", args.token_url), ("--provider-double", getattr(args, "provider_double", None))):
        if value and not str(value).startswith(("http://", "https://")):
            raise ConfigError(f"{name} must be an http:// or https:// URL, not {value!r}")
    if not 0 < float(args.timeout) <= 600:
        raise ConfigError("--timeout must be between 0 and 600 seconds")
    client_id = args.client_id or os.environ.get("CONTRACTKIT_CLIENT_ID")
    if client_id and not os.environ.get(args.client_secret_env or "CONTRACTKIT_CLIENT_SECRET"):
        raise ConfigError(f"a client id was given but ${args.client_secret_env} (the client secret) is not set")


def _preflight(args: argparse.Namespace) -> None:
    """Load the spec and reach the target before pytest starts, so failures are one line."""
    if args.target_kind != "neuron":
        # The declared server, its URL or its command are checked here so that a typo or a
        # down target is one line; the MCP handshake itself runs inside pytest.
        from contractkit.conformance.mcp.kind import check_reachable
        from contractkit.conformance.options import PROFILES, VerifyOptions

        check_reachable(VerifyOptions(
            kind="mcp", spec=Path(args.spec) if args.spec else None, profile=PROFILES[args.profile],
            mcp_server=args.server, mcp_url=args.url, mcp_stdio=args.stdio, request_timeout=float(args.timeout),
        ))
        return
    from contractkit.conformance.http import probe
    from contractkit.resources import neuron_spec_path
    from contractkit.spec.neuron import NeuronSpec

    NeuronSpec.load(args.spec or neuron_spec_path())
    probe(args.base_url, timeout=float(args.timeout))


def run_suite(args: argparse.Namespace, *, extra_pytest_args: list[str] | None = None,
              quiet: bool = False) -> tuple[int, Any]:
    """Run the packaged suite; (pytest's exit code, the plugin's ``RunState`` or None).

    ``quiet`` swallows pytest's terminal output (the self-test prints its own matrix).
    """
    import pytest

    from contractkit.resources import conformance_dir

    _validate(args)
    _preflight(args)
    suite = conformance_dir()
    argv = [str(suite), "-p", "no:cacheprovider", "--rootdir", str(suite), "-c", os.devnull,
            "--import-mode=importlib", "--tb=short", "--assert=plain", "-p", "no:schemathesis",
            "-p", "no:anyio", "-W", "ignore::DeprecationWarning",
            "-W", "ignore::pytest.PytestAssertRewriteWarning", "-o", "console_output_style=progress"]
    argv += ["-v"] if getattr(args, "verbose", 0) else ["-q"]
    argv += pytest_args(args) + list(extra_pytest_args or ())
    sink = _ResultSink()
    previous = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        if quiet:
            with contextlib.redirect_stdout(io.StringIO()):
                code = int(pytest.main(argv, plugins=[sink]))
        else:
            code = int(pytest.main(argv, plugins=[sink]))
    finally:
        sys.dont_write_bytecode = previous
    return code, sink.state


def run_verify(args: argparse.Namespace, *, extra_pytest_args: list[str] | None = None) -> int:
    import pytest

    code, state = run_suite(args, extra_pytest_args=extra_pytest_args)
    if state is not None and state.fatal:
        raise TargetUnreachableError(state.fatal)
    if code == pytest.ExitCode.USAGE_ERROR:
        raise ConfigError("the conformance suite rejected its options (see the message above)")
    if code == pytest.ExitCode.INTERNAL_ERROR:
        return EXIT_INTERNAL
    if state is None or state.result is None:
        if code == pytest.ExitCode.NO_TESTS_COLLECTED or (state is not None and not state.selected_rules):
            raise ConfigError("no rule was selected: check --rule / --skip")
        return EXIT_INTERNAL if code not in (0, 1) else code
    return 0 if state.result.ok else 1


def verify_namespace(base_url: str, **overrides: Any) -> argparse.Namespace:
    """The arguments of ``contractkit verify neuron --base-url URL``, for in-process callers (demo, self-test)."""
    from contractkit.cli.main import build_parser

    args = build_parser().parse_args(["verify", "neuron", "--base-url", base_url])
    for key, value in overrides.items():
        setattr(args, key, value)
    return args
