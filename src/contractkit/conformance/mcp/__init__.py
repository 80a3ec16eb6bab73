"""The MCP half of the conformance suite: checks, their pytest fixtures, SDK clients, generation.

    checks.py        imports the check modules so MCP_CHECKS is complete
    checks_*.py      the checks, one module per concern (protocol, tools, calls, auth, accountability)
    plugin.py        pytest fixtures (``mcp``: the session's McpTarget) and the reachability preflight
    target.py        McpTarget: the server's contract, tokens, an SDK session and raw HTTP access
    client.py        McpClient: a blocking facade over the `mcp` SDK's ClientSession (stdio or HTTP)
    generate.py      valid arguments (schemathesis's JSON Schema engine) and invalid ones (mutations)
    schemas.py       inputSchema compatibility and result validation against declared returns
    selftest.py      the reference and its broken variants through the suite (self-test, demo)
"""
