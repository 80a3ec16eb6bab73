"""A pass needs evidence: refusal checks need a positive control, facts come from the spec under test,
and an audit log that was never written is never "clean".
"""

from __future__ import annotations

import sys

import pytest
import yaml
from hostile import refusing, serve
from mcp_helpers import message, statuses, verify

from contractkit.reference.token_issuer.clients import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from contractkit.resources import mcp_spec_path

ENV = {"CONTRACTKIT_CLIENT_SECRET": DEMO_CLIENT_SECRET}

# A bearer-protected server the demo client can get tokens for (its audience is crm-data-mcp's),
# beside a second resource whose audience is the "other audience" of MCP-AUTH-004.
LOCKED_SPEC = """
format: contractkit/mcp-servers@1
version: 1.0.0
servers:
  - name: locked-mcp
    transports: {streamable_http: {path: /mcp}}
    authentication: {type: bearer_token, token_endpoint: http://issuer.invalid/token, audience: crm-data-mcp,
                     scopes: [crm.read, crm.write]}
    tools:
      - name: lookup
        description: Look a key up.
        scope: crm.read
        read_only: true
        parameters: {type: object, required: [key], properties: {key: {type: string}}}
        returns: {type: string}
        examples: [{arguments: {key: k-1}}]
  - name: other-mcp
    transports: {streamable_http: {path: /mcp}}
    authentication: {type: bearer_token, token_endpoint: http://issuer.invalid/token, audience: neuron-api,
                     scopes: [neuron.chat]}
    tools: []
"""

REFUSALS = ["MCP-AUTH-003", "MCP-AUTH-004", "MCP-AUTH-005", "MCP-AUTH-006", "MCP-AUTH-007"]


@pytest.mark.parametrize("status", [401, 429])
def test_a_server_that_refuses_everything_passes_no_refusal_check(tmp_path, mcp_stack, status):
    spec = tmp_path / "spec.yaml"
    spec.write_text(LOCKED_SPEC)
    with serve(refusing(status)) as server:
        argv = ["--spec", str(spec), "--server", "locked-mcp", "--url", server.url + "/mcp",
                "--token-url", mcp_stack.token_url, "--client-id", DEMO_CLIENT_ID, "--timeout", "3"]
        for rule in REFUSALS:
            argv += ["--rule", rule]
        proc, rules = verify(tmp_path, *argv, env=ENV)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert statuses(rules, "not_verified") == set(REFUSALS), rules
    for rule in REFUSALS:
        assert "positive control" in message(rules, rule), (rule, message(rules, rule))


def test_an_endpoint_that_answers_404_is_not_an_mcp_endpoint(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(LOCKED_SPEC)
    with serve(refusing(404)) as server:
        proc, _ = verify(tmp_path, "--spec", str(spec), "--server", "locked-mcp", "--url", server.url + "/mcp")
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr
    assert "answered initialize with HTTP 404" in proc.stderr and proc.stderr.count("\n") == 1


def test_no_token_rule_with_a_failed_positive_control_is_not_verified(tmp_path, mcp_stack):
    spec = tmp_path / "spec.yaml"
    spec.write_text(LOCKED_SPEC)
    with serve(refusing(401)) as server:
        _, rules = verify(tmp_path, "--spec", str(spec), "--server", "locked-mcp", "--url", server.url + "/mcp",
                             "--token-url", mcp_stack.token_url, "--client-id", DEMO_CLIENT_ID,
                             "--rule", "MCP-AUTH-001", env=ENV)
    assert rules["MCP-AUTH-001"]["status"] == "not_verified", rules["MCP-AUTH-001"]
    assert "positive control" in message(rules, "MCP-AUTH-001")


def _spec_without_document_server(tmp_path):
    spec = yaml.safe_load(mcp_spec_path().read_text())
    spec["servers"] = [s for s in spec["servers"] if s["name"] == "crm-data-mcp"]
    path = tmp_path / "crm-only.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_the_other_audience_comes_from_the_spec_under_test(tmp_path, mcp_stack):
    common = ["--server", "crm-data-mcp", "--url", mcp_stack.url("crm-data-mcp"), "--token-url",
              mcp_stack.token_url, "--client-id", DEMO_CLIENT_ID, "--rule", "MCP-AUTH-004"]
    _, rules = verify(tmp_path, *common, env=ENV)
    assert rules["MCP-AUTH-004"]["status"] == "passed", rules["MCP-AUTH-004"]
    assert "document-retrieval-mcp" in rules["MCP-AUTH-004"]["outcomes"][0]["examined"]["detail"]
    # The spec under test names no other server: the suite must not fall back on the bundled
    # names (document-retrieval-mcp, neuron-api), which this issuer would mint.
    _, rules = verify(tmp_path, "--spec", str(_spec_without_document_server(tmp_path)), *common, env=ENV)
    assert rules["MCP-AUTH-004"]["status"] == "not_verified", rules["MCP-AUTH-004"]
    said = message(rules, "MCP-AUTH-004")
    assert "engine-internal" in said and "urn:contractkit" in said
    assert "document-retrieval-mcp" not in said and "neuron-api" not in said


def test_an_audit_log_that_is_never_written_fails_audit_001_and_is_not_clean(tmp_path):
    command = f"{sys.executable} -m contractkit serve mcp crm-data-mcp --stdio"
    never = tmp_path / "never-written.jsonl"
    written = tmp_path / "elsewhere.jsonl"  # where the server really writes
    proc, rules = verify(tmp_path, "--server", "crm-data-mcp", "--stdio", command, "--audit-log", str(never),
                         "--rule", "MCP-AUDIT-*", env={"CONTRACTKIT_AUDIT_LOG": str(written)})
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert rules["MCP-AUDIT-001"]["status"] == "failed"
    assert "never written" in message(rules, "MCP-AUDIT-001")
    assert rules["MCP-AUDIT-002"]["status"] == "not_verified"
    assert "nothing to scan" in message(rules, "MCP-AUDIT-002")
