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
from mcp_helpers import EVERYTHING_DEFAULT, EVERYTHING_ENV, PYTHON_PEERS, mint, peer_missing

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
    """server-everything's entry point: a failure under CI=true when it is absent, else a skip."""
    if shutil.which("node") is None:
        peer_missing("node", "the server-everything peer tests need Node 20")
    path = Path(os.environ.get(EVERYTHING_ENV) or EVERYTHING_DEFAULT)
    if not path.is_file():
        peer_missing(f"@modelcontextprotocol/server-everything at {path}", "`npm install --prefix .ci/node "
                     f"@modelcontextprotocol/server-everything@2026.8.31`, or set ${EVERYTHING_ENV}")
    return path


@pytest.fixture(scope="session")
def python_peers() -> Path:
    """The folder with mcp-server-time, mcp-server-git and mcp-server-fetch (a venv of their own)."""
    for name in ("mcp-server-time", "mcp-server-git", "mcp-server-fetch"):
        if not (PYTHON_PEERS / name).is_file():
            peer_missing(f"{name} at {PYTHON_PEERS}", "`python -m venv .ci/py && .ci/py/bin/pip install "
                         "mcp-server-time==2026.10.19 mcp-server-git==2026.10.19 mcp-server-fetch==2026.10.24`")
    return PYTHON_PEERS


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
