"""contractkit verifies a second, independently written neuron/ (the churn service) with its own spec.

The churn service shares no path, parameter, scope, audience, error body, event name, close code,
probe, fault header or price with the bundled neuron spec, so every rule that passes here passes
because the kit read the fact from the spec under test. The clean service must pass every rule
(``--require-all``: nothing may be "not verified"); each planted defect must be caught by the one
rule it breaks.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from .app import DEFECTS as DEFECT_DESCRIPTIONS
from .app import SPEC_PATH

# the defect planted in the service -> the rule that must fail on it
DEFECTS: dict[str, str] = {
    "unknown_customer_200": "NEU-ERR-004",
    "scope_ignored": "NEU-AUTH-006",
    "expired_accepted": "NEU-AUTH-004",
    "wrong_audience_accepted": "NEU-AUTH-005",
    "token_echo": "NEU-AUTH-007",
    "rfc7807_errors": "NEU-ERR-001",
    "traceback_leak": "NEU-ERR-002",
    "bad_query_500": "NEU-ERR-003",
    "sse_no_complete": "NEU-SSE-002",
    "sse_cut_completes": "NEU-SSE-003",
    "stream_usage_drift": "NEU-USE-002",
    "cost_mispriced": "NEU-USE-001",
    "fault_bare_500": "NEU-FB-001",
    "deadline_overrun": "NEU-FB-002",
    "readiness_stuck_ok": "NEU-FB-003",
    "ws_close_1000": "NEU-WS-001",
    "ws_cut_completes": "NEU-WS-003",
    "no_rate_limit": "NEU-RL-001",
    "trace_header_missing": "NEU-SCH-004",
    "schema_drift": "NEU-SCH-001",
    "report_never_ready": "NEU-FB-002",
    "header_usage_mispriced": "NEU-USE-001",
    "readiness_200_degraded": "NEU-FB-003",
    "subprotocol_trusted": "NEU-WS-001",
    "undeclared_connection_frame": "NEU-WS-002",
}
# the runs start together and wait on their targets; on a busy machine the slowest needs more than the default
pytestmark = pytest.mark.timeout(600)
CLEAN_FLAGS = ("--require-all",)
NEURON_RULES = {f"NEU-AUTH-00{i}" for i in range(1, 8)} | {f"NEU-SCH-00{i}" for i in range(1, 7)} \
    | {f"NEU-ERR-00{i}" for i in range(1, 5)} | {f"NEU-FB-00{i}" for i in range(1, 4)} | {"NEU-RL-001"} \
    | {f"NEU-SSE-00{i}" for i in range(1, 4)} | {"NEU-USE-001", "NEU-USE-002"} | {f"NEU-WS-00{i}" for i in range(1, 4)}


def test_every_defect_has_a_rule_and_every_rule_exists() -> None:
    assert set(DEFECTS) == set(DEFECT_DESCRIPTIONS)
    listed = subprocess.run([sys.executable, "-m", "contractkit", "rules"], capture_output=True, text=True,
                            timeout=60)
    known = {word for line in listed.stdout.splitlines() for word in line.split() if word.startswith("NEU-")}
    assert known >= NEURON_RULES, listed.stdout + listed.stderr
    assert set(DEFECTS.values()) <= known


def test_the_spec_is_lint_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "contractkit", "lint", str(SPEC_PATH)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_target_is_ruff_clean() -> None:
    from pathlib import Path

    here = Path(__file__).parent
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", str(here)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_clean_target_passes_with_require_all(verify_runs) -> None:
    run = verify_runs.result("clean")
    assert run.report is not None, run.explain()
    statuses = run.statuses
    assert {rule: statuses.get(rule) for rule in NEURON_RULES if statuses.get(rule) != "passed"} == {}, run.explain()
    assert run.returncode == 0, run.explain()


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_each_planted_defect_fails_its_rule(verify_runs, defect: str) -> None:
    """The defect's rule fails on the defective service and passes on the clean one (the control:
    a rule that fails everywhere, e.g. because the kit cannot get a token, proves nothing)."""
    rule = DEFECTS[defect]
    clean = verify_runs.result("clean")
    assert clean.statuses.get(rule) == "passed", f"control: {rule} does not pass on the clean service\n" \
        + clean.explain()
    run = verify_runs.result(defect)
    assert run.report is not None, run.explain()
    assert run.returncode == 1, run.explain()
    assert rule in run.failed(), run.explain()
