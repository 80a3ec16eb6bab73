"""MCP over streamable HTTP as an OAuth2 resource server: each authorization rule its own test."""

import pytest

from contractkit.conformance.mcp import checks_auth as checks


@pytest.mark.rule("MCP-AUTH-001")
def test_no_token(mcp):
    checks.check_no_token(mcp)


@pytest.mark.rule("MCP-AUTH-002")
def test_resource_metadata(mcp):
    checks.check_resource_metadata(mcp)


@pytest.mark.rule("MCP-AUTH-003")
def test_invalid_tokens(mcp):
    checks.check_invalid_tokens(mcp)


@pytest.mark.rule("MCP-AUTH-004")
def test_wrong_audience(mcp):
    checks.check_wrong_audience(mcp)


@pytest.mark.rule("MCP-AUTH-005")
def test_query_token(mcp):
    checks.check_query_token(mcp)


@pytest.mark.rule("MCP-AUTH-006")
def test_tool_scope(mcp, tool):
    checks.check_tool_scope(mcp, tool)


@pytest.mark.rule("MCP-AUTH-007")
def test_host_origin(mcp):
    checks.check_host_origin(mcp)


@pytest.mark.rule("MCP-AUTH-008")
def test_challenge_scope(mcp):
    checks.check_challenge_scope(mcp)
