"""Safe on staging: what a default run may do to a server that never validates its arguments.

Each test serves a ``Plain`` server (it records every tools/call and runs whatever arrives), runs
``contractkit verify mcp`` against it and reads the server's record afterwards.
"""

from __future__ import annotations

import time

import pytest
from degenerate import Plain, spec, tool
from hostile import serve
from mcp_helpers import verify

WRITERS = ["wipe_store", "delete_users", "add_note"]


def run(tmp_path, server: Plain, spec_text: str, *extra: str, timeout: str = "3"):
    path = tmp_path / "spec.yaml"
    path.write_text(spec_text)
    with serve(server) as http:
        started = time.monotonic()
        proc, rules = verify(tmp_path, "--spec", str(path), "--server", "plain-mcp", "--url", http.url + "/mcp",
                             "--timeout", timeout, *extra)
    return proc, rules, time.monotonic() - started


def test_a_default_run_sends_no_tools_call_of_any_kind_to_tools_the_policy_does_not_allow(tmp_path):
    server = Plain([tool(n) for n in WRITERS])
    proc, rules, _ = run(tmp_path, server, spec([(n, "") for n in WRITERS]))
    assert server.calls == [], f"the suite called tools it may not call: {server.calls[:5]}"
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    for rule_id in ("MCP-CALL-001", "MCP-CALL-002"):
        assert rules[rule_id]["status"] == "not_verified", (rule_id, rules[rule_id])
        assert "safety policy" in rules[rule_id]["outcomes"][0]["message"]


def test_max_calls_counts_every_call_of_every_rule(tmp_path):
    server = Plain([tool("add_note")])
    proc, _, _ = run(tmp_path, server, spec([("add_note", "verify_calls: {allow: true, max_calls: 3}")]),
                     "--profile", "quick")
    assert len(server.calls) <= 3, f"max_calls: 3, and {len(server.calls)} calls were made: {server.calls}"
    assert server.calls, proc.stderr[-2000:]


def test_the_servers_destructive_hint_wins_over_the_specs_read_only(tmp_path):
    destructive = {"readOnlyHint": False, "destructiveHint": True}
    server = Plain([tool("wipe_store", annotations=destructive)])
    text = spec([("wipe_store", "read_only: true")])
    proc, rules, _ = run(tmp_path, server, text)
    assert server.calls == [], server.calls
    assert "destructiveHint" in proc.stderr, proc.stderr[-2000:]
    assert rules["MCP-CALL-001"]["status"] == "not_verified"
    server = Plain([tool("wipe_store", annotations=destructive)])
    proc, _, _ = run(tmp_path, server, text, "--allow-side-effects")
    assert server.calls, "with --allow-side-effects the tool is called"
    assert "warning" in proc.stderr.lower() and "wipe_store" in proc.stderr, proc.stderr[-2000:]


def test_an_endless_stream_on_a_tool_call_is_one_transport_failure_within_the_calls_deadline(tmp_path):
    server = Plain([tool("lookup")], stream_on_call=True)
    _, rules, elapsed = run(tmp_path, server, spec([("lookup", "read_only: true")]), "--rule", "MCP-CALL-*",
                      timeout="2")
    call_001 = rules["MCP-CALL-001"]["outcomes"][0]
    assert call_001["status"] == "not_verified", call_001
    assert "JSON-RPC error" not in call_001["message"], call_001["message"]
    assert "stream" in call_001["message"], call_001["message"]
    assert len(server.calls) <= 2, f"one call per rule, then no more: {len(server.calls)}"
    assert elapsed < 30, elapsed


@pytest.mark.parametrize("status", [401, 404, 500])
def test_a_server_that_turns_to_an_error_status_mid_run_ends_the_run_with_exit_2_naming_it(tmp_path, status):
    server = Plain([tool("lookup")], turn_after=12, turn_to=status)
    proc, _, _ = run(tmp_path, server, spec([("lookup", "read_only: true")]))
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-2000:]
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("contractkit:")
             and str(status) in line]
    assert len(lines) == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr


def test_a_slow_valid_call_is_not_verified_never_hung(tmp_path):
    server = Plain([tool("lookup")], slow_call_s=3.0)
    _, rules, _ = run(tmp_path, server, spec([("lookup", "read_only: true")]), "--rule", "MCP-CALL-*",
                      timeout="1")
    for rule_id in ("MCP-CALL-001", "MCP-CALL-002"):
        outcome = rules[rule_id]["outcomes"][0]
        assert outcome["status"] == "not_verified", (rule_id, outcome)
        assert "hung" not in outcome["message"].replace("or hung", ""), outcome["message"]
