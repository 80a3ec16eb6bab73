"""Every change kind, shown by a hand-written pair, in both directions, and nothing else reported."""

from __future__ import annotations

import pytest
from diff_helpers import CONTEXTS, load_cases, mcp_doc, openapi_doc, schema_doc

from contractkit.diff import CHANGE_KINDS, diff_data

SCHEMA_CASES = load_cases("schema-pairs.yaml")
OPENAPI_CASES = load_cases("openapi-pairs.yaml")
MCP_CASES = load_cases("mcp-pairs.yaml")
POLICY_CASES = load_cases("policy-pairs.yaml")  # run by test_diff_policy.py, with the policy on


def _ids(base: dict, head: dict) -> list[str]:
    return sorted(c.id for c in diff_data(base, head))


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("case", SCHEMA_CASES, ids=[c["name"] for c in SCHEMA_CASES])
def test_schema_pair(case: dict, context: str) -> None:
    base_defs = case.get("defs")
    head_defs = case.get("defs_head", base_defs)
    base = schema_doc(case["base"], base_defs, context)
    head = schema_doc(case["head"], head_defs, context)
    assert _ids(base, head) == sorted(f"{context}-{k}" for k in case["forward"])
    assert _ids(head, base) == sorted(f"{context}-{k}" for k in case["reverse"])


@pytest.mark.parametrize("case", OPENAPI_CASES, ids=[c["name"] for c in OPENAPI_CASES])
def test_openapi_pair(case: dict) -> None:
    base, head = openapi_doc(case["base"]), openapi_doc(case["head"])
    assert _ids(base, head) == sorted(case["forward"])
    assert _ids(head, base) == sorted(case["reverse"])
    if "verdict" in case:  # the call a reviewer makes, stated by hand: the most serious change each way
        assert _worst(base, head) == case["verdict"]["forward"]
        assert _worst(head, base) == case["verdict"]["reverse"]


def _worst(base: dict, head: dict) -> str:
    classes = {c.classification for c in diff_data(base, head)}
    return next((c for c in ("breaking", "possibly-breaking", "non-breaking") if c in classes), "none")


@pytest.mark.parametrize("case", MCP_CASES, ids=[c["name"] for c in MCP_CASES])
def test_mcp_pair(case: dict) -> None:
    base, head = mcp_doc(case["base"]), mcp_doc(case["head"])
    assert _ids(base, head) == sorted(case["forward"])
    assert _ids(head, base) == sorted(case["reverse"])


def test_every_change_kind_has_a_pair() -> None:
    shown = set()
    for case in OPENAPI_CASES + MCP_CASES + POLICY_CASES:
        shown.update(case["forward"], case["reverse"])
    for case in SCHEMA_CASES:
        for context in CONTEXTS:
            shown.update(f"{context}-{k}" for k in case["forward"] + case["reverse"])
    missing = [k.id for k in CHANGE_KINDS if k.id not in shown]
    assert not missing, f"change kinds without a hand-written pair: {missing}"
    unknown = sorted(shown - {k.id for k in CHANGE_KINDS})
    assert not unknown, f"pairs expect ids nobody registered: {unknown}"


def test_every_kind_is_self_describing() -> None:
    for kind in CHANGE_KINDS:
        assert kind.tags[0] in ("breaking", "possibly-breaking", "non-breaking"), kind.id
        severity = {"breaking": "error", "possibly-breaking": "warning", "non-breaking": "info"}[kind.tags[0]]
        assert severity == kind.severity, kind.id
        assert kind.title and kind.clause and "Why it is" in kind.doc and "Example:" in kind.doc


def test_docs_list_every_kind() -> None:
    from pathlib import Path

    from contractkit.diff.registry import SCHEMA_KINDS, SCHEMA_PREFIXES

    doc = (Path(__file__).resolve().parents[2] / "docs" / "diff.md").read_text()
    schema_ids = {f"{p}-{s}" for p in SCHEMA_PREFIXES for s in SCHEMA_KINDS}
    missing = [k.id for k in CHANGE_KINDS if k.id not in schema_ids and f"`{k.id}`" not in doc]
    missing += [s for s in SCHEMA_KINDS if f"`{s}`" not in doc]
    assert not missing, f"docs/diff.md does not list {missing}"
