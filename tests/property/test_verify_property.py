"""``verify neuron --require-all --fault-injection`` over generated specs, with the neuron/ double as the
oracle: a clean double passes every rule (not verified only where lint warned the spec leaves a
declaration out); a double playing one defect fails the rules that cover it and no other."""

from __future__ import annotations

import pytest
from hypothesis import given, seed
from hypothesis import strategies as st

from property.config import CLEAN_EXAMPLES, DEFECT_EXAMPLES, SEED, TEST_TIMEOUT_S, verify_settings
from property.defects import DEFECTS
from property.failures import keep, message
from property.lint_gaps import lint
from property.runner import verify_against_double
from property.specgen.shape import Shape
from property.specgen.strategies import specs

pytestmark = [pytest.mark.xdist_group("verify-property"), pytest.mark.timeout(TEST_TIMEOUT_S)]


def _linted(shape: Shape, data: dict) -> tuple:
    path = keep(shape, data)
    code, output, gaps = lint(path)
    assert code == 0 and " 0 errors" in output, message("a generated spec does not lint clean", f"{path}\n{output}")
    return path, gaps


@seed(SEED)
@verify_settings(CLEAN_EXAMPLES)
@given(specs())
def test_a_clean_double_passes_every_rule(generated: tuple[Shape, dict]) -> None:
    path, gaps = _linted(*generated)
    run = verify_against_double(path, scope_claim=generated[0].auth.scope_claim)
    # partial: passed where it could be judged, not verified elsewhere (only where lint warned, too)
    gap_statuses = run.with_status("not_verified") | run.with_status("partial")
    wrong = run.with_status("failed")
    unwarned = gap_statuses - gaps
    expected_exit = 1 if gap_statuses else 0
    assert run.report is not None and not wrong and not unwarned and run.returncode == expected_exit, message(
        f"clean double: failed {sorted(wrong)}, not verified or partial without a lint warning {sorted(unwarned)}",
        run.explain())


@seed(SEED + 1)
@verify_settings(DEFECT_EXAMPLES)
@given(specs(), st.data())
def test_every_defect_fails_its_rules_and_no_other(generated: tuple[Shape, dict], data: st.DataObject) -> None:
    path, gaps = _linted(*generated)
    # a defect whose every rule the spec leaves unverifiable (lint said so) cannot be caught on this spec
    catchable = sorted(name for name, catch in DEFECTS.items() if catch.must - gaps)
    defect = data.draw(st.sampled_from(catchable), label="defect")
    catch = DEFECTS[defect]
    run = verify_against_double(path, frozenset({defect}), scope_claim=generated[0].auth.scope_claim)
    failed = run.with_status("failed")
    missed = (catch.must - gaps) - failed
    false = failed - catch.must - catch.may
    assert run.report is not None and not missed and not false and run.returncode == 1, message(
        f"defect {defect}: missed by {sorted(missed)}; false verdicts from {sorted(false)}", run.explain())
