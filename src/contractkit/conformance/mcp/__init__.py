"""The MCP half of the conformance suite: checks, SDK clients, argument generation.

    kind.py          MCP servers as a target kind: checks imported, preflight, subjects (tools)
    init.py ... svc.py  the checks, one module per rule-id prefix: init (MCP-INIT), tools (MCP-TOOLS),
                     call (MCP-CALL), auth (MCP-AUTH), rate (MCP-RATE), audit (MCP-AUDIT), svc (MCP-SVC)
    target.py        McpTarget: the server's contract, tokens, an SDK session and raw HTTP access
    client.py        McpClient: a blocking facade over the `mcp` SDK's ClientSession (stdio or HTTP)
    generate.py      valid arguments (schemathesis's JSON Schema engine) and invalid ones (mutations)
    schemas.py       inputSchema compatibility and result validation against declared returns
"""
