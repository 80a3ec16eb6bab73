"""MCP tool calls: property-based valid calls against the declared returns, and invalid calls."""

import pytest

from contractkit.conformance.mcp import checks_calls as checks


@pytest.mark.rule("MCP-CALL-001")
def test_valid_calls(mcp, tool):
    checks.check_valid_calls(mcp, tool)


@pytest.mark.rule("MCP-CALL-002")
def test_invalid_calls(mcp, tool):
    checks.check_invalid_calls(mcp, tool)
