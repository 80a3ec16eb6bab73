"""MCP servers as a kind of target: their checks, the preflight, and what rules are checked on.

A rule registered with ``applies="tool"`` gets one test per tool the spec declares for
``--mcp-server``; with no selector it runs once on the server. The preflight loads the spec (a
bad spec or server name is a usage error, exit 2) and makes sure the target answers at all
(``TargetUnreachableError``, exit 2).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from contractkit.conformance.mcp.preflight import load_server_contract, preflight
from contractkit.conformance.mcp.target import McpTarget
from contractkit.conformance.options import VerifyOptions
from contractkit.conformance.registry import MCP_CHECKS
from contractkit.conformance.target_kind import TargetKind
from contractkit.errors import ContractkitError

# The check modules, one per rule-id prefix (MCP-INIT -> init.py), imported in report order.
CHECK_MODULES = ("init", "tools", "call", "auth", "rate", "audit", "svc")
for _module in CHECK_MODULES:
    importlib.import_module(f"contractkit.conformance.mcp.{_module}")


@contextmanager
def _open(options: VerifyOptions) -> Iterator[McpTarget]:
    target = McpTarget(load_server_contract(options), options)
    try:
        yield target
    finally:
        target.close()


def _subjects(selector: str, options: VerifyOptions) -> list[Any]:
    if selector != "tool":
        raise ValueError(f"unknown MCP selector {selector!r}")
    try:
        return list(load_server_contract(options).tools)
    except ContractkitError as exc:
        raise pytest.UsageError(exc.one_line()) from None


KIND = TargetKind("mcp", MCP_CHECKS, preflight, _open, _subjects, lambda selector: "declared tool")
