"""Redaction, curl reproductions, outcome folding and the report renderers."""

from __future__ import annotations

import json

from contractkit.conformance.curl import curl_command
from contractkit.conformance.options import PROFILES, VerifyOptions
from contractkit.conformance.outcomes import Evidence, Outcome, RuleResult, RunResult, Status, fold
from contractkit.conformance.redaction import MASK, Redactor
from contractkit.reports.json_report import render_verify_json as render_json
from contractkit.reports.markdown import render_verify_markdown as render_markdown
from contractkit.reports.text import render_verify_summary as render_summary
from contractkit.reports.verify_files import verify_sarif as render_sarif
from contractkit.reports.verify_files import write_reports

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVlLWhlcmU"


def test_redactor_masks_known_secrets_and_credential_shapes():
    redactor = Redactor()
    redactor.add("hunter2-secret")
    text = redactor.redact(f"secret hunter2-secret; Authorization: Bearer abcd1234efgh; token {JWT}; "
                           "client_secret=xyz123&grant_type=client_credentials")
    assert "hunter2-secret" not in text and "abcd1234efgh" not in text and JWT not in text and "xyz123" not in text
    assert text.count(MASK) == 4
    assert redactor.redact("grant_type=client_credentials") == "grant_type=client_credentials"
    assert redactor.redact("No token: 401 with a Bearer challenge") == "No token: 401 with a Bearer challenge"
    assert MASK in redactor.redact("Authorization: Bearer opaquetokenwithoutdigits")


def test_curl_command_never_carries_the_token():
    command = curl_command("POST", "http://127.0.0.1:1/chat", {"Authorization": f"Bearer {JWT}",
                                                               "Content-Type": "application/json"}, b'{"a": 1}')
    assert JWT not in command
    assert '"Authorization: Bearer $TOKEN"' in command
    assert "--data-raw '{\"a\": 1}'" in command


def _result(*outcomes: Outcome, require_all: bool = False) -> RunResult:
    rules = []
    for rule_id in dict.fromkeys(o.rule_id for o in outcomes):
        mine = [o for o in outcomes if o.rule_id == rule_id]
        rules.append(RuleResult(rule_id, f"title {rule_id}", "clause", "error", "neuron", fold(mine), mine))
    return RunResult("http://127.0.0.1:1", "neuron", rules, 1.0, require_all, {"profile": "quick"})


def test_fold_prefers_failure_then_warning_then_pass():
    o = lambda status: Outcome("R", status, "t")  # noqa: E731
    assert fold([o(Status.PASSED), o(Status.FAILED), o(Status.NOT_VERIFIED)]) is Status.FAILED
    assert fold([o(Status.PASSED), o(Status.WARNING)]) is Status.WARNING
    assert fold([o(Status.PASSED), o(Status.NOT_VERIFIED)]) is Status.PASSED
    assert fold([o(Status.NOT_VERIFIED)]) is Status.NOT_VERIFIED
    assert fold([]) is Status.NOT_VERIFIED


def test_not_verified_fails_the_run_only_with_require_all():
    nv = Outcome("NEU-X-001", Status.NOT_VERIFIED, "t", message="no credentials")
    assert _result(nv).ok
    assert not _result(nv, require_all=True).ok
    assert not _result(Outcome("NEU-X-002", Status.FAILED, "t")).ok
    partial = [Outcome("NEU-X-003", Status.PASSED, "t"), Outcome("NEU-X-003", Status.NOT_VERIFIED, "u", message="m")]
    assert _result(*partial).ok and _result(*partial).rules[0].partial
    assert not _result(*partial, require_all=True).ok


def test_reports_render_every_rule_and_no_secret(tmp_path, monkeypatch):
    from contractkit.conformance.redaction import REDACTOR

    REDACTOR.add("super-secret-token-value")
    evidence = Evidence("POST /x\nauthorization: Bearer super-secret-token-value", "HTTP 500", "curl -X POST x")
    result = _result(
        Outcome("NEU-A-001", Status.PASSED, "t1", "op1"),
        Outcome("NEU-B-001", Status.FAILED, "t2", "op2", "leaked super-secret-token-value", evidence),
        Outcome("NEU-C-001", Status.NOT_VERIFIED, "t3", None, "no fault hook"),
    )
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    options = VerifyOptions(kind="neuron", spec=None, profile=PROFILES["quick"], report_json=tmp_path / "r.json",
                            markdown=tmp_path / "r.md", sarif=tmp_path / "r.sarif")
    write_reports(result, options)
    texts = [p.read_text() for p in (tmp_path / "r.json", tmp_path / "r.md", tmp_path / "r.sarif", summary)]
    texts += ["\n".join(render_summary(result)), render_markdown(result), render_sarif(result), render_json(result)]
    for text in texts:
        assert "super-secret-token-value" not in text
        assert "NEU-B-001" in text
    data = json.loads((tmp_path / "r.json").read_text())
    assert [r["status"] for r in data["rules"]] == ["passed", "failed", "not_verified"]
    assert data["ok"] is False
    sarif = json.loads((tmp_path / "r.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["NEU-B-001"]
    assert "no fault hook" in (tmp_path / "r.md").read_text()


def _line_of(path, needle: str, after: str = "") -> int:
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1


def test_sarif_of_an_mcp_run_points_at_the_tool_in_mcp_servers_yaml(tmp_path):
    from contractkit.resources import mcp_spec_path

    failed = Outcome("MCP-CALL-001", Status.FAILED, "t", "search_customers", "returns do not match")
    result = RunResult("http://127.0.0.1:1/mcp", "mcp",
                       [RuleResult("MCP-CALL-001", "calls", "clause", "error", "mcp", Status.FAILED, [failed])],
                       meta={"seed": 5})
    options = VerifyOptions(kind="mcp", spec=None, profile=PROFILES["quick"], mcp_server="crm-data-mcp")
    run = json.loads(render_sarif(result, options))["runs"][0]
    location = run["results"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"].endswith("mcp-servers.yaml")
    assert location["logicalLocations"][0]["fullyQualifiedName"].startswith("/servers/")
    spec = mcp_spec_path()
    expected = _line_of(spec, "search_customers", after="crm-data-mcp")
    assert location["physicalLocation"]["region"]["startLine"] == expected
    assert run["properties"]["seed"] == 5
    assert run["tool"]["driver"]["rules"][0]["id"] == "MCP-CALL-001"


def test_sarif_of_a_neuron_run_points_at_the_operation_of_the_spec_under_test(tmp_path):
    from contractkit.resources import neuron_spec_path

    spec = tmp_path / "my-neuron.yaml"
    spec.write_text(neuron_spec_path().read_text())
    failed = Outcome("NEU-AUTH-001", Status.FAILED, "t", "assessRisk", "no challenge")
    result = RunResult("http://127.0.0.1:1", "neuron",
                       [RuleResult("NEU-AUTH-001", "t", "c", "error", "neuron", Status.FAILED, [failed])])
    options = VerifyOptions(kind="neuron", spec=spec, profile=PROFILES["quick"])
    location = json.loads(render_sarif(result, options))["runs"][0]["results"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"].endswith("my-neuron.yaml")
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "/paths/~1assess-risk/post"
    assert location["physicalLocation"]["region"]["startLine"] == _line_of(spec, "post:", after="/assess-risk:")


def test_github_annotations_of_a_verify_run_sit_on_the_spec(tmp_path):
    from contractkit.reports.verify_files import verify_annotations

    failed = Outcome("MCP-CALL-001", Status.FAILED, "t", "get_customer", "returns do not match,\nsee: 100%")
    result = RunResult("http://127.0.0.1:1/mcp", "mcp",
                       [RuleResult("MCP-CALL-001", "calls", "clause", "error", "mcp", Status.FAILED, [failed])])
    options = VerifyOptions(kind="mcp", spec=None, profile=PROFILES["quick"], mcp_server="crm-data-mcp")
    line = verify_annotations(result, options).strip()
    assert line.startswith("::error file=") and "mcp-servers.yaml,line=" in line
    assert line.endswith("::get_customer: returns do not match,%0Asee: 100%25")
