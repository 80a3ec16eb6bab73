"""The deprecation, sunset and stability policy: hand-written pairs, configuration, and the CLI flags."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from diff_helpers import load_cases, mcp_doc, openapi_doc

from contractkit.diff import diff_data
from contractkit.diff.policy import RULES, Policy, parse_date
from contractkit.errors import ConfigError

POLICY_CASES = load_cases("policy-pairs.yaml")
TODAY = dt.date(2026, 6, 1)


def _ids(base: dict, head: dict, policy: Policy | None) -> list[str]:
    return sorted(c.id for c in diff_data(base, head, policy=policy))


@pytest.mark.parametrize("case", POLICY_CASES, ids=[c["name"] for c in POLICY_CASES])
def test_policy_pair(case: dict) -> None:
    wrap = mcp_doc if case.get("kind") == "mcp" else openapi_doc
    base, head = wrap(case["base"]), wrap(case["head"])
    policy = Policy(today=TODAY)
    assert _ids(base, head, policy) == sorted(case["forward"])
    assert _ids(head, base, policy) == sorted(case["reverse"])


@pytest.mark.parametrize("case", POLICY_CASES, ids=[c["name"] for c in POLICY_CASES])
def test_without_the_policy_no_policy_kind_is_reported(case: dict) -> None:
    wrap = mcp_doc if case.get("kind") == "mcp" else openapi_doc
    ids = _ids(wrap(case["base"]), wrap(case["head"]), None) + _ids(wrap(case["head"]), wrap(case["base"]), None)
    assert not [i for i in ids if "-POLICY-" in i]


def test_one_rule_alone() -> None:
    case = next(c for c in POLICY_CASES if c["name"].startswith("deprecations without"))
    only_removals = Policy(rules=frozenset({"removed-without-deprecation"}), today=TODAY)
    ids = _ids(openapi_doc(case["base"]), openapi_doc(case["head"]), only_removals)
    assert ids == ["OAS-OP-DEPRECATED", "OAS-PARAM-DEPRECATED"]


def test_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("rules: [removed-before-sunset]\ntoday: '2031-02-01'\ndefault-stability: beta\n")
    policy = Policy.from_file(path)
    assert policy.rules == {"removed-before-sunset"}
    assert policy.today == dt.date(2031, 2, 1) and policy.default_level == "beta"
    path.write_text("min-sunset-days: 90\n")
    assert Policy.from_file(path).min_sunset_days == {"draft": 90, "alpha": 90, "beta": 90, "stable": 90}
    path.write_text("min-sunset-days: {beta: 7}\n")
    assert Policy.from_file(path).min_sunset_days["beta"] == 7
    path.write_text("min-sunset-days: {gamma: 7}\n")
    with pytest.raises(ConfigError, match="min-sunset-days"):
        Policy.from_file(path)
    path.write_text("rules: [removed-without-warning]\n")
    with pytest.raises(ConfigError, match="unknown rules"):
        Policy.from_file(path)
    assert set(Policy().rules) == set(RULES)


def test_dates() -> None:
    assert parse_date("2030-01-01") == dt.date(2030, 1, 1)
    assert parse_date("2030-01-01T10:00:00Z") == dt.date(2030, 1, 1)
    assert parse_date("Wed, 01 Jan 2031 00:00:00 GMT") == dt.date(2031, 1, 1)
    assert parse_date("soon") is None


def test_reports_with_every_new_kind_match_the_published_schema() -> None:
    """Policy ids carry the spec's prefix (OAS-/MCP-), as the published report schema requires of every id."""
    import json

    import jsonschema

    from contractkit.diff import diff_documents
    from contractkit.loading import load_text
    from contractkit.reports import diff_renderer

    schema_path = Path(__file__).resolve().parents[2] / "src" / "contractkit" / "diff" / "diff-report.schema.json"
    validator = jsonschema.validators.validator_for(json.loads(schema_path.read_text()))(
        json.loads(schema_path.read_text()))
    cases = [(c, mcp_doc if c.get("kind") == "mcp" else openapi_doc) for c in POLICY_CASES]
    cases += [(c, openapi_doc) for c in load_cases("openapi-pairs.yaml")]
    for case, wrap in cases:
        for base, head in ((case["base"], case["head"]), (case["head"], case["base"])):
            report = diff_documents(load_text(json.dumps(wrap(base)), "base.json"),
                                    load_text(json.dumps(wrap(head)), "head.json"), policy=Policy(today=TODAY))
            validator.validate(json.loads(diff_renderer("json")(report)))


def test_severity_overrides_set_a_kinds_classification(tmp_path: Path, capsys) -> None:
    """A team's call on an arguable kind, stated in the policy file, moves the gate; unknown ids or classes are
    bad configuration."""
    from contractkit.cli.main import main

    path = tmp_path / "policy.yaml"
    path.write_text("rules: []\nseverity: {OAS-RES-VARIANT-ADDED: possibly-breaking}\n")
    policy = Policy.from_file(path)
    assert policy.rules == frozenset() and policy.severity == {"OAS-RES-VARIANT-ADDED": "possibly-breaking"}
    case = next(c for c in load_cases("openapi-pairs.yaml") if c["name"] == "a response gains a oneOf alternative")
    base, head = openapi_doc(case["base"]), openapi_doc(case["head"])
    assert [c.classification for c in diff_data(base, head)] == ["breaking"]
    assert [c.classification for c in diff_data(base, head, policy=policy)] == ["possibly-breaking"]
    files = []
    for name, doc in (("base.json", base), ("head.json", head)):
        files.append(tmp_path / name)
        files[-1].write_text(__import__("json").dumps(doc))
    assert main(["diff", *map(str, files)]) == 1
    assert main(["diff", *map(str, files), "--policy-file", str(path)]) == 0
    capsys.readouterr()
    for bad, words in (("severity: {OAS-NOPE: breaking}", "no change kind"),
                       ("severity: {OAS-RES-VARIANT-ADDED: fatal}", "must be one of"),
                       ("severity: [OAS-RES-VARIANT-ADDED]", "severity must map")):
        path.write_text(bad + "\n")
        with pytest.raises(ConfigError, match=words):
            Policy.from_file(path)
        assert main(["diff", *map(str, files), "--policy-file", str(path)]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_policy_file_dates_are_fixed_by_today(tmp_path: Path) -> None:
    """The same removal is allowed or breaking by the policy's `today`: before the sunset it breaks, after not."""
    case = next(c for c in POLICY_CASES if c["name"] == "a deprecated operation removed before its sunset date")
    base, head = openapi_doc(case["base"]), openapi_doc(case["head"])
    before = _ids(base, head, Policy(today=dt.date(2029, 12, 31)))
    after = _ids(base, head, Policy(today=dt.date(2030, 1, 2)))
    assert before == ["OAS-OP-REMOVED", "OAS-POLICY-REMOVED-BEFORE-SUNSET"]
    assert after == ["OAS-POLICY-REMOVED-AFTER-DEPRECATION"]
