"""The MCP suite run on the reference servers and on each broken variant (self-test, demo).

``detect(name)`` starts an ``McpStack`` whose crm-data-mcp carries one variant's defect (or
none), verifies it in-process through the same pytest suite ``contractkit verify mcp`` runs,
and reports which rules failed. A variant is caught when its rule is among the failures; the
reference must pass with every rule verified, and every rule has at least one variant. By default a variant runs
every rule but the slow ones (the rate-limit burst and the expired-token wait) plus its own;
``full=True`` runs everything.

``verify_reference_servers`` is the demo's entry point: both reference servers over HTTP, with
the audit logs and the engine double, reports written per server when a folder is given.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SECRET_ENV = "CONTRACTKIT_MCP_SELFTEST_SECRET"
SLOW_RULES = ("MCP-RATE-001", "MCP-AUTH-003")
REFERENCE_SERVER = "crm-data-mcp"


def verify_args(server: str, *, url: str | None = None, stdio: str | None = None,
                **overrides: Any) -> argparse.Namespace:
    """The arguments of ``contractkit verify mcp --server NAME (--url URL | --stdio CMD)``."""
    from contractkit.cli.main import build_parser

    argv = ["verify", "mcp", "--server", server] + (["--url", url] if url else ["--stdio", stdio or ""])
    args = build_parser().parse_args(argv)
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


def stack_args(stack: Any, server: str, **overrides: Any) -> argparse.Namespace:
    """Arguments that verify one server of a running ``McpStack`` with every rule able to run."""
    from contractkit.reference.token_issuer.clients import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

    os.environ[SECRET_ENV] = DEMO_CLIENT_SECRET
    return verify_args(server, url=stack.url(server), token_url=stack.token_url, client_id=DEMO_CLIENT_ID,
                       client_secret_env=SECRET_ENV, audit_log=str(stack.audit_path(server)),
                       engine_double=stack.engine_url, **overrides)


def rules_for(expected: str | None, full: bool, only_expected: bool = False) -> list[str] | None:
    """The rules a row runs: all (the reference, ``full``), the variant's own (``only_expected``:
    the project's tests, which only ask whether it is caught), else all but the slow ones plus its own."""
    if full or expected is None:
        return None
    if only_expected:
        return [expected]
    from contractkit.conformance.kinds import MCP_CHECKS

    return [r.id for r in MCP_CHECKS if r.id not in SLOW_RULES or r.id == expected]


def detect(name: str | None, *, profile: str = "quick", full: bool = False, only_expected: bool = False) -> Any:
    """Run the suite on the reference (``name`` None) or on one variant; a ``Detection``."""
    from contractkit.conformance.command import run_suite
    from contractkit.reference.mcp.stack import McpStack
    from contractkit.selftest.matrix import Detection
    from contractkit.selftest.mcp_variants import variant

    v = variant(name) if name else None
    started = time.monotonic()
    result = Detection(f"mcp:{name}" if name else "mcp:reference", v.expected if v else "",
                       v.description if v else "no defect")
    server = v.server if v else REFERENCE_SERVER
    try:
        with McpStack(configure={server: v.configure} if v else None, servers=(server,)) as stack:
            rules = rules_for(v.expected if v else None, full, only_expected)
            args = stack_args(stack, server, profile=profile, rule=rules, **(v.verify if v else {}))
            code, state = run_suite(args, quiet=True)
        result.record(code, state)
    except Exception as exc:  # a variant that cannot start is a defect of the self-test itself
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        os.environ.pop(SECRET_ENV, None)
    result.duration_s = time.monotonic() - started
    return result


def mcp_names(names: Iterable[str] | None) -> list[str] | None:
    """The MCP variants among ``--variant`` names (``mcp:NAME``, a bare MCP variant name, or
    ``mcp:reference``); None when no name was given, [] when only neuron/ names were."""
    from contractkit.selftest.mcp_variants import VARIANT_NAMES

    if not names:
        return None
    known = {*VARIANT_NAMES, "reference"}
    picked = [n.removeprefix("mcp:") for n in names]
    return [n for n, raw in zip(picked, names, strict=True)
            if n in known and (raw.startswith("mcp:") or n != "reference")]


def detection_matrix(names: Iterable[str] | None = None, *, profile: str = "quick", full: bool = False,
                     only_expected: bool = False) -> list[Any]:
    from contractkit.selftest.mcp_variants import VARIANT_NAMES

    chosen: list[str | None] = [None, *VARIANT_NAMES]
    wanted = mcp_names(names)
    if wanted is not None:
        chosen = [n for n in chosen if (n or "reference") in wanted]
    return [detect(n, profile=profile, full=full, only_expected=only_expected) for n in chosen]


def run_mcp_selftest(args: argparse.Namespace) -> int:
    """Print the MCP detection matrix; 0 only when every variant is caught and the reference passes.

    ``--variant`` names that are not MCP variants are left to the neuron/ matrix; ``--format json``
    prints the rows as JSON (the same shape as the neuron/ rows), ``--list`` lists the variants.
    """
    from dataclasses import asdict

    from contractkit.selftest.matrix import render
    from contractkit.selftest.mcp_variants import VARIANTS

    if getattr(args, "list", False):
        for v in VARIANTS:
            print(f"mcp:{v.name:<24} {v.expected:<13} {v.description}")
        return 0
    names = getattr(args, "variant", None)
    if names and not mcp_names(names):
        return 0
    as_json = getattr(args, "format", "text") == "json"
    if not as_json:
        print("MCP self-test (one defect per variant, in crm-data-mcp; "
              "caught = its rule fails; other rules that fail are shown as collateral)")
        sys.stdout.flush()
    rows = detection_matrix(names, profile=getattr(args, "profile", "quick") or "quick",
                            full=bool(getattr(args, "full", False)))
    ok = bool(rows) and all(r.caught for r in rows)
    if as_json:
        import json

        print(json.dumps([{**asdict(r), "caught": r.caught} for r in rows], indent=2))
        return 0 if ok else 1
    for line in render(rows):
        print(line)
    caught = sum(1 for r in rows if r.caught and r.expected)
    total = sum(1 for r in rows if r.expected)
    line = f"{caught} of {total} MCP variants caught"
    if any(not r.expected for r in rows):
        line += f"; reference {'passes' if all(r.caught for r in rows if not r.expected) else 'FAILS'}"
    print(line + "\n")
    return 0 if ok else 1


def verify_reference_servers(*, profile: str = "quick", report_dir: str | Path | None = None,
                             issuer_url: str | None = None, quiet: bool = True) -> int:
    """Verify both reference MCP servers over HTTP (the demo's MCP step); 0 when both conform.

    With ``quiet`` (the default) pytest's own output is swallowed and each server's rule summary
    is printed instead, as the demo shows it.
    """
    from contractkit.conformance.command import run_suite
    from contractkit.reference.mcp.stack import SERVER_NAMES, McpStack
    from contractkit.reports.text import render_verify_summary as render_summary

    worst = 0
    with McpStack(issuer_url=issuer_url) as stack:
        for server in SERVER_NAMES:
            reports: dict[str, Any] = {}
            if report_dir:
                folder = Path(report_dir)
                folder.mkdir(parents=True, exist_ok=True)
                reports = {"junit_xml": str(folder / f"{server}.junit.xml"),
                           "report_json": str(folder / f"{server}.json"),
                           "markdown": str(folder / f"{server}.md")}
            args = stack_args(stack, server, profile=profile, **reports)
            try:
                _code, state = run_suite(args, quiet=quiet)
            finally:
                os.environ.pop(SECRET_ENV, None)
            ok = state is not None and state.result is not None and state.result.ok and not state.fatal
            if quiet and state is not None and state.result is not None:
                print("\n".join(render_summary(state.result, color=False)))
                sys.stdout.flush()
            worst = max(worst, 0 if ok else (2 if state is None or state.fatal else 1))
    return worst
