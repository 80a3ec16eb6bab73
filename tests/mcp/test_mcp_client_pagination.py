"""The suite's SDK client follows tools/list pagination, and refuses a cursor that loops."""

from __future__ import annotations

import pytest
from mcp.server.mcpserver import MCPServer
from mcp_types import ListToolsResult

from contractkit.conformance.mcp.client import Endpoint, McpClient
from contractkit.conformance.outcomes import Violation
from contractkit.servers import serving


class PagedServer(MCPServer):
    """Lists one tool per page; with ``loop`` the last page points back at the first."""

    def __init__(self, loop: bool = False) -> None:
        super().__init__("paged", log_level="ERROR")
        self.loop = loop
        for name in ("alpha", "beta", "gamma"):
            self.add_tool(lambda: "ok", name=name, description=name)

    async def _handle_list_tools(self, ctx, params):  # type: ignore[override]
        tools = await self.list_tools()
        index = int(params.cursor) if params is not None and params.cursor else 0
        following = index + 1 if index + 1 < len(tools) else (0 if self.loop else None)
        return ListToolsResult(tools=tools[index:index + 1],
                               next_cursor=None if following is None else str(following))


def test_list_tools_follows_every_page():
    with serving(PagedServer().streamable_http_app()) as server, \
            McpClient(Endpoint(url=server.url + "/mcp")) as client:
        client.initialize()
        tools, pages = client.list_tools()
    assert [t.name for t in tools] == ["alpha", "beta", "gamma"] and pages == 3


def test_a_looping_cursor_is_a_violation():
    with serving(PagedServer(loop=True).streamable_http_app()) as server, \
            McpClient(Endpoint(url=server.url + "/mcp")) as client:
        client.initialize()
        with pytest.raises(Violation, match="pagination loops"):
            client.list_tools()
