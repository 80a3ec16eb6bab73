"""The defect catalogue is whole: every behaviour of the double has its rules, every NEU rule a
defect that must fail it (or a named gap), and every rule named exists."""

from __future__ import annotations

from contractkit.double.behaviours import BEHAVIOURS
from contractkit.spec.declarations import NEEDS
from property.defects import DEFECTS, UNPLAYED


def test_every_behaviour_has_a_covering_rule() -> None:
    assert set(DEFECTS) == set(BEHAVIOURS)
    assert [name for name, catch in DEFECTS.items() if not catch.must] == []


def test_every_rule_named_exists() -> None:
    named = set(UNPLAYED).union(*(catch.must | catch.may for catch in DEFECTS.values()))
    assert named - set(NEEDS) == set()


def test_every_neu_rule_has_a_defect_or_a_named_gap() -> None:
    covered = set().union(*(catch.must for catch in DEFECTS.values()))
    assert set(NEEDS) - covered - set(UNPLAYED) == set()
    assert covered & set(UNPLAYED) == set(), "a rule a defect now covers is still listed as a gap"


def test_an_unknown_defect_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    from contractkit.cli.main import main
    from property.specgen.template import TEMPLATE

    code = main(["serve", "neuron-double", "--spec", str(TEMPLATE), "--port", "0", "--defect", "no_such_behaviour"])
    err = capsys.readouterr().err
    assert code == 2 and "no_such_behaviour" in err and "Traceback" not in err
