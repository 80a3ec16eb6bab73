"""contractkit verifies a third, independently written neuron/ (payables, on Starlette) with its own spec.

The payables spec was written from docs/extensions.md alone, in shapes the bundled and the second
neuron's specs do not use: nested path parameters with an entity each, a JSON merge patch (PATCH)
with minProperties, an idempotent PUT answering 200 or 201, problem+json errors with extra required
members and 422 for invalid input, usage in response headers, a data-only SSE stream typed by a
field with the tier in its first frame, an async job (202 + Location), readiness degraded by
status, bearer OR an API key, an operation taking an API key alone (in the query), and a WebSocket
authenticated by a query parameter with frames typed by a field. The clean service passes every
rule, leaving not verified only what lint warned of; each planted defect fails exactly its rules
of their family.
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
    "socket_unscoped_admitted": ("NEU-WS-001",),
    "audit_invents_supplier": ("NEU-ERR-004",),
}
CLEAN_FLAGS = ("--require-all",)


def family(rule: str) -> str:
    """NEU-USE-001 -> NEU-USE-*: a defect run checks the rules of its rule's family."""
    return rule.rsplit("-", 1)[0] + "-*"


def _lint() -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "contractkit", "lint", str(SPEC_PATH)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def test_every_defect_is_planted_and_named() -> None:
    assert set(DEFECTS) == set(DEFECT_DESCRIPTIONS)


BEARER_GAP = "the spec does not declare an oauth2, openIdConnect or http bearer security scheme for the operation"
KEY_ONLY_GAPS = {f"NEU-AUTH-00{i}" for i in range(3, 8)}  # partnerStatement takes an API key alone


def test_the_spec_lints_clean_and_warns_only_of_what_the_run_leaves_out() -> None:
    """No error; the warnings are the fault rules (verified here with --provider-double) and the
    token rules of the operation that takes an API key alone (left not verified by the run)."""
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    warnings = [line for line in result.stdout.splitlines() if " warning " in line]
    key_only = [w for w in warnings if "partnerStatement" in w]
    assert len(key_only) == 1 and BEARER_GAP in key_only[0], result.stdout
    assert all(rule in key_only[0] for rule in KEY_ONLY_GAPS), result.stdout
    assert all(" OAS-056 " in w and "x-fault-injection (or run with --provider-double)" in w
               for w in warnings if w not in key_only), result.stdout


def test_without_the_websocket_lint_tells_the_rules_left_without_a_subject(tmp_path) -> None:
    spec = tmp_path / "no-socket.yaml"
    spec.write_text(SPEC_PATH.read_text().replace("\nx-websockets:", "\nx-not-websockets:"))
    result = subprocess.run([sys.executable, "-m", "contractkit", "lint", str(spec)], capture_output=True, text=True,
                            timeout=60)
    assert "declares no WebSocket endpoint (x-websockets) (NEU-WS-001, NEU-WS-002, NEU-WS-003)" in result.stdout


def test_clean_service_passes_every_rule_but_what_lint_warned(verify_runs) -> None:
    """Every rule passes; the only cases not verified are the token rules on the API-key-only
    operation, which lint warned of. ``--require-all`` counts those, so the exit is 1 for them alone."""
    run = verify_runs.result("clean")
    assert run.report is not None, run.explain()
    assert {rule: s for rule, s in run.statuses.items() if s != "passed"} == {}, run.explain()
    assert len(run.statuses) == 29, run.explain()
    expected = {rule: {("partnerStatement", f"{BEARER_GAP} (docs/extensions.md#security-schemes)")}
                for rule in KEY_ONLY_GAPS}
    assert run.partial() == expected, run.explain()
    assert run.returncode == 1, run.explain()


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
