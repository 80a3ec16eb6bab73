"""Before the first check: the spec's server entry, and whether the target answers at all.

``contractkit verify mcp`` calls ``check_reachable`` before pytest starts (a typo or a dead target
is one line, exit 2); the pytest plugin calls ``preflight`` through the MCP target kind. This
module does not import the target-kind table, so the CLI can use it without loading the suite.
"""

from __future__ import annotations

import shlex
import shutil

import pytest

from contractkit.conformance.options import VerifyOptions
from contractkit.errors import ConfigError, ContractkitError, TargetProtocolError, TargetUnreachableError
from contractkit.spec.mcp import ServerContract, load_contract

_CONTRACTS: dict[tuple[str, str], ServerContract] = {}


def load_server_contract(options: VerifyOptions) -> ServerContract:
    key = (str(options.spec or ""), options.mcp_server or "")
    if key not in _CONTRACTS:
        if not options.mcp_server:
            raise ConfigError("--mcp-server NAME is required")
        _CONTRACTS[key] = load_contract(options.spec).server(options.mcp_server)
    return _CONTRACTS[key]


def preflight(options: VerifyOptions) -> None:
    try:
        check_reachable(options)
    except ContractkitError as exc:
        if isinstance(exc, TargetUnreachableError):
            raise
        raise pytest.UsageError(exc.one_line()) from None
    if options.mcp_stdio:
        stdio_handshake(options)


def check_reachable(options: VerifyOptions) -> None:
    """The cheap half of the preflight: the server is declared, its URL answers HTTP or its
    command exists. ``contractkit verify mcp`` runs it before pytest, so these are one line."""
    import httpx

    contract = load_server_contract(options)
    if options.mcp_url:
        if contract.http_path is None:
            raise ConfigError(f"{contract.name} declares no streamable_http transport, but --mcp-url was given")
        try:
            httpx.get(options.mcp_url, timeout=min(options.request_timeout, 10.0))
        except httpx.HTTPError as exc:
            raise TargetUnreachableError(f"{options.mcp_url} is not answering HTTP: {type(exc).__name__}") from None
    elif options.mcp_stdio:
        argv = shlex.split(options.mcp_stdio)
        if not argv or shutil.which(argv[0]) is None:
            raise TargetUnreachableError(f"cannot start the stdio server: {argv[0] if argv else '(empty)'} "
                                         "is not an executable on PATH")


def stdio_handshake(options: VerifyOptions) -> None:
    """A stdio server that exits or never answers ``initialize`` is unreachable (exit 2), not 20 failures."""
    from contractkit.conformance.mcp.client import CallTimeout, Endpoint, McpClient, SessionLost, server_env

    client = McpClient(Endpoint(command=options.mcp_stdio, env=server_env(options.client_secret_env)),
                       timeout=max(options.request_timeout, 15.0))
    try:
        client.open()
        client.initialize()
    except (SessionLost, CallTimeout) as exc:
        tail = " ".join(client.stderr_tail(300).split())
        raise TargetUnreachableError(f"the stdio server did not start an MCP session: {exc}"
                                     + (f" (stderr: {tail})" if tail else "")) from None
    except Exception as exc:
        raise TargetProtocolError(f"the stdio server did not answer initialize: {type(exc).__name__}: {exc}") from None
    finally:
        client.close()


