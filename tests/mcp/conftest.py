"""Fixtures of the MCP tests: the reference stack, and the server-everything peer when installed."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp_helpers import EVERYTHING_DEFAULT, EVERYTHING_ENV, mint

from contractkit.reference.mcp.stack import McpStack


@pytest.fixture(scope="session")
def mcp_stack() -> Iterator[McpStack]:
    with McpStack() as stack:
        yield stack


@pytest.fixture(scope="session")
def demo_token(mcp_stack: McpStack) -> str:
    from contractkit.reference.token_issuer.clients import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

    return mint(mcp_stack, "crm.read crm.write", "crm-data-mcp", (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))


@pytest.fixture(scope="session")
def everything_js() -> Path:
    """server-everything's entry point; the tests using it skip (with the reason) when it is absent."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the server-everything peer tests need Node 20")
    path = Path(os.environ.get(EVERYTHING_ENV) or EVERYTHING_DEFAULT)
    if not path.is_file():
        pytest.skip(f"@modelcontextprotocol/server-everything is not installed at {path} (install it with "
                    "`npm install --prefix .ci/node @modelcontextprotocol/server-everything@2026.8.31` "
                    f"or set ${EVERYTHING_ENV})")
    return path


@pytest.fixture
def everything_http(everything_js: Path) -> Iterator[str]:
    """server-everything over streamable HTTP on a free loopback port; stopped afterwards."""
    from contractkit.servers import free_port

    port = free_port()
    proc = subprocess.Popen(["node", str(everything_js), "streamableHttp"], env={**os.environ, "PORT": str(port)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("server-everything did not start listening")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
