"""contractkit verify mcp against a helpdesk MCP server nobody on the kit wrote it around.

The server (helpdesk_tools.py, helpdesk_http.py) is written on the mcp SDK 2.x the way an outside
team would, with its own contract (helpdesk.yaml). The clean server must pass with every failure
absent and the destructive tool never called (counted by the server itself, at the HTTP layer,
before any auth); each planted defect must fail exactly its rule.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from helpdesk_stack import CLIENT_SECRET, OTHER_AUDIENCE, SECRET_ENV, HelpdeskStack
from helpdesk_tools import SPEC_PATH, read_call_log

HERE = Path(__file__).resolve().parent
# Generous per-request deadline: no verdict may change on a loaded machine.
COMMON = ["--profile", "quick", "--request-timeout", "30", "--hypothesis-db", "none", "--seed", "7"]


def run_verify(tmp_path: Path, *args: str, env: dict[str, str] | None = None,
               ) -> tuple[subprocess.CompletedProcess, dict, dict]:
    """``contractkit verify mcp ARGS``; (the process, the rules by id, the report's meta)."""
    report = tmp_path / "report.json"
    report.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-m", "contractkit", "verify", "mcp", *args, *COMMON,
                           "--report-json", str(report)], capture_output=True, text=True, timeout=240,
                          env={**os.environ, SECRET_ENV: CLIENT_SECRET, **(env or {})})
    data = json.loads(report.read_text()) if report.exists() else {}
    return proc, {r["id"]: r for r in data.get("rules", [])}, data.get("meta", {})


def with_status(rules: dict, status: str) -> set[str]:
    return {rule_id for rule_id, r in rules.items() if r["status"] == status}


def said(rules: dict, rule_id: str) -> str:
    return " | ".join(o.get("message") or "" for o in rules[rule_id]["outcomes"])


def http_calls(stack: HelpdeskStack) -> Counter:
    """tools/call requests per tool as the server's HTTP layer saw them (refused ones included)."""
    return Counter(tool for tool, stage in stack.calls.entries if stage == "http")


def test_the_contract_lints_clean():
    proc = subprocess.run([sys.executable, "-m", "contractkit", "lint", str(SPEC_PATH)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_clean_server_over_http_passes_and_the_destructive_tool_is_never_called(tmp_path):
    with HelpdeskStack(audit_path=tmp_path / "audit.jsonl") as stack:
        proc, rules, meta = run_verify(tmp_path, *stack.verify_args(), "--other-audience", OTHER_AUDIENCE)
        calls = http_calls(stack)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert not with_status(rules, "failed") and not with_status(rules, "warning"), rules
    assert {"MCP-INIT-001", "MCP-INIT-002", "MCP-TOOLS-001", "MCP-TOOLS-003", "MCP-AUTH-001", "MCP-AUTH-002",
            "MCP-AUTH-003", "MCP-AUTH-004", "MCP-AUTH-005", "MCP-AUTH-007", "MCP-AUTH-008", "MCP-RATE-001",
            "MCP-AUDIT-001", "MCP-AUDIT-002"} <= with_status(rules, "passed")
    # Only the service-token rules are not verified: the helpdesk has no upstream.
    assert with_status(rules, "not_verified") == {"MCP-SVC-001", "MCP-SVC-002"}
    # The destructive tool: no tools/call of any kind reached the server, and the kit says why.
    assert calls["delete_ticket"] == 0 and meta["tool_calls"].get("delete_ticket", 0) == 0
    assert meta["tool_policy"]["delete_ticket"]["may_call"] is False
    assert "delete_ticket is not called under the safety policy" in said(rules, "MCP-CALL-001")
    # Budgets: what the server saw matches what the kit counted, and stays within max_calls.
    assert calls == Counter({k: v for k, v in meta["tool_calls"].items() if v}), (calls, meta["tool_calls"])
    assert 0 < calls["create_ticket"] <= 6 and 0 < calls["set_ticket_status"] <= 8
    if "beyond its budget" in said(rules, "MCP-CALL-001"):  # the partial names the tool whose budget ran out
        assert "create_ticket: " in said(rules, "MCP-CALL-001") or "set_ticket_status: " in said(rules,
                                                                                                   "MCP-CALL-001")
    # Paged tools/list (three a page) was read whole; the slow tool was waited for and judged.
    assert "7 declared tools" in json.dumps(rules["MCP-TOOLS-001"])
    assert calls["ticket_stats_report"] > 0


def test_clean_server_over_stdio_passes_with_only_http_rules_not_verified(tmp_path):
    log = tmp_path / "calls.jsonl"
    proc, rules, meta = run_verify(tmp_path, "--spec", str(SPEC_PATH), "--mcp-server", "helpdesk-mcp",
                                   "--mcp-stdio", f"{sys.executable} {HERE / 'helpdesk_stdio.py'}",
                                   env={"HELPDESK_CALL_LOG": str(log)})
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert not with_status(rules, "failed") and not with_status(rules, "warning"), rules
    assert {"MCP-INIT-001", "MCP-INIT-002", "MCP-TOOLS-001", "MCP-TOOLS-003"} <= with_status(rules, "passed")
    calls = Counter(entry["tool"] for entry in read_call_log(log))
    assert calls["delete_ticket"] == 0
    assert calls == Counter({k: v for k, v in meta["tool_calls"].items() if v})


@pytest.mark.parametrize(("defects", "rules_failed"), [
    (["bad-output"], {"MCP-CALL-001"}),
    (["crash-on-bad-args"], {"MCP-CALL-002"}),
    (["scope-unchecked"], {"MCP-AUTH-006"}),
    (["audience-unchecked"], {"MCP-AUTH-004"}),
    (["unaudited-get"], {"MCP-AUDIT-001"}),
    # defects of disjoint rules in one run (each fails its rule alone too; one run is cheaper)
    (["bare-page", "audit-leaks", "no-rate-limit"], {"MCP-INIT-002", "MCP-AUDIT-002", "MCP-RATE-001"}),
], ids=lambda v: "+".join(v) if isinstance(v, list) else None)
def test_each_planted_defect_fails_exactly_its_rule(tmp_path, defects, rules_failed):
    # the burst of MCP-RATE-001 waits out a window: run it only where its defect is planted
    skip = [] if "MCP-RATE-001" in rules_failed else ["--skip", "MCP-RATE-001"]
    with HelpdeskStack(defects, audit_path=tmp_path / "audit.jsonl") as stack:
        proc, rules, _ = run_verify(tmp_path, *stack.verify_args(), "--other-audience", OTHER_AUDIENCE, *skip)
        calls = http_calls(stack)
    assert proc.returncode == 1, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert with_status(rules, "failed") == rules_failed, {r: said(rules, r) for r in with_status(rules, "failed")}
    assert calls["delete_ticket"] == 0


def test_a_tool_the_server_does_not_list_gets_no_scope_probe(tmp_path):
    """lost-page hides ticket_stats_report: MCP-TOOLS-001 fails, and no rule calls or judges the tool
    (before the fix, MCP-AUTH-006 probed it and passed on a tool the server does not offer)."""
    with HelpdeskStack(["lost-page"]) as stack:
        proc, rules, _ = run_verify(tmp_path, *stack.verify_args(), "--rule", "MCP-TOOLS-001", "--rule",
                                    "MCP-AUTH-006")
        calls = http_calls(stack)
    assert proc.returncode == 1 and rules["MCP-TOOLS-001"]["status"] == "failed"
    assert "not offered: ['ticket_stats_report']" in said(rules, "MCP-TOOLS-001")
    assert calls["ticket_stats_report"] == 0
    assert "does not offer ticket_stats_report" in said(rules, "MCP-AUTH-006")


def test_an_unreadable_listing_fails_the_listing_rule_not_the_call_rules(tmp_path):
    """endless-pages: tools/list loops. MCP-TOOLS-001 fails; the call and scope rules examined no
    call, so they are not verified (before the fix they failed on every tool), no tool is called, and
    the handshake rules, whose sessions were served, do not fail on the listing's cause."""
    with HelpdeskStack(["endless-pages"]) as stack:
        _, rules, _ = run_verify(tmp_path, *stack.verify_args(), "--rule", "MCP-INIT-*", "--rule", "MCP-TOOLS-*",
                                 "--rule", "MCP-CALL-*", "--rule", "MCP-AUTH-006")
        calls = http_calls(stack)
    assert with_status(rules, "failed") == {"MCP-TOOLS-001"}, {r: said(rules, r) for r in rules}
    for rule_id in ("MCP-TOOLS-002", "MCP-TOOLS-003", "MCP-CALL-001", "MCP-CALL-002", "MCP-AUTH-006"):
        assert rules[rule_id]["status"] == "not_verified", (rule_id, said(rules, rule_id))
        assert "see MCP-TOOLS-001" in said(rules, rule_id)
    assert sum(calls.values()) == 0
    assert rules["MCP-INIT-001"]["status"] == "passed" and rules["MCP-INIT-002"]["status"] == "passed"


def test_a_control_that_was_answered_but_not_served_says_what_came_back():
    """The AUTH-006 positive control once got "200, not a result" under load with nothing else to go
    on; the message now carries the JSON-RPC error, or what came instead of an answer."""
    import httpx

    from contractkit.conformance.http import Exchange
    from contractkit.conformance.mcp.rpc import unserved

    def answered(**kw: object) -> Exchange:
        return Exchange("POST", "http://127.0.0.1:1/mcp", {}, b"{}", **kw)

    sse = httpx.Headers({"content-type": "text/event-stream"})
    error = b'event: message\ndata: {"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"bad cursor"}}\n\n'
    assert unserved(answered(status=200, headers=sse, body=error)) == " (JSON-RPC error -32602: bad cursor)"
    assert "no JSON-RPC answer in 12 bytes of text/event-stream" in unserved(
        answered(status=200, headers=sse, body=b"event: ping\n"))
    assert unserved(answered(status=None, error="timed out")) == ""


def test_the_servers_destructive_hint_wins_over_a_spec_that_says_read_only(tmp_path):
    """A contract author marks delete_ticket read_only: true by mistake; the server annotates it
    destructiveHint: true. No tools/call of any kind may reach it: not valid, not invalid, not a probe."""
    import yaml

    doc = yaml.safe_load(SPEC_PATH.read_text())
    for tool in doc["servers"][0]["tools"]:
        if tool["name"] == "delete_ticket":
            tool["read_only"] = True
            tool["examples"] = [{"arguments": {"ticket_id": "HD-1001"}}]
    spec = tmp_path / "mistaken.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    with HelpdeskStack(audit_path=tmp_path / "audit.jsonl") as stack:
        args = stack.verify_args()
        args[args.index("--spec") + 1] = str(spec)
        proc, rules, meta = run_verify(tmp_path, *args, "--tool", "delete_ticket", "--rule", "MCP-CALL-*",
                                       "--rule", "MCP-AUTH-006", "--rule", "MCP-AUDIT-*")
        calls = http_calls(stack)
        still_there = "HD-1001" in stack.helpdesk.tickets
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert calls["delete_ticket"] == 0 and still_there
    assert meta["tool_policy"]["delete_ticket"]["may_call"] is False
    assert "destructiveHint: true, which wins" in meta["tool_policy"]["delete_ticket"]["why"]
    for rule_id in ("MCP-CALL-001", "MCP-CALL-002", "MCP-AUTH-006"):
        assert rules[rule_id]["status"] == "not_verified", (rule_id, said(rules, rule_id))
