"""Helpers of the MCP tests (imported by name: tests/ is not a package, and every area has a conftest)."""

from __future__ import annotations

from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
EVERYTHING_ENV = "CONTRACTKIT_SERVER_EVERYTHING"
EVERYTHING_DEFAULT = REPO / ".ci/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
EVERYTHING_SPEC = REPO / "examples/server-everything/mcp-servers.yaml"


def mint(stack, scope: str, audience: str, auth: tuple[str, str]) -> str:
    """A token from the stack's issuer by client credentials."""
    response = httpx.post(stack.token_url, data={"grant_type": "client_credentials", "scope": scope,
                                                 "audience": audience}, auth=auth)
    response.raise_for_status()
    return str(response.json()["access_token"])
