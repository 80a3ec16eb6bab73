"""Reference MCP servers (crm-data-mcp, document-retrieval-mcp) on the `mcp` SDK.

Layout::

    data.py            the engine double's customers and documents (deterministic seed data)
    service_token.py   the servers' own client-credentials token, refreshed before expiry
    engine_client.py   the servers' calls to engine/ (always with their own service token)
    resource_server.py OAuth2 resource-server guard (MCP authorization spec) and per-client rate limit
    audit.py           the JSON-lines audit log, one record per tool call, secrets redacted
    tools.py           the tools of both servers on the `mcp` SDK's MCPServer
    app.py             one server assembled for stdio or streamable HTTP from its spec entry
    stack.py           McpStack: engine double + both servers on free loopback ports
    serve.py           `contractkit serve engine-double` and `contractkit serve mcp NAME [--stdio]`

The servers read their contract through ``contractkit.spec.mcp``; the engine double they call is
``contractkit.reference.engine_double``.
"""
