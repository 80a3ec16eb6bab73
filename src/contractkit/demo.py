"""``contractkit demo``: the main job end to end, on the kit's own reference stack.

Starts the token issuer, the provider double and the reference neuron/ on free loopback
ports, lints the bundled specs, verifies neuron/ with every rule (fallback through the provider
double, both streams, the burst), verifies the reference MCP servers, prints one summary and
exits 0 only when every part ran and held.

A part that is absent from this build, cannot start, or examined nothing fails the demo: a
demo that says "passed" after skipping a part would vouch for something nobody ran. Absent
parts are found before anything starts, so the demo fails at once and says which.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SECRET_ENV = "CONTRACTKIT_DEMO_CLIENT_SECRET"

# part -> (module, attribute) it cannot run without
PARTS: dict[str, tuple[str, str]] = {
    "lint": ("contractkit.lint.runner", "lint_paths"),
    "verify neuron": ("contractkit.conformance.command", "run_suite"),
    "verify MCP": ("contractkit.selftest.mcp_matrix", "verify_reference_servers"),
}


def missing_parts() -> dict[str, str]:
    """The parts this build cannot run, each with the reason."""
    missing = {}
    for part, (module_name, attribute) in PARTS.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            missing[part] = f"{type(exc).__name__}: {exc}"
            continue
        if not callable(getattr(module, attribute, None)):
            missing[part] = f"{module_name} has no {attribute}"
    return missing


def _lint() -> tuple[bool, list[str]]:
    from contractkit.lint.runner import lint_paths
    from contractkit.resources import specs_dir

    report = lint_paths([specs_dir()])
    errors = [f for f in report.findings if getattr(f, "severity", "error") == "error"]
    ok = bool(report.files) and not report.errors and not errors
    line = (f"lint: {len(report.files)} specs, {len(report.findings)} findings ({len(errors)} errors)"
            + ("" if ok else " -- see `contractkit lint`"))
    if not report.files:
        line += f"; no spec was found in {specs_dir()}"
    return ok, [line]


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
    lines = render_summary(state.result)
    if not state.result.rules:
        return False, [*lines, "verify neuron: no rule ran"]
    return state.result.ok and not state.fatal and code in (0, 1), lines


def _verify_mcp(profile: str, report_dir: Path | None) -> tuple[bool, list[str]]:
    """Both reference MCP servers through the MCP suite (it prints each server's summary)."""
    module = importlib.import_module("contractkit.selftest.mcp_matrix")
    print("\nreference MCP servers (crm-data-mcp, document-retrieval-mcp):")
    sys.stdout.flush()
    code = module.verify_reference_servers(profile=profile, report_dir=report_dir)
    return code == 0, [] if code == 0 else [f"verify MCP: exit {code}"]


def _run_part(name: str, part: Callable[[], tuple[bool, list[str]]]) -> bool:
    """Run one part; one that raises has failed, with the reason, and the others still run."""
    try:
        ok, lines = part()
    except Exception as exc:  # the demo reports every part; a crash is that part failing
        ok, lines = False, [f"{name}: could not run: {type(exc).__name__}: {exc}"]
    if lines:
        print("\n".join(lines))
    sys.stdout.flush()
    return ok


def run_demo(args: argparse.Namespace) -> int:
    started = time.monotonic()
    profile = getattr(args, "profile", "default") or "default"
    report_dir = Path(args.report_dir) if getattr(args, "report_dir", None) else None
    print("contractkit demo: lint the specs, start the reference stack, verify it against its contracts\n")
    missing = missing_parts()
    if missing:
        for part, reason in missing.items():
            print(f"{part}: not available in this build ({reason})")
        print(f"\ndemo FAILED: {', '.join(missing)} cannot run, so the demo cannot vouch for it")
        return 1
    results = [
        _run_part("lint", _lint),
        _run_part("verify neuron", lambda: _verify_neuron(profile, report_dir)),
        _run_part("verify MCP", lambda: _verify_mcp(profile, report_dir)),
    ]
    verdict = all(results)
    print(f"\ndemo {'passed' if verdict else 'FAILED'} in {time.monotonic() - started:.1f} s"
          + (f"; reports in {report_dir}" if report_dir else ""))
    return 0 if verdict else 1
