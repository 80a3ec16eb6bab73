"""Every MCP check, registered in ``contractkit.conformance.registry.MCP_CHECKS`` by importing this."""

from contractkit.conformance.mcp import (  # noqa: F401 - imported for their registrations
    checks_accountability,
    checks_auth,
    checks_calls,
    checks_protocol,
)
