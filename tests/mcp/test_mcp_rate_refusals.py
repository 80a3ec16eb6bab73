"""MCP-RATE-001 judges only a burst the server served or limited, and only a usable Retry-After."""

from __future__ import annotations

from degenerate import Plain, spec, tool
from hostile import serve
from mcp_helpers import message, verify

RATE = "rate_limit: {requests: 10, window_seconds: 5}"


def run(tmp_path, server: Plain):
    path = tmp_path / "spec.yaml"
    path.write_text(spec([("lookup", "read_only: true")], extra=RATE))
    with serve(server) as http:
        return verify(tmp_path, "--spec", str(path), "--server", "plain-mcp", "--url", http.url + "/mcp",
                      "--rule", "MCP-RATE-001", "--timeout", "3")


def test_a_burst_of_401s_is_not_all_served_but_not_verified(tmp_path):
    proc, rules = run(tmp_path, Plain([tool("lookup")], status_for={"ping": 401}))
    assert rules["MCP-RATE-001"]["status"] == "not_verified", proc.stdout[-2000:]
    assert "401" in message(rules, "MCP-RATE-001") and "none refused" not in message(rules, "MCP-RATE-001")


def test_a_negative_retry_after_is_no_usable_retry_after(tmp_path):
    proc, rules = run(tmp_path, Plain([tool("lookup")], status_for={"ping": 429}, retry_after="-5"))
    assert rules["MCP-RATE-001"]["status"] == "failed", proc.stdout[-2000:]
    assert "usable Retry-After" in message(rules, "MCP-RATE-001")


def test_a_burst_that_is_all_served_fails(tmp_path):
    _, rules = run(tmp_path, Plain([tool("lookup")]))
    assert rules["MCP-RATE-001"]["status"] == "failed"
    assert "none refused with 429" in message(rules, "MCP-RATE-001")
