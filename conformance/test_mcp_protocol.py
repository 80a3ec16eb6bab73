"""MCP lifecycle and tool listing: version negotiation, tools/list against the declared tools."""

import pytest

from contractkit.conformance.mcp import checks_protocol as checks


@pytest.mark.rule("MCP-INIT-001")
def test_version_negotiation(mcp):
    checks.check_version_negotiation(mcp)


@pytest.mark.rule("MCP-INIT-002")
def test_modern_revision(mcp):
    checks.check_modern_revision(mcp)


@pytest.mark.rule("MCP-TOOLS-001")
def test_declared_tools_listed(mcp):
    checks.check_declared_tools_listed(mcp)


@pytest.mark.rule("MCP-TOOLS-002")
def test_no_undeclared_tools(mcp):
    checks.check_no_undeclared_tools(mcp)


@pytest.mark.rule("MCP-TOOLS-003")
def test_input_schema_compatible(mcp, tool):
    checks.check_input_schema_compatible(mcp, tool)
