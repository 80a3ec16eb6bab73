"""The MCP self-test: the suite passes the reference and fails each broken variant on its rule,
and every MCP rule has a variant.

The rows run in two child processes in parallel (each starts its own stacks), so the matrix stays
within the test-time budget; each row is asserted on its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from contractkit.selftest.mcp_variants import VARIANTS

# the matrix is one session fixture: its tests share one worker under pytest-xdist, so it is computed once
pytestmark = [pytest.mark.xdist_group("mcp-selftest-matrix"), pytest.mark.timeout(600)]

NAMES = ["mcp:reference", *(f"mcp:{v.name}" for v in VARIANTS)]
SCRIPT = ("import json, sys; from dataclasses import asdict; "
          "from contractkit.selftest.mcp_matrix import detection_matrix; "
          "rows = detection_matrix(sys.argv[1:], only_expected=True); "
          "print(json.dumps([{**asdict(r), 'caught': r.caught} for r in rows]))")


def _run(names: list[str]) -> list[dict]:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, *names], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def matrix() -> dict[str, dict]:
    halves = [NAMES[0::2], NAMES[1::2]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        rows = [row for part in pool.map(_run, halves) for row in part]
    return {row["variant"]: row for row in rows}


def test_every_variant_names_a_registered_check():
    from contractkit.conformance.kinds import MCP_CHECKS

    assert all(v.expected in MCP_CHECKS for v in VARIANTS)
    assert len({v.name for v in VARIANTS}) == len(VARIANTS)


def test_every_rule_has_a_variant():
    from contractkit.conformance.kinds import MCP_CHECKS

    uncovered = sorted({r.id for r in MCP_CHECKS} - {v.expected for v in VARIANTS})
    assert uncovered == [], f"MCP rules no broken variant proves the suite can fail: {uncovered}"


def test_the_reference_servers_know_no_variant():
    from pathlib import Path

    import contractkit.reference.mcp as reference

    folder = Path(reference.__file__).parent
    mentions = [p.name for p in folder.glob("*.py") if "selftest" in p.read_text() or "variant ==" in p.read_text()]
    assert mentions == [], f"reference modules that know the self-test: {mentions}"


def test_reference_passes_with_every_rule_verified(matrix):
    row = matrix["mcp:reference"]
    assert row["error"] is None, row["error"]
    assert row["failed"] == [] and row["not_verified"] == [] and row["partial"] == [], row


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_variant_is_caught_by_its_rule(matrix, variant):
    row = matrix[f"mcp:{variant.name}"]
    assert row["error"] is None, row["error"]
    assert variant.expected in row["failed"], f"{variant.name}: {variant.description}: {row}"
