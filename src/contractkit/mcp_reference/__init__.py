"""Reference MCP servers (crm-data-mcp, document-retrieval-mcp) and the engine double they read from.

Layout::

    data.py            the engine double's customers and documents (deterministic seed data)
    engine_double.py   engine/'s internal API as a test double: checks service tokens, records receipts
    service_token.py   the servers' own client-credentials token, refreshed before expiry
    engine_client.py   the servers' calls to engine/ (always with their own service token)
    resource_server.py OAuth2 resource-server guard (MCP authorization spec) and per-client rate limit
    audit.py           the JSON-lines audit log, one record per tool call, secrets redacted
    tools.py           the tools of both servers on the `mcp` SDK's MCPServer
    app.py             one server assembled for stdio or streamable HTTP from its spec entry
    variants.py        deliberately broken variants, for the self-test
    stack.py           McpStack: engine double + both servers on free loopback ports
    serve.py           `contractkit serve engine-double` and `contractkit serve mcp NAME [--stdio]`
"""
