"""The declarations table covers every neuron/ rule, picks the same subjects as the suite, and its
reasons name the declaration to add."""

from __future__ import annotations

from pathlib import Path

import pytest

from contractkit.conformance.kinds import NEURON_CHECKS
from contractkit.conformance.neuron import kind
from contractkit.conformance.options import PROFILES, VerifyOptions
from contractkit.spec import declarations
from contractkit.spec.neuron import NeuronSpec

ROOT = Path(__file__).resolve().parents[2]
SPECS = [ROOT / "specs" / "neuron-api.yaml", ROOT / "tests" / "second_neuron" / "churn-api.yaml"]


def test_every_neuron_rule_has_an_entry_and_the_same_subjects() -> None:
    ids = {rule.id for rule in NEURON_CHECKS}
    assert set(declarations.NEEDS) == ids
    assert {rule.id: rule.applies for rule in NEURON_CHECKS} == declarations.APPLIES


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_the_table_picks_what_the_suite_checks(path: Path) -> None:
    spec = NeuronSpec.load(path)
    options = VerifyOptions(kind="neuron", spec=path, profile=PROFILES["quick"])
    for selector in {rule.applies for rule in NEURON_CHECKS if rule.applies}:
        theirs = [getattr(s, "label", s) for s in kind._subjects(selector, options)]
        assert [getattr(s, "label", s) for s in declarations.subjects(spec, selector)] == theirs, selector


def test_a_reason_names_the_declaration_and_where_it_is_explained() -> None:
    spec = NeuronSpec({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"post": {
        "x-ai-operation": {"fallback": {"mode": "unavailable"}},
        "responses": {"200": {"description": "ok"}}}}}})
    (op,) = spec.operations
    assert declarations.gap("NEU-FB-002", spec, op) == (
        "the spec does not declare x-ai-operation.deadline_ms (docs/extensions.md#x-ai-operation)")
    reasons = [need.declaration for need in declarations.missing("NEU-USE-001", spec, op)]
    assert reasons[0] == "x-pricing" and any("usage" in r for r in reasons)
    assert declarations.gap("NEU-SCH-002", spec, op) is None


def test_every_anchor_is_a_heading_of_the_extensions_doc() -> None:
    doc = (ROOT / "docs" / "extensions.md").read_text()
    headings = {_anchor(line.lstrip("#").strip()) for line in doc.splitlines() if line.startswith("#")}
    for rule_id, needs in declarations.NEEDS.items():
        for need in needs:
            assert need.anchor in headings, (rule_id, need.anchor)


def _anchor(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes."""
    return "".join(c for c in title.lower() if c.isalnum() or c in " -_").replace(" ", "-")
