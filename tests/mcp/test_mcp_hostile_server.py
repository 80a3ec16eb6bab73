"""A server that hangs on bad arguments fails its declared duration, in bounded time, and the run goes on;
without a declared duration, slow and hung cannot be told apart (not verified)."""

from __future__ import annotations

import time
from typing import Annotated

import anyio
import pytest
from mcp.server.mcpserver import MCPServer
from pydantic import Field

from contractkit.conformance.mcp.call import check_invalid_calls, check_valid_calls
from contractkit.conformance.mcp.preflight import load_server_contract
from contractkit.conformance.mcp.target import McpTarget
from contractkit.conformance.options import PROFILES, VerifyOptions
from contractkit.conformance.outcomes import NotVerified, Violation
from contractkit.servers import serving

SPEC = """
format: contractkit/mcp-servers@1
version: 1.0.0
servers:
  - name: sleepy-mcp
    transports: {streamable_http: {path: /mcp}}
    authentication: {type: none}
    tools:
      - name: lookup
        description: Look a key up.
        read_only: true
        max_duration_seconds: 1
        parameters:
          type: object
          required: [key]
          properties:
            key: {type: string, pattern: '^k-[0-9]+$'}
        returns: {type: string}
        examples:
          - arguments: {key: k-1}
"""


def sleepy_server() -> MCPServer:
    server = MCPServer("sleepy-mcp", log_level="ERROR")

    @server.tool(description="Look a key up.")
    async def lookup(key: Annotated[str, Field()]) -> str:
        if not key.startswith("k-"):
            await anyio.sleep(60)  # the defect: bad input is never answered
        return f"value of {key}"

    return server


def test_a_hang_on_bad_arguments_is_a_violation_within_the_timeout(tmp_path):
    spec = tmp_path / "mcp-servers.yaml"
    spec.write_text(SPEC)
    with serving(sleepy_server().streamable_http_app()) as server:
        options = VerifyOptions(kind="mcp", spec=spec, profile=PROFILES["quick"], mcp_server="sleepy-mcp",
                                mcp_url=server.url + "/mcp", request_timeout=1.5)
        target = McpTarget(load_server_contract(options), options)
        try:
            tool = target.contract.tools[0]
            check_valid_calls(target, tool)  # the valid calls are fine
            started = time.monotonic()
            with pytest.raises(Violation, match="no answer within"):
                check_invalid_calls(target, tool)
            assert time.monotonic() - started < 10
            check_valid_calls(target, tool)  # a fresh session after the hang: the run goes on
        finally:
            target.close()


def test_without_a_declared_duration_a_hang_on_bad_arguments_is_not_verified(tmp_path):
    spec = tmp_path / "mcp-servers.yaml"
    spec.write_text(SPEC.replace("        max_duration_seconds: 1\n", ""))
    with serving(sleepy_server().streamable_http_app()) as server:
        options = VerifyOptions(kind="mcp", spec=spec, profile=PROFILES["quick"], mcp_server="sleepy-mcp",
                                mcp_url=server.url + "/mcp", request_timeout=1.5)
        target = McpTarget(load_server_contract(options), options)
        try:
            with pytest.raises(NotVerified, match="slow or hung"):
                check_invalid_calls(target, target.contract.tools[0])
        finally:
            target.close()
