"""MCP limits and accountability: rate limit, audit log, the server's own service token."""

import pytest

from contractkit.conformance.mcp import checks_accountability as checks


@pytest.mark.rule("MCP-AUDIT-001")
def test_audit_complete(mcp):
    checks.check_audit_complete(mcp)


@pytest.mark.rule("MCP-AUDIT-002")
def test_audit_redaction(mcp):
    checks.check_audit_redaction(mcp)


@pytest.mark.rule("MCP-SVC-001")
def test_service_token_scopes(mcp):
    checks.check_service_token_scopes(mcp)


@pytest.mark.rule("MCP-SVC-002")
def test_no_passthrough(mcp):
    checks.check_no_passthrough(mcp)


@pytest.mark.rule("MCP-RATE-001")
def test_rate_limit(mcp):
    checks.check_rate_limit(mcp)
