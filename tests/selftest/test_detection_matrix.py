"""The self-test: the suite passes the reference neuron/ and fails each broken variant with its rule.

Every registered neuron/ rule must have a variant: a rule that no deliberate defect trips is a
rule nobody has seen fail, and it may pass anything.

The variants run in three child processes (`contractkit selftest --format json`) in parallel: a
run mostly waits on sockets and timers, so three share two cores well and the whole matrix stays
within the test-time budget. Each row is asserted on its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from contractkit.selftest.variants import REFERENCE, VARIANTS

# the matrix is one session fixture: its tests share one worker under pytest-xdist, so it is computed once
pytestmark = [pytest.mark.xdist_group("neuron-selftest-matrix"), pytest.mark.timeout(1800)]


WORKERS = 3


def _shares() -> list[list[str]]:
    """Similar loads per worker (the reference and a few variants are slower than the rest)."""
    weighted = [(3, REFERENCE.name)] + [(2 if v.also_run else 1, v.name) for v in VARIANTS]
    halves: list[list[str]] = [[] for _ in range(WORKERS)]
    loads = [0] * WORKERS
    for weight, name in sorted(weighted, reverse=True):
        lighter = loads.index(min(loads))
        halves[lighter].append(name)
        loads[lighter] += weight
    return halves


def _run(names: list[str]) -> list[dict]:
    argv = [sys.executable, "-m", "contractkit", "selftest", "--suite", "neuron", "--format", "json"]
    for name in names:
        argv += ["--variant", name]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=1200, env=dict(os.environ))
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def matrix() -> dict[str, dict]:
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        rows = [row for part in pool.map(_run, _shares()) for row in part]
    return {row["variant"]: row for row in rows}


def test_the_matrix_is_computed_by_one_worker(request):
    """Under ``--dist loadgroup`` every test of this module must run on the worker that computed the
    matrix; when pytest-xdist stops tagging the group (pytest-xdist 3.8 on pytest 9.2,
    pytest-xdist#1386), each worker computes it again and the run takes several times as long."""
    if getattr(request.config.option, "loadgroup", False):
        assert request.node.nodeid.endswith("@neuron-selftest-matrix"), (
            f"--dist loadgroup does not keep xdist groups together with pytest {pytest.__version__} "
            "(pytest-xdist#1386): install the test extra's pins (pip install -e '.[test]')")


def test_every_variant_has_a_registered_rule():
    from contractkit.conformance.kinds import NEURON_CHECKS

    assert [v.name for v in VARIANTS if v.rule_id not in NEURON_CHECKS] == []
    assert len({v.name for v in VARIANTS}) == len(VARIANTS)


def test_every_registered_rule_has_a_variant():
    from contractkit.conformance.kinds import NEURON_CHECKS

    covered = {v.rule_id for v in VARIANTS}
    assert [r.id for r in NEURON_CHECKS if r.id not in covered] == [], "add a variant in contractkit.selftest.variants"


def test_reference_passes_with_every_rule_verified(matrix):
    row = matrix[REFERENCE.name]
    assert row["error"] is None
    assert row["failed"] == [] and row["not_verified"] == [] and row["partial"] == [], row


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_variant_is_caught_by_its_rule_alone(matrix, variant):
    row = matrix[variant.name]
    assert row["error"] is None, row["error"]
    assert row["caught"], f"{variant.name} ({variant.defect}) was missed: failed {row['failed']}"
    assert row["collateral"] == [], f"{variant.name}: one defect, but other rules failed too"
