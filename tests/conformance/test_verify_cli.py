"""`contractkit verify neuron` end to end on the reference stack: exit codes, outcomes, reports, secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from verify_helpers import run_cli

from contractkit.resources import conformance_dir


def test_rules_hold_on_the_reference_and_reports_are_written(verify_stack, tmp_path, stack):
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    result = verify_stack("--rule", "NEU-AUTH-*", "--rule", "NEU-ERR-004", "--report-json", str(tmp_path / "r.json"),
                          "--markdown", str(tmp_path / "r.md"), "--junit-xml", str(tmp_path / "j.xml"),
                          "--sarif", str(tmp_path / "r.sarif"), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  NEU-AUTH-006" in result.stdout
    data = json.loads((tmp_path / "r.json").read_text())
    assert {r["id"]: r["status"] for r in data["rules"]} == {
        **{f"NEU-AUTH-00{i}": "passed" for i in range(1, 8)}, "NEU-ERR-004": "passed"}
    assert "rule_id" in (tmp_path / "j.xml").read_text()
    assert summary.read_text().startswith("earlier step\n## contractkit verify neuron")
    for text in [result.stdout, result.stderr, *(p.read_text() for p in tmp_path.iterdir())]:
        assert stack.client_secret not in text
        assert "eyJ" not in text


def test_without_credentials_rules_are_not_verified_never_passed(verify_stack, tmp_path):
    result = verify_stack("--rule", "NEU-AUTH-001", "--rule", "NEU-AUTH-006", "--report-json", str(tmp_path / "r.json"),
                          credentials=False, env={"CONTRACTKIT_CLIENT_ID": ""})
    assert result.returncode == 0, result.stdout + result.stderr
    rules = {r["id"]: r for r in json.loads((tmp_path / "r.json").read_text())["rules"]}
    # Without a token there is no positive control, so even "no token -> 401" proves nothing.
    assert rules["NEU-AUTH-001"]["status"] == "not_verified"
    assert rules["NEU-AUTH-006"]["status"] == "not_verified"
    assert "no client credentials" in result.stdout
    strict = verify_stack("--rule", "NEU-AUTH-006", "--require-all", credentials=False,
                          env={"CONTRACTKIT_CLIENT_ID": ""})
    assert strict.returncode == 1


def test_fault_rules_without_a_way_to_cause_faults_are_not_verified(verify_stack):
    result = verify_stack("--rule", "NEU-FB-003", "--require-all")
    assert result.returncode == 1
    assert "N/V   NEU-FB-003" in result.stdout
    assert "ignores X-Fault-Inject" in result.stdout


def test_no_rate_limit_switches_the_burst_off(verify_stack):
    result = verify_stack("--rule", "NEU-RL-001", "--no-rate-limit")
    assert result.returncode == 0
    assert "switched off by --no-rate-limit" in result.stdout


def test_bad_configuration_is_one_line_and_exit_2(verify_stack, tmp_path, stack):
    for argv in (["--rule", "NEU-NOPE-001"], ["--spec", str(tmp_path / "missing.yaml")]):
        result = verify_stack(*argv)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
    missing_secret = run_cli("verify", "neuron", "--base-url", stack.neuron_url, "--client-id", "x",
                             "--client-secret-env", "CONTRACTKIT_UNSET_SECRET_VAR")
    assert missing_secret.returncode == 2
    assert missing_secret.stderr.strip().count("\n") == 0
    assert "CONTRACTKIT_UNSET_SECRET_VAR" in missing_secret.stderr
    refused = run_cli("verify", "neuron", "--base-url", "http://127.0.0.1:9", "--timeout", "2")
    assert refused.returncode == 2
    assert refused.stdout == "" and refused.stderr.startswith("contractkit: error:")


def test_pytest_on_the_suite_is_the_same_run(stack, tmp_path):
    env = {**os.environ, "CONTRACTKIT_TEST_SECRET": stack.client_secret}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(conformance_dir()), "-q", "-p", "no:cacheprovider",
         "--neuron-url", stack.neuron_url, "--token-url", stack.token_url, "--client-id", stack.client_id,
         "--client-secret-env", "CONTRACTKIT_TEST_SECRET", "--rule", "NEU-AUTH-002", "--profile", "quick",
         "--report-json", str(tmp_path / "r.json")],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  NEU-AUTH-002" in result.stdout
    assert json.loads((tmp_path / "r.json").read_text())["rules"][0]["status"] == "passed"


def test_fault_rules_through_the_specs_fault_injection_hook(tmp_path):
    from contractkit.reference.stack import ReferenceStack

    with ReferenceStack(provider="embedded", fault_injection=True, provider_timeout_s=1.0) as hooked:
        result = run_cli("verify", "neuron", "--base-url", hooked.neuron_url, "--token-url", hooked.token_url,
                         "--client-id", hooked.client_id, "--client-secret-env", "HOOK_SECRET", "--profile", "quick",
                         "--fault-injection", "--require-all", "--rule", "NEU-FB-*", "--rule", "NEU-SSE-003",
                         "--rule", "NEU-WS-003", env={"HOOK_SECRET": hooked.client_secret})
    assert result.returncode == 0, result.stdout + result.stderr
    for rule in ("NEU-FB-001", "NEU-FB-002", "NEU-FB-003", "NEU-SSE-003", "NEU-WS-003"):
        assert f"PASS  {rule}" in result.stdout
