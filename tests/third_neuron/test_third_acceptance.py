"""contractkit verifies a third, independently written neuron/ (payables, on Starlette) with its own spec.

The payables spec was written from docs/extensions.md alone, in shapes the bundled and the second
neuron's specs do not use: nested path parameters with an entity each, a JSON merge patch (PATCH)
with minProperties, an idempotent PUT answering 200 or 201, problem+json errors with extra required
members and 422 for invalid input, usage in response headers, a data-only SSE stream typed by a
field with the tier in its first frame, an async job (202 + Location) and readiness degraded by
status. The clean service passes every rule it can be checked on (``--require-all``, the WebSocket
rules skipped: it has none, and lint says so); each planted defect fails exactly its rule.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from .service import DEFECTS as DEFECT_DESCRIPTIONS
from .support import SPEC_PATH

pytestmark = [pytest.mark.xdist_group("third-neuron"), pytest.mark.timeout(600)]

# the defect planted in the service -> the rules of one family that must fail on it (and no other of it)
DEFECTS: dict[str, tuple[str, ...]] = {
    "problem_without_trace": ("NEU-ERR-001",),
    "unknown_invoice_explained": ("NEU-ERR-004",),
    "header_cost_tenfold": ("NEU-USE-001",),
    "readiness_never_degraded": ("NEU-FB-003",),
    "merge_patch_unchecked": ("NEU-SCH-006",),
    "stream_tokens_drift": ("NEU-USE-002",),
    # a job pending past its deadline: no fallback answer came (FB-001), and not in time (FB-002)
    "audit_stuck_on_fault": ("NEU-FB-001", "NEU-FB-002"),
}
CLEAN_FLAGS = ("--require-all", "--skip", "NEU-WS-*")


def family(rule: str) -> str:
    """NEU-USE-001 -> NEU-USE-*: a defect run checks the rules of its rule's family."""
    return rule.rsplit("-", 1)[0] + "-*"


def _lint() -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "contractkit", "lint", str(SPEC_PATH)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def test_every_defect_is_planted_and_named() -> None:
    assert set(DEFECTS) == set(DEFECT_DESCRIPTIONS)


def test_the_spec_lints_clean_and_warns_of_what_the_run_leaves_out() -> None:
    """No error; the warnings are the fault rules (run here with --provider-double) and the
    WebSocket rules (no WebSocket): exactly the rules the clean run does not judge without them."""
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    warned = {line.split(" warning ")[1].split()[0] for line in result.stdout.splitlines() if " warning " in line}
    assert warned == {"OAS-056"}, result.stdout
    assert "x-fault-injection (or run with --provider-double)" in result.stdout
    assert "declares no WebSocket endpoint (x-websockets) (NEU-WS-001, NEU-WS-002, NEU-WS-003)" in result.stdout


def test_clean_service_passes_with_require_all(verify_runs) -> None:
    run = verify_runs.result("clean")
    assert run.report is not None, run.explain()
    assert {rule: s for rule, s in run.statuses.items() if s != "passed"} == {}, run.explain()
    assert len(run.statuses) == 26, run.explain()
    assert run.returncode == 0, run.explain()


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_each_planted_defect_fails_exactly_its_rule(verify_runs, defect: str) -> None:
    """Its rules pass on the clean service (the control) and are the only ones of their family that
    fail on the defective one."""
    rules = set(DEFECTS[defect])
    clean = verify_runs.result("clean")
    assert rules <= clean.having("passed"), f"control: {rules} do not pass on the clean service\n" + clean.explain()
    run = verify_runs.result(defect)
    assert run.report is not None, run.explain()
    assert run.returncode == 1, run.explain()
    assert run.having("failed") == rules, run.explain()
