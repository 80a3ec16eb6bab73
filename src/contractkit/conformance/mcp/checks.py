"""Every MCP check, registered in ``contractkit.conformance.registry.MCP_CHECKS`` by importing this.

The import order is the order of ``contractkit rules mcp`` and of the reports: the protocol
first, then the tools and their calls, then authorization, then limits and accountability.
"""

import importlib

for _module in ("checks_protocol", "checks_calls", "checks_auth", "checks_accountability"):
    importlib.import_module(f"contractkit.conformance.mcp.{_module}")
