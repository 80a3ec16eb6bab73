"""A declaration the spec leaves out is the spec's gap, decided by the framework before a check runs.

The plugin reads ``contractkit.spec.declarations`` for every (rule, subject) case: a case whose
subject lacks a declaration its rule needs is not verified with the declaration's name, and its
check is never called, so no check can blame the target for what the spec did not say. A flag
that stands in for the declaration (``--provider-double`` for ``x-fault-injection``, ...) lets
the check run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from contractkit.conformance.kinds import KINDS, NEURON_CHECKS
from contractkit.conformance.neuron.specs import load_spec
from contractkit.conformance.options import PROFILES, VerifyOptions
from contractkit.conformance.outcomes import NotVerified, Violation
from contractkit.conformance.plan import spec_gaps
from contractkit.conformance.plugin import RuleCase, cases_of
from contractkit.registry import RuleInfo
from contractkit.resources import neuron_spec_path
from contractkit.spec import declarations


def _spec(tmp_path: Path, edit: Any) -> Path:
    data = yaml.safe_load(neuron_spec_path().read_text())
    edit(data)
    path = tmp_path / "neuron-api.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _no_deadline_on_chat(data: dict[str, Any]) -> None:
    del data["paths"]["/chat"]["post"]["x-ai-operation"]["deadline_ms"]


def _options(spec: Path, **flags: Any) -> VerifyOptions:
    return VerifyOptions(kind="neuron", spec=spec, profile=PROFILES["quick"], neuron_url="http://127.0.0.1:9", **flags)


def _gaps(rule_id: str, options: VerifyOptions) -> dict[str, str | None]:
    return {case.label: case.gap for case in cases_of(NEURON_CHECKS.get(rule_id), KINDS["neuron"], options)}


def test_a_case_whose_subject_lacks_a_declaration_carries_the_tables_reason(tmp_path: Path) -> None:
    options = _options(_spec(tmp_path, _no_deadline_on_chat))
    gaps = _gaps("NEU-FB-002", options)
    chat = load_spec(options).operation("chat")
    assert chat is not None and gaps.pop(chat.label) == declarations.DEADLINE.reason
    assert gaps and set(gaps.values()) == {None}  # the other AI operations declare theirs
    assert (("NEU-FB-002", chat.label, declarations.DEADLINE.declaration) in spec_gaps(
        cases_of(NEURON_CHECKS.get("NEU-FB-002"), KINDS["neuron"], options), options))


def test_a_flag_that_stands_in_for_the_declaration_lets_the_check_run(tmp_path: Path) -> None:
    spec = _spec(tmp_path, lambda data: data.pop("x-fault-injection"))
    without = _gaps("NEU-FB-001", _options(spec))
    assert set(without.values()) == {declarations.FAULTS.reason}
    assert set(_gaps("NEU-FB-001", _options(spec, provider_double="http://127.0.0.1:9")).values()) == {None}
    assert list(_gaps("NEU-FB-003", _options(spec)).values()) == [declarations.FAULTS.reason]


def test_the_check_of_a_case_with_a_gap_is_never_called() -> None:
    def blames_the_target(*_: Any) -> Any:
        raise Violation("the target is wrong")

    rule = RuleInfo("NEU-XYZ-001", "a rule", "error", "a clause", func=blames_the_target, kind="observation")
    with pytest.raises(NotVerified, match=r"the spec does not declare x-ai-operation\.deadline_ms"):
        RuleCase(rule, gap=declarations.DEADLINE.reason).run(object())
    with pytest.raises(Violation):  # the same case without the gap runs its check
        RuleCase(rule).run(object())


def test_every_need_that_names_a_flag_has_one_that_meets_it() -> None:
    """A need whose text offers a flag must be met by it at run time, or the text promises too much."""
    offering = [need for rule in declarations.NEEDS.values() for need in rule
                if "--" in need.declaration]
    flags = {"--token-url": {"token_url": "http://127.0.0.1:9/token"},
             "--token-audience-param": {"token_audience_param": "resource"},
             "--provider-double": {"provider_double": "http://127.0.0.1:9"}}
    for need in offering:
        named = next(flag for flag in flags if flag in need.declaration)
        assert need.met_by(type("Options", (), flags[named])()), need.declaration
        assert not need.met_by(type("Options", (), {})()), need.declaration
