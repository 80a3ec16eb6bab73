"""The MCP half of the conformance suite: checks, SDK clients, argument generation.

    kind.py          MCP servers as a target kind: checks imported, preflight, subjects (tools)
    init.py ... svc.py  the checks, one module per rule-id prefix: init (MCP-INIT), tools (MCP-TOOLS),
                     call (MCP-CALL), auth (MCP-AUTH), rate (MCP-RATE), audit (MCP-AUDIT), svc (MCP-SVC)
    target.py        McpTarget: the server's contract, tokens, an SDK session and raw HTTP access
    client.py        McpClient: a blocking facade over the `mcp` SDK's ClientSession (stdio or HTTP);
                     every tools/call passes the target's call guard (the safety policy, max_calls)
    transport.py     the HTTP transport under the SDK session: answer caps, 429 retries, traffic record
    rpc.py           raw JSON-RPC over streamable HTTP, for the rules about HTTP itself
    refusal.py       how a refusal rule judges a probe (the status it is about; 429/unanswered is
                     not verified) and records its controls and refusals in the evidence ledger
    policy.py        the safety policy: which declared tools may be called at all
    generate.py      valid arguments (schemathesis's JSON Schema engine) and invalid ones (mutations)
    schemas.py       inputSchema compatibility and result validation against declared returns
"""
