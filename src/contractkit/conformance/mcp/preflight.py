"""Before the first check: the spec's server entry, and whether the target answers at all.

``contractkit verify mcp`` calls ``check_reachable`` before pytest starts (a typo or a dead target
is one line, exit 2); the pytest plugin calls ``preflight`` through the MCP target kind. This
module does not import the target-kind table, so the CLI can use it without loading the suite.
"""

from __future__ import annotations

import shlex
import shutil
from typing import Any

import pytest

from contractkit.conformance.http import TargetClient
from contractkit.conformance.mcp import rpc
from contractkit.conformance.mcp.client import CallTimeout, Endpoint, HttpRefused, McpClient, SessionLost, server_env
from contractkit.conformance.mcp.policy import announce as print_policy
from contractkit.conformance.mcp.policy import decide_all
from contractkit.conformance.options import VerifyOptions
from contractkit.conformance.outcomes import Violation
from contractkit.conformance.tokens import TokenSource, settings_for
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
    """Reach the target, list its tools, decide the safety policy of tool calls and print it."""
    try:
        check_reachable(options)
    except ContractkitError as exc:
        if isinstance(exc, TargetUnreachableError):
            raise
        raise pytest.UsageError(exc.one_line()) from None
    listed, how = list_tools(options)
    decide_policy(options, listed, how)


# The policy of each run's target, decided once (before the first call) and read by McpTarget.
_POLICIES: dict[tuple[str, str], Any] = {}


def decide_policy(options: VerifyOptions, listed: list[Any] | None, how: str, *, announce: bool = True) -> Any:
    policies = decide_all(load_server_contract(options), listed,
                          allow_side_effects=bool(getattr(options, "allow_side_effects", False)))
    _POLICIES[(options.mcp_server or "", options.target)] = policies
    if announce:
        print_policy(policies, how)
    return policies


# The runs whose target served the preflight's initialize and tools/list (read by McpTarget: a
# target that served once and then refuses everything turned mid-run).
_SERVED: set[tuple[str, str]] = set()


def served_preflight(options: VerifyOptions) -> bool:
    return (options.mcp_server or "", options.target) in _SERVED


def decided_policy(options: VerifyOptions) -> Any:
    """The policy the preflight decided for this run, or None (the caller decides it then)."""
    return _POLICIES.get((options.mcp_server or "", options.target))


def list_tools(options: VerifyOptions) -> tuple[list[Any] | None, str]:
    """The server's tools (``initialize`` then ``tools/list``, all pages; no tool is called), and
    how they were read; None when a bearer server's tools cannot be listed without a token."""

    contract = load_server_contract(options)
    token = None
    if options.mcp_url and contract.auth_type == "bearer_token":

        source = TokenSource.from_settings(settings_for(options, options.token_url or contract.auth_token_endpoint),
                                           contract.auth_audience)
        try:
            token = source.try_token(tuple(contract.auth_scopes))
        finally:
            source.close()
        if token is None:
            return None, "tools not listed (no token): the spec alone decides"
    if options.mcp_url:
        endpoint = Endpoint(url=resolved_url(options.mcp_url), token=token,
                            headers=dict(getattr(options, "headers", None) or {}))
        timeout = options.request_timeout
    else:
        endpoint = Endpoint(command=options.mcp_stdio, env=server_env(options.client_secret_env))
        timeout = max(options.request_timeout, 15.0)  # starting a process may be slow
    client = McpClient(endpoint, timeout=timeout)
    step = "initialize"
    try:
        client.open()
        client.initialize()
        step = "tools/list"
        tools, _pages = client.list_tools()
    except Violation as exc:  # a broken listing is MCP-TOOLS-001's finding, not a dead target
        return None, f"tools/list failed ({exc.message})"
    except HttpRefused as exc:  # refused (a token, a limit): the checks will see
        return None, f"tools not listed ({step} got HTTP {exc.status}): the spec alone decides"
    except (SessionLost, CallTimeout) as exc:
        tail = " ".join(client.stderr_tail(300).split())
        raise TargetUnreachableError(f"{endpoint.label} did not answer {step}: {exc}"
                                     + (f" (stderr: {tail})" if tail else "")) from None
    except ContractkitError:
        raise
    except Exception as exc:  # an answer, but a refusal (401 for the token, an error): the checks will see
        if options.mcp_stdio and step == "initialize":
            raise TargetProtocolError(f"{endpoint.label} did not answer {step}: {type(exc).__name__}: "
                                      f"{str(exc)[:300]}") from None
        return None, f"tools not listed ({step} was refused: {str(exc)[:120]}): the spec alone decides"
    finally:
        client.close()
    _SERVED.add((options.mcp_server or "", options.target))
    return tools, "tools listed by initialize and tools/list"


def check_reachable(options: VerifyOptions) -> None:
    """The server is declared, and its URL speaks MCP (or its command exists): one line, exit 2, if not."""
    contract = load_server_contract(options)
    if options.mcp_url:
        if contract.http_path is None:
            raise ConfigError(f"{contract.name} declares no streamable_http transport, but --mcp-url was given")
        probe_http(options.mcp_url, options.request_timeout, getattr(options, "headers", None) or {})
    elif options.mcp_stdio:
        argv = shlex.split(options.mcp_stdio)
        if not argv or shutil.which(argv[0]) is None:
            raise TargetUnreachableError(f"cannot start the stdio server: {argv[0] if argv else '(empty)'} "
                                         "is not an executable on PATH")


# Where each --mcp-url led once its redirects were followed (filled by the probe, read by McpTarget).
_RESOLVED: dict[str, str] = {}
MAX_REDIRECTS = 5
PROBE_MAX_BODY = 1024 * 1024


def resolved_url(url: str) -> str:
    """The URL the run talks to: ``url`` after the redirects the probe followed (as a client would)."""
    return _RESOLVED.get(url, url)


def probe_http(url: str, timeout: float, headers: dict[str, str]) -> str:
    """POST ``initialize`` (no token) and, where the server serves it, ``tools/list`` in that
    session; each request within ``timeout`` in total (a trickle counts), each answer capped at
    1 MiB. 307/308 (and 301/302) redirects are followed, keeping the POST. Returns the final URL.

    Accepted: a JSON-RPC answer, or 401/403 (the server wants a token) or 429 (busy). Anything
    else says the URL is not an MCP endpoint; silence says it is not answering.
    """
    from urllib.parse import urljoin


    client = TargetClient(url, timeout=timeout, max_body=PROBE_MAX_BODY, max_consecutive_errors=10**6)
    try:
        here = url
        for _ in range(MAX_REDIRECTS + 1):
            exchange = client.request("POST", here, json_body=rpc.initialize_message(), paced=False,
                                      headers={"accept": rpc.ACCEPT, **headers}, operation="initialize (probe)")
            location = exchange.headers.get("location")
            if exchange.status in (301, 302, 303, 307, 308) and location:
                here = urljoin(here, location)
                continue
            break
        else:
            raise TargetProtocolError(f"{url} redirects more than {MAX_REDIRECTS} times")
        _judge_probe(here, exchange)
        _RESOLVED[url] = here
        reply = rpc.answer(exchange) or {}
        if exchange.status == 200 and "result" in reply:
            _second_request(client, here, exchange, headers, timeout)
        return here
    finally:
        client.close()


def _judge_probe(url: str, exchange: Any) -> None:

    if exchange.error:
        raise TargetUnreachableError(f"{url} is not answering MCP: {exchange.error}")
    if exchange.truncated:
        raise TargetProtocolError(f"{url} answered initialize with more than {PROBE_MAX_BODY} bytes: "
                                  "not an MCP answer")
    status = exchange.status
    if status in (401, 403, 429):
        return
    if status is not None and 200 <= status < 300 and rpc.answer(exchange) is not None:
        return
    what = f"HTTP {status}" + (f" ({exchange.content_type})" if exchange.content_type else "")
    if status is not None and 200 <= status < 300:
        what += " without a JSON-RPC message"
    raise TargetProtocolError(f"{url} answered initialize with {what}: is it the MCP endpoint?")


def _second_request(client: Any, url: str, first: Any, headers: dict[str, str], timeout: float) -> None:
    """A server that answers initialize and then nothing would cost every check its timeout: ask
    once more (``notifications/initialized``, then ``tools/list``) and decide here."""

    reply = rpc.answer(first) or {}
    version = str((reply.get("result") or {}).get("protocolVersion") or rpc.PROBE_VERSION)
    send = {"accept": rpc.ACCEPT, "mcp-protocol-version": version, **headers}
    session = first.headers.get("mcp-session-id")
    if session:
        send["mcp-session-id"] = session
    client.request("POST", url, json_body={"jsonrpc": "2.0", "method": "notifications/initialized"},
                   headers=send, paced=False, operation="notifications/initialized (probe)")
    listed = client.request("POST", url, json_body={"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
                            headers=send, paced=False, operation="tools/list (probe)")
    if session and not listed.error:
        client.request("DELETE", url, headers={"mcp-session-id": session, **headers}, paced=False,
                       timeout=min(timeout, 2.0))
    if listed.error:
        raise TargetUnreachableError(f"{url} answered initialize, then not tools/list: {listed.error}")
    if listed.truncated:
        raise TargetProtocolError(f"{url} answered tools/list with more than {PROBE_MAX_BODY} bytes")
    if rpc.answer(listed) is None and listed.status not in (401, 403, 429):
        raise TargetProtocolError(f"{url} answered tools/list with HTTP {listed.status} and no JSON-RPC message")
