"""`contractkit verify mcp` end to end: the reference over stdio and HTTP, the real peer, bad input.

Each run is a child process, as a user runs it; the reports are read back as JSON.
"""

from __future__ import annotations

import json
import sys

import pytest
from mcp_helpers import EVERYTHING_SPEC, statuses, verify

from contractkit.reference.token_issuer.clients import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

HTTP_ONLY = {"MCP-AUTH-001", "MCP-AUTH-002", "MCP-AUTH-003", "MCP-AUTH-004", "MCP-AUTH-005", "MCP-AUTH-006",
             "MCP-AUTH-007", "MCP-AUTH-008", "MCP-RATE-001"}


def test_reference_over_stdio_verifies_what_stdio_can_and_says_the_rest_is_not_verified(tmp_path):
    command = f"{sys.executable} -m contractkit serve mcp crm-data-mcp --stdio"
    audit = tmp_path / "audit.jsonl"
    proc, rules = verify(tmp_path, "--server", "crm-data-mcp", "--stdio", command, "--audit-log", str(audit),
                         "--skip", "MCP-SVC-*", env={"CONTRACTKIT_AUDIT_LOG": str(audit)})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert statuses(rules, "failed") == set()
    assert {"MCP-INIT-001", "MCP-TOOLS-001", "MCP-TOOLS-003", "MCP-CALL-001", "MCP-CALL-002",
            "MCP-AUDIT-001", "MCP-AUDIT-002"} <= statuses(rules, "passed")
    assert statuses(rules, "not_verified") >= HTTP_ONLY
    reason = rules["MCP-AUTH-001"]["outcomes"][0]["message"]
    assert "stdio" in reason
    record = json.loads(audit.read_text().splitlines()[0])
    assert record["caller"] == "stdio" and record["server"] == "crm-data-mcp"


def test_document_server_over_http_passes(tmp_path, mcp_stack):
    proc, rules = verify(
        tmp_path, "--server", "document-retrieval-mcp", "--url", mcp_stack.url("document-retrieval-mcp"),
        "--token-url", mcp_stack.token_url, "--client-id", DEMO_CLIENT_ID,
        "--audit-log", str(mcp_stack.audit_path("document-retrieval-mcp")), "--engine-double", mcp_stack.engine_url,
        "--skip", "MCP-RATE-001", "--skip", "MCP-AUTH-003", env={"CONTRACTKIT_CLIENT_SECRET": DEMO_CLIENT_SECRET})
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert statuses(rules, "failed") == set()
    # docs.read is the server's only scope: MCP-AUTH-006 calls with a token holding another server's scope
    assert statuses(rules, "not_verified") == set()
    assert DEMO_CLIENT_SECRET not in proc.stdout + proc.stderr


def test_without_credentials_the_http_auth_rules_are_not_verified_never_passed(tmp_path, mcp_stack):
    proc, rules = verify(tmp_path, "--server", "crm-data-mcp", "--url", mcp_stack.url("crm-data-mcp"),
                         "--rule", "MCP-AUTH-*", "--rule", "MCP-TOOLS-001",
                         env={"CONTRACTKIT_CLIENT_ID": "", "CONTRACTKIT_CLIENT_SECRET": ""})
    assert proc.returncode == 0
    assert statuses(rules, "passed") == {"MCP-AUTH-002"}  # needs no token
    # a refusal proves nothing without the same request, with a token, served first
    assert {"MCP-AUTH-001", "MCP-AUTH-003", "MCP-AUTH-004", "MCP-AUTH-005", "MCP-AUTH-006", "MCP-AUTH-007",
            "MCP-AUTH-008", "MCP-TOOLS-001"} <= statuses(rules, "not_verified")


@pytest.mark.parametrize("argv, message", [
    (["--server", "no-such-server", "--url", "http://127.0.0.1:9/mcp"], "declares no MCP server named"),
    (["--server", "crm-data-mcp", "--url", "http://127.0.0.1:9/mcp"], "not answering"),
    (["--server", "crm-data-mcp", "--stdio", "/nonexistent/mcp-server --stdio"], "cannot start"),
    (["--server", "crm-data-mcp", "--stdio", f"{sys.executable} -c 'import sys; sys.exit(3)'"],
     "did not answer initialize"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, argv, message):
    proc, _ = verify(tmp_path, *argv)
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert message in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    # caught before the suite starts: one line, no report
    assert proc.stdout == "" and proc.stderr.count("\n") == 1, proc.stdout[-2000:] + proc.stderr


def test_server_everything_over_stdio(tmp_path, everything_js):
    proc, rules = verify(tmp_path, "--spec", str(EVERYTHING_SPEC), "--server", "server-everything",
                         "--stdio", f"node {everything_js} stdio")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert statuses(rules, "failed") == set()
    assert {"MCP-INIT-001", "MCP-TOOLS-001", "MCP-TOOLS-003", "MCP-CALL-001",
            "MCP-CALL-002"} <= statuses(rules, "passed")
    assert statuses(rules, "warning") == {"MCP-TOOLS-002"}  # it offers tools the example spec leaves out
    assert "MCP-INIT-002" in statuses(rules, "not_verified")  # 2026-07-28 is not offered


def test_server_everything_over_http_fails_only_origin_validation(tmp_path, everything_http):
    proc, rules = verify(tmp_path, "--spec", str(EVERYTHING_SPEC), "--server", "server-everything",
                         "--url", everything_http)
    # A true finding, not a bug of ours: the peer serves requests with a foreign Origin, which the MCP
    # streamable HTTP transport says servers MUST refuse (DNS rebinding).
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert statuses(rules, "failed") == {"MCP-AUTH-007"}
    assert {"MCP-INIT-001", "MCP-TOOLS-001", "MCP-CALL-001", "MCP-CALL-002"} <= statuses(rules, "passed")
    assert "Origin" in rules["MCP-AUTH-007"]["outcomes"][0]["message"]


def test_an_undeclared_tool_warns_and_fails_with_strict(tmp_path, mcp_stack):
    import yaml

    from contractkit.resources import mcp_spec_path

    spec = yaml.safe_load(mcp_spec_path().read_text())
    crm = next(s for s in spec["servers"] if s["name"] == "crm-data-mcp")
    crm["tools"] = [t for t in crm["tools"] if t["name"] != "search_customers"]
    narrowed = tmp_path / "mcp-servers.yaml"
    narrowed.write_text(yaml.safe_dump(spec, sort_keys=False))
    common = ["--spec", str(narrowed), "--server", "crm-data-mcp", "--url", mcp_stack.url("crm-data-mcp"),
              "--token-url", mcp_stack.token_url, "--client-id", DEMO_CLIENT_ID, "--rule", "MCP-TOOLS-*"]
    env = {"CONTRACTKIT_CLIENT_SECRET": DEMO_CLIENT_SECRET}
    proc, rules = verify(tmp_path, *common, env=env)
    assert proc.returncode == 0 and rules["MCP-TOOLS-002"]["status"] == "warning"
    assert "search_customers" in rules["MCP-TOOLS-002"]["outcomes"][0]["message"]
    proc, rules = verify(tmp_path, *common, "--strict", env=env)
    assert proc.returncode == 1 and statuses(rules, "failed") == {"MCP-TOOLS-002"}
