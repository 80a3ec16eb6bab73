"""Protocol eras: what the spec declares is what is required, older eras are verified on what they
offer, the stateless revision is discovered (not negotiated), redirects are followed.
"""

from __future__ import annotations

import time

import yaml
from hostile import goes_silent, redirecting, serve
from mcp_helpers import message, statuses, verify

from contractkit.reference.token_issuer.clients import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from contractkit.resources import mcp_spec_path

ENV = {"CONTRACTKIT_CLIENT_SECRET": DEMO_CLIENT_SECRET}


def crm_spec(tmp_path, versions: list[str] | None):
    spec = yaml.safe_load(mcp_spec_path().read_text())
    crm = next(s for s in spec["servers"] if s["name"] == "crm-data-mcp")
    if versions is None:
        crm.pop("protocol_versions", None)
    else:
        crm["protocol_versions"] = versions
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def crm(tmp_path, mcp_stack, versions, *rules, url=None):
    argv = ["--spec", str(crm_spec(tmp_path, versions)), "--server", "crm-data-mcp", "--url",
            url or mcp_stack.url("crm-data-mcp"), "--token-url", mcp_stack.token_url, "--client-id", DEMO_CLIENT_ID]
    for rule in rules:
        argv += ["--rule", rule]
    return verify(tmp_path, *argv, env=ENV)


def test_an_older_era_is_verified_on_what_it_offers(tmp_path, mcp_stack):
    proc, rules = crm(tmp_path, mcp_stack, ["2025-03-26"], "MCP-INIT-001", "MCP-AUTH-001", "MCP-AUTH-002",
                      "MCP-AUTH-004", "MCP-AUTH-008")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert statuses(rules, "passed") == {"MCP-INIT-001", "MCP-AUTH-001"}
    for rule in ("MCP-AUTH-002", "MCP-AUTH-004", "MCP-AUTH-008"):
        assert rules[rule]["status"] == "not_verified"
        assert "protocol era is 2025-03-26" in message(rules, rule), message(rules, rule)


def test_the_stateless_revision_is_discovered_not_negotiated(tmp_path, mcp_stack):
    proc, rules = crm(tmp_path, mcp_stack, ["2026-07-28"], "MCP-INIT-*")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert rules["MCP-INIT-001"]["status"] == "not_verified"
    assert "not negotiated through initialize" in message(rules, "MCP-INIT-001")
    assert rules["MCP-INIT-002"]["status"] == "passed"


def test_declaring_no_version_demands_none(tmp_path, mcp_stack):
    proc, rules = crm(tmp_path, mcp_stack, None, "MCP-INIT-001")
    assert proc.returncode == 0
    assert rules["MCP-INIT-001"]["status"] == "passed" and rules["MCP-INIT-001"]["partial"]
    assert "declares no protocol_versions" in rules["MCP-INIT-001"]["outcomes"][0]["examined"]["unchecked"]


SPEC = """
format: contractkit/mcp-servers@1
version: 1.0.0
servers:
  - name: old-mcp
    protocol_versions: {versions}
    transports: {{streamable_http: {{path: /mcp}}}}
    authentication: {{type: none}}
    tools:
      - name: lookup
        description: Look a key up.
        read_only: true
        parameters: {{type: object, required: [key], properties: {{key: {{type: string}}}}}}
        returns: {{type: string}}
"""


def old(tmp_path, app, versions: str, *rules: str):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(versions=versions))
    argv = ["--spec", str(spec), "--server", "old-mcp", "--timeout", "2"]
    for rule in rules:
        argv += ["--rule", rule]
    with serve(app) as server:
        return verify(tmp_path, *argv, "--url", server.url + "/mcp")


def test_an_echoed_bogus_version_fails(tmp_path):
    _, rules = old(tmp_path, goes_silent(after=10**6, echo_version=True), "['2025-11-25']", "MCP-INIT-001")
    assert rules["MCP-INIT-001"]["status"] == "failed"
    assert "echoed back" in message(rules, "MCP-INIT-001")


def test_a_server_that_never_answers_server_discover_does_not_offer_the_stateless_revision(tmp_path):
    silent_on_discover = goes_silent(after=10**6, hang_on=("server/discover",))
    started = time.monotonic()
    proc, rules = old(tmp_path, silent_on_discover, "['2025-11-25']", "MCP-INIT-002")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert rules["MCP-INIT-002"]["status"] == "not_verified"
    assert "does not offer the stateless 2026-07-28 revision" in message(rules, "MCP-INIT-002")
    assert time.monotonic() - started < 45  # bounded (the server would hang for an hour), with room for a busy machine
    # declared, it is required
    proc, rules = old(tmp_path, silent_on_discover, "['2025-11-25', '2026-07-28']", "MCP-INIT-002")
    assert proc.returncode == 1 and rules["MCP-INIT-002"]["status"] == "failed"


def test_a_redirect_is_followed_by_the_sdk_session_and_the_raw_probes(tmp_path, mcp_stack):
    with serve(redirecting(mcp_stack.url("crm-data-mcp"))) as proxy:
        proc, rules = crm(tmp_path, mcp_stack, ["2025-11-25"], "MCP-TOOLS-001", "MCP-AUTH-001", "MCP-AUTH-002",
                          url=proxy.url + "/mcp")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]
    assert statuses(rules, "passed") == {"MCP-TOOLS-001", "MCP-AUTH-001", "MCP-AUTH-002"}
