"""The self-test: the suite run on deliberately broken reference servers (``contractkit selftest``).

Each neuron/ variant in ``variants.py`` carries one defect and the rule id that must catch it;
``matrix.py`` runs the suite on each and on the unbroken reference and prints the detection
matrix. MCP variants come from ``contractkit.selftest.mcp_matrix`` when it is installed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import asdict
from typing import Any

from contractkit.errors import ConfigError


def _mcp_selftest() -> Any:
    try:
        return importlib.import_module("contractkit.selftest.mcp_matrix")
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith("contractkit.conformance.mcp"):
            return None
        raise


def run_selftest(args: argparse.Namespace) -> int:
    """Print the detection matrix; 0 only when every variant is caught and the references pass.

    Variant names prefixed ``mcp:`` belong to the MCP matrix (``contractkit.selftest.mcp_matrix``);
    ``--format json`` prints the neuron/ rows as JSON (the MCP matrix prints its own).
    """
    from contractkit.selftest.matrix import detection_matrix, render
    from contractkit.selftest.variants import REFERENCE, VARIANTS, variant

    suite = getattr(args, "suite", "all")
    mcp = _mcp_selftest() if suite in ("all", "mcp") else None
    if getattr(args, "list", False):
        if suite != "mcp":
            for v in VARIANTS:
                print(f"{v.name:<28} {v.rule_id:<13} {v.defect}")
        return int(mcp.run_mcp_selftest(args)) if mcp is not None else 0
    given = getattr(args, "variant", None) or []
    names = [n for n in given if not n.startswith("mcp:")]
    for name in names:
        try:
            variant(name)
        except KeyError:
            raise ConfigError(f"no variant named {name!r} (see `contractkit selftest --list`)") from None
    run_neuron = suite in ("all", "neuron") and (not given or bool(names))
    profile = getattr(args, "profile", "quick") or "quick"
    full = not bool(getattr(args, "fast", False))
    args.full = full  # the MCP matrix reads ``full`` too: the same choice for both
    ok = True
    if run_neuron and getattr(args, "format", "text") == "json":
        rows = detection_matrix(names or None, profile=profile, full=full)
        print(json.dumps([{**asdict(r), "caught": r.caught, "collateral": r.collateral} for r in rows], indent=2))
        return 0 if all(r.caught for r in rows) else 1
    if run_neuron:
        print("neuron/ self-test (one defect per variant; caught = its rule fails; the reference passes every rule)")
        chosen = names or [v.name for v in (REFERENCE, *VARIANTS)]
        width = max(len(n) for n in chosen)
        rows = []
        for name in chosen:
            rows += detection_matrix([name], profile=profile, full=full)
            print(render(rows, width)[-1] if len(rows) > 1 else "\n".join(render(rows, width)))
            sys.stdout.flush()
        ok = all(r.caught for r in rows)
        line = f"{sum(1 for r in rows if r.caught and r.expected)} of {sum(1 for r in rows if r.expected)} " \
               "variants caught"
        if any(not r.expected for r in rows):
            line += f"; reference {'passes' if all(r.caught for r in rows if not r.expected) else 'FAILS'}"
        print(line + "\n")
    if suite in ("all", "mcp"):
        if mcp is None:
            print("MCP self-test: not available in this build")
        else:
            ok = mcp.run_mcp_selftest(args) == 0 and ok
    return 0 if ok else 1
