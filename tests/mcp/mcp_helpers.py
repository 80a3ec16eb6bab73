"""Helpers of the MCP tests (imported by name: tests/ is not a package, and every area has a conftest)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
EVERYTHING_ENV = "CONTRACTKIT_SERVER_EVERYTHING"
EVERYTHING_DEFAULT = REPO / ".ci/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
EVERYTHING_SPEC = REPO / "examples/server-everything/mcp-servers.yaml"
PYTHON_PEERS = REPO / ".ci/py/bin"  # mcp-server-time, -git, -fetch in a venv of their own (.ci/run)
PYTHON_PEERS_SPEC = REPO / "examples/python-reference-servers/mcp-servers.yaml"


def peer_missing(what: str, how: str) -> None:
    """A real peer is not installed: a failure in CI (CI=true), where .ci/run installs it; a skip
    with the install command elsewhere. No peer test passes or skips silently in CI."""
    import pytest

    message = f"{what} is not installed ({how})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}: .ci/run should have installed it")
    pytest.skip(message)


def mint(stack, scope: str, audience: str, auth: tuple[str, str]) -> str:
    """A token from the stack's issuer by client credentials."""
    response = httpx.post(stack.token_url, data={"grant_type": "client_credentials", "scope": scope,
                                                 "audience": audience}, auth=auth)
    response.raise_for_status()
    return str(response.json()["access_token"])


def verify(tmp_path: Path, *argv: str, env: dict[str, str] | None = None, timeout: float = 240,
           profile: str = "quick", cwd: Path | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    """``contractkit verify mcp ARGV`` as a child process; (the process, the report's rules by id)."""
    report = tmp_path / "report.json"
    report.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-m", "contractkit", "verify", "mcp", *argv, "--profile", profile,
                           "--report-json", str(report)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=cwd)
    data = json.loads(report.read_text()) if report.exists() else {}
    return proc, {r["id"]: r for r in data.get("rules", [])}


def statuses(rules: dict, status: str) -> set[str]:
    return {rule_id for rule_id, r in rules.items() if r["status"] == status}


def message(rules: dict, rule_id: str) -> str:
    """Every outcome message of a rule, joined (what the report says about it)."""
    return " | ".join(o.get("message") or "" for o in rules[rule_id]["outcomes"])
