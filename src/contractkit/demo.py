"""``contractkit demo``: the main job end to end, on the kit's own reference stack.

Starts the token issuer, the provider double and the reference neuron/ on free loopback
ports, lints the bundled specs, verifies neuron/ with every rule (fallback through the provider
double, both streams, the burst), verifies the reference MCP servers when the MCP suite is
installed, prints one summary and exits 0 when everything holds.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path
from typing import Any

SECRET_ENV = "CONTRACTKIT_DEMO_CLIENT_SECRET"


def _lint() -> tuple[bool, str]:
    try:
        from contractkit.lint.runner import lint_paths
    except ModuleNotFoundError:
        return True, "lint: not available in this build"
    from contractkit.resources import specs_dir

    report = lint_paths([specs_dir()])
    errors = [f for f in report.findings if getattr(f, "severity", "error") == "error"]
    ok = not report.errors and not errors
    return ok, (f"lint: {len(report.files)} specs, {len(report.findings)} findings "
                f"({len(errors)} errors){'' if ok else ' -- see `contractkit lint`'}")


def _verify_neuron(profile: str, report_dir: Path | None) -> tuple[bool, list[str]]:
    from contractkit.conformance.command import run_suite, verify_namespace
    from contractkit.reference.stack import ReferenceStack
    from contractkit.reports.text import render_verify_summary as render_summary

    with ReferenceStack() as stack:
        print(f"reference stack: neuron/ {stack.neuron_url}, token issuer {stack.issuer_url}, "
              f"provider double {stack.double_url}")
        sys.stdout.flush()
        previous = os.environ.get(SECRET_ENV)
        os.environ[SECRET_ENV] = stack.client_secret
        try:
            reports: dict[str, Any] = {}
            if report_dir:
                report_dir.mkdir(parents=True, exist_ok=True)
                reports = {"junit_xml": str(report_dir / "neuron.junit.xml"),
                           "report_json": str(report_dir / "neuron.json"),
                           "markdown": str(report_dir / "neuron.md")}
            args = verify_namespace(stack.neuron_url, token_url=stack.token_url, client_id=stack.client_id,
                                    client_secret_env=SECRET_ENV, provider_double=stack.double_url,
                                    other_audience="crm-data-mcp",
                                    profile=profile, require_all=True, **reports)
            code, state = run_suite(args, quiet=True)
        finally:
            if previous is None:
                os.environ.pop(SECRET_ENV, None)
            else:
                os.environ[SECRET_ENV] = previous
    if state is None or state.result is None:
        return False, [f"verify neuron: the suite did not run (pytest exit {code})"]
    return state.result.ok, render_summary(state.result)


def _verify_mcp(profile: str, report_dir: Path | None) -> bool | None:
    """Both reference MCP servers through the MCP suite, when it is installed (None otherwise)."""
    try:
        module = importlib.import_module("contractkit.selftest.mcp_matrix")
    except ModuleNotFoundError:
        return None
    verify = getattr(module, "verify_reference_servers", None)
    if verify is None:
        return None
    print("\nreference MCP servers (crm-data-mcp, document-retrieval-mcp):")
    sys.stdout.flush()
    return verify(profile=profile, report_dir=report_dir) == 0


def run_demo(args: argparse.Namespace) -> int:
    started = time.monotonic()
    profile = getattr(args, "profile", "default") or "default"
    report_dir = Path(args.report_dir) if getattr(args, "report_dir", None) else None
    print("contractkit demo: lint the specs, start the reference stack, verify it against its contracts\n")
    lint_ok, lint_line = _lint()
    print(lint_line)
    sys.stdout.flush()
    neuron_ok, lines = _verify_neuron(profile, report_dir)
    print("\n".join(lines))
    mcp_ok = _verify_mcp(profile, report_dir)
    if mcp_ok is None:
        print("\nMCP suite: not available in this build")
    verdict = lint_ok and neuron_ok and mcp_ok is not False
    print(f"\ndemo {'passed' if verdict else 'FAILED'} in {time.monotonic() - started:.1f} s"
          + (f"; reports in {report_dir}" if report_dir else ""))
    return 0 if verdict else 1
