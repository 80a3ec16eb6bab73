"""The audit record's shape and the canary's key come from the spec, in the checks and in the reference.

The reference server over stdio, under a copy of the bundled spec whose ``audit_log`` says
something else each time: renamed keys, no ``tool`` field, no ``redact``.
"""

from __future__ import annotations

import json
import sys

import yaml
from mcp_helpers import message, verify

from contractkit.resources import mcp_spec_path


def run(tmp_path, audit_log: dict):
    doc = yaml.safe_load(mcp_spec_path().read_text())
    server = next(s for s in doc["servers"] if s["name"] == "crm-data-mcp")
    server["audit_log"] = audit_log
    spec = tmp_path / "mcp-servers.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    audit = tmp_path / "audit.jsonl"
    audit.write_text('{"tool_name": "before-the-run", "args": {}}\n')  # a record from before the run
    env = {"CONTRACTKIT_AUDIT_LOG": str(audit), "CONTRACTKIT_MCP_SPEC": str(spec)}
    command = f"{sys.executable} -m contractkit serve mcp crm-data-mcp --stdio"
    proc, rules = verify(tmp_path, "--spec", str(spec), "--server", "crm-data-mcp", "--stdio", command,
                         "--audit-log", str(audit), "--rule", "MCP-AUDIT-*", env=env)
    records = [json.loads(line) for line in audit.read_text().splitlines()[1:]]
    return proc, rules, records


def test_renamed_keys_are_written_and_read_and_the_canary_goes_under_the_declared_redact_key(tmp_path):
    proc, rules, records = run(tmp_path, {"required": True, "format": "jsonl",
                                          "fields": ["time", "caller", "tool", "outcome", "arguments"],
                                          "keys": {"tool": "tool_name", "arguments": "args"},
                                          "redact": ["api_key"]})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert records and all(set(r) == {"time", "caller", "tool_name", "outcome", "args"} for r in records), records
    assert any("api_key" in r["args"] for r in records), "the canary is planted under the spec's redact key"
    assert rules["MCP-AUDIT-001"]["status"] == "passed" and rules["MCP-AUDIT-002"]["status"] == "passed"
    examined = rules["MCP-AUDIT-002"]["outcomes"][0]["examined"]
    assert examined["count"] == len(records), "only the records written during the run are counted"


def test_an_undeclared_tool_field_and_no_redact_are_said_not_assumed(tmp_path):
    proc, rules, _ = run(tmp_path, {"required": True, "format": "jsonl", "fields": ["time", "caller", "outcome"]})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert rules["MCP-AUDIT-001"]["status"] == "not_verified"
    assert "audit_log.fields does not declare tool, arguments" in message(rules, "MCP-AUDIT-001")
    assert rules["MCP-AUDIT-002"]["status"] == "passed" and rules["MCP-AUDIT-002"]["partial"]
    assert "audit_log.redact" in rules["MCP-AUDIT-002"]["outcomes"][0]["examined"]["unchecked"]
