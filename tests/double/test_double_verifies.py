"""The double, run clean, keeps its own spec: ``verify neuron --require-all --fault-injection`` passes
every rule on the bundled spec and on the second test neuron/'s spec (which shares no name with it);
a behaviour switched off fails the rule that judges it."""

from __future__ import annotations

import pytest

NEURON_RULES = {f"NEU-AUTH-00{i}" for i in range(1, 8)} | {f"NEU-SCH-00{i}" for i in range(1, 7)} \
    | {f"NEU-ERR-00{i}" for i in range(1, 5)} | {f"NEU-FB-00{i}" for i in range(1, 4)} | {"NEU-RL-001"} \
    | {f"NEU-SSE-00{i}" for i in range(1, 4)} | {"NEU-USE-001", "NEU-USE-002"} | {f"NEU-WS-00{i}" for i in range(1, 4)}


@pytest.mark.parametrize("spec", ["bundled", "churn"])
def test_the_clean_double_passes_verify_with_require_all(verify_double_runs, spec: str) -> None:
    run = verify_double_runs.result(spec)
    assert run.report is not None, run.explain()
    statuses = run.statuses
    assert {rule: statuses.get(rule) for rule in NEURON_RULES if statuses.get(rule) != "passed"} == {}, run.explain()
    assert run.returncode == 0, run.explain()


def test_a_behaviour_switched_off_fails_its_rule(verify_double_runs) -> None:
    """The double as the suite's oracle: with the scope check switched off (``defects``), the rule
    that judges it fails, and it passes on the clean double (the control)."""
    assert verify_double_runs.result("churn").statuses.get("NEU-AUTH-006") == "passed"
    run = verify_double_runs.result("churn-scope-defect")
    assert run.statuses.get("NEU-AUTH-006") == "failed", run.explain()
    assert run.returncode == 1, run.explain()


def test_data_only_sse_and_query_auth_websocket(verify_double_runs) -> None:
    """A stream typed by a field of its data (no ``event:`` lines) and a WebSocket authenticated by a
    query parameter are served in their grammar too."""
    run = verify_double_runs.result("data-only")
    assert run.report is not None, run.explain()
    rules = {"NEU-SSE-001", "NEU-SSE-002", "NEU-SSE-003", "NEU-WS-001", "NEU-WS-002", "NEU-WS-003", "NEU-USE-002"}
    assert {rule: run.statuses.get(rule) for rule in rules if run.statuses.get(rule) != "passed"} == {}, run.explain()
