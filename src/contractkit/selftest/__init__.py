"""The self-test: the suite run on deliberately broken reference servers (``contractkit selftest``).

Each neuron/ variant in ``variants.py`` carries one defect and the rule id that must catch it;
``matrix.py`` runs the suite on each and on the unbroken reference and prints the detection
matrix. MCP variants come from ``contractkit.conformance.mcp.selftest`` when it is installed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any


def _mcp_selftest() -> Any:
    try:
        return importlib.import_module("contractkit.conformance.mcp.selftest")
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith("contractkit.conformance.mcp"):
            return None
        raise


def run_selftest(args: argparse.Namespace) -> int:
    """Print the detection matrix; 0 only when every variant is caught and the references pass."""
    from contractkit.selftest.matrix import detection_matrix, render

    suite = getattr(args, "suite", "all")
    names = getattr(args, "variant", None)
    profile = getattr(args, "profile", "quick") or "quick"
    full = bool(getattr(args, "full", False))
    ok = True
    if suite in ("all", "neuron"):
        print("neuron/ self-test (one defect per variant; caught = the suite fails with exactly that rule)")
        sys.stdout.flush()
        rows = detection_matrix(names, profile=profile, full=full)
        for line in render(rows):
            print(line)
        ok = ok and all(r.caught for r in rows) and bool(rows or names)
        caught = sum(1 for r in rows if r.caught and r.expected)
        print(f"{caught} of {sum(1 for r in rows if r.expected)} variants caught; "
              f"reference {'passes' if all(r.caught for r in rows if not r.expected) else 'FAILS'}\n")
    if suite in ("all", "mcp"):
        mcp = _mcp_selftest()
        runner = getattr(mcp, "run_mcp_selftest", None) if mcp else None
        if runner is None:
            print("MCP self-test: not available in this build")
        else:
            ok = runner(args) == 0 and ok
    return 0 if ok else 1
