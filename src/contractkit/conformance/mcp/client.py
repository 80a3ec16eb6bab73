"""A blocking facade over the `mcp` SDK's ``ClientSession``, over stdio or streamable HTTP.

pytest tests are synchronous; the SDK is async. ``McpClient`` runs one event loop in a thread
(an anyio blocking portal) and keeps one SDK session open in it, so a whole run talks to a stdio
server through one process. Every call has a deadline: a server that hangs costs one timeout,
not the run. Requests go out through ``send_request`` rather than the SDK's ``call_tool``
helper, because the suite must see results as the server sent them (the helper validates
structured content itself and would hide the violation behind its own exception).

Over HTTP, a 429 is honoured by waiting its ``Retry-After`` and retrying (up to three times), so
the server's declared rate limit does not turn other checks into noise; the rate-limit check
uses raw HTTP instead. The client uses ``httpx2`` because the SDK does (see MCP-NOTES).

Every ``tools/call`` goes through one method (``_one_call``): it asks the client's
``call_guard`` first (the safety policy and the tool's budget: a call the guard refuses is never
sent), bounds the call by its deadline, and tells what the SDK hides: an HTTP error status the
SDK turned into a JSON-RPC error the server never sent (``"http"``), and an event stream that
kept the call waiting with messages but no result (a transport failure, not a slow tool).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.from_thread
import httpx2

from contractkit.conformance.mcp.transport import Capped, RetryOn429, Traffic
from contractkit.conformance.outcomes import NotVerified, Violation
from contractkit.errors import ConfigError, ExchangeError

CLIENT_NAME = "contractkit-verify"

# The SDK logs a broken transport with a traceback; the suite reports each failure itself, as one
# line naming the rule, so the SDK's client-side logs are kept out of the output.
for _logger in ("mcp.client", "mcp.shared", "httpx2"):
    logging.getLogger(_logger).setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class Endpoint:
    """Where the server is: an HTTP URL or a stdio command line (plus the bearer token, if any)."""

    url: str | None = None
    command: str | None = None
    token: str | None = None
    env: dict[str, str] | None = None
    headers: dict[str, str] | None = None  # sent with every HTTP request (-H), under the token

    @property
    def label(self) -> str:
        return self.url or f"stdio: {self.command}"


class CallTimeout(ExchangeError):
    """The server did not answer within the deadline."""


class SessionLost(ExchangeError):
    """The transport broke: the process exited, the connection closed."""


class HttpRefused(ExchangeError):
    """The server answered a request with an HTTP error status (the SDK turns it into a JSON-RPC
    error of its own making, which the server never sent)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class CallNotAllowed(NotVerified):
    """The safety policy (or the tool's call budget) forbids this tools/call: nothing was sent."""


@asynccontextmanager
async def _session(endpoint: Endpoint, timeout: float, errlog: Any, notes: list[str],
                   read_timeout: float, traffic: Traffic) -> AsyncIterator[Any]:
    from mcp_types import Implementation

    from mcp import ClientSession

    info = Implementation(name=CLIENT_NAME, version="1")
    async with contextlib.AsyncExitStack() as stack:
        if endpoint.url:
            from mcp.client.streamable_http import streamable_http_client

            headers = dict(endpoint.headers or {})
            if endpoint.token:
                headers["Authorization"] = f"Bearer {endpoint.token}"
            # Every read is bounded by the run's timeout; redirects are followed as the SDK's own
            # client does (a server at /mcp/ reached through /mcp).
            http = await stack.enter_async_context(httpx2.AsyncClient(
                headers=headers, timeout=httpx2.Timeout(timeout, connect=min(timeout, 5.0), read=read_timeout),
                follow_redirects=True,
                transport=Capped(RetryOn429(httpx2.AsyncHTTPTransport(), max_wait_s=min(timeout, 10.0)), notes,
                                  traffic)))
            read, write = await stack.enter_async_context(streamable_http_client(endpoint.url, http_client=http))
        else:
            from mcp.client.stdio import StdioServerParameters, stdio_client

            argv = shlex.split(endpoint.command or "")
            if not argv:
                raise ConfigError("the --stdio command is empty")
            params = StdioServerParameters(command=argv[0], args=argv[1:], env=endpoint.env)
            read, write = await stack.enter_async_context(stdio_client(params, errlog=errlog))
        session = await stack.enter_async_context(ClientSession(read, write, client_info=info))
        yield session


class McpClient:
    """One SDK session, used synchronously. Open with ``open()``; ``close()`` ends it."""

    def __init__(self, endpoint: Endpoint, *, timeout: float = 10.0,
                 on_trouble: Callable[[str], None] | None = None, longest_call: float = 0.0,
                 call_guard: Callable[[str], str | None] | None = None) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        # a silent answer stream is cut after this long; each call has its own total deadline
        self.read_timeout = max(timeout, longest_call) + 1.0
        self.on_trouble = on_trouble  # told of every timeout or lost session; may end the run
        self.transport_notes: list[str] = []  # why the transport broke, when the SDK only says "closed"
        self.traffic = Traffic()
        # asked before every tools/call is sent: None to send it (and count it), else why not
        self.call_guard = call_guard
        self._stack = contextlib.ExitStack()
        self._portal: Any = None
        self.session: Any = None
        self._errlog = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115

    def open(self) -> McpClient:
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        cm = self._portal.wrap_async_context_manager(_session(self.endpoint, self.timeout, self._errlog,
                                                                  self.transport_notes, self.read_timeout,
                                                                  self.traffic))
        try:
            self.session = self._stack.enter_context(cm)
        except Exception as exc:
            self.close()
            raise SessionLost(_describe(exc)) from None
        return self

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._stack.close()
        self.session = None

    def stderr_tail(self, limit: int = 1500) -> str:
        """What a stdio server wrote to stderr (its crash report, if any)."""
        with contextlib.suppress(Exception):
            self._errlog.seek(0)
            return self._errlog.read()[-limit:]
        return ""

    def __enter__(self) -> McpClient:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, func: Any, *args: Any, timeout: float | None = None) -> Any:
        """Run ``await func(session, *args)`` in the session's loop, within the deadline. A JSON-RPC
        error the SDK made up for an HTTP error status is raised as ``HttpRefused`` (the status)."""
        if self.session is None:
            raise SessionLost("the session is closed")
        deadline = timeout or self.timeout
        statuses = len(self.traffic.statuses)

        async def bounded() -> Any:
            with anyio.fail_after(deadline):
                return await func(self.session, *args)

        try:
            return self._portal.call(bounded)
        except TimeoutError:
            trouble: Exception = CallTimeout(f"no answer within {deadline:g} s")
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream,
                httpx2.TransportError) as exc:
            trouble = SessionLost(_describe(exc))
        except Exception as exc:
            if error_code(exc) is not None and len(self.traffic.statuses) > statuses:
                raise HttpRefused(self.traffic.statuses[-1]) from None
            if not _connection_closed(exc):
                raise
            trouble = SessionLost(self._why_closed())
        self.tell(str(trouble))
        raise trouble from None

    def _why_closed(self) -> str:
        if self.transport_notes:
            return f"the connection closed: {self.transport_notes[-1]}"
        return "the connection closed (the server exited or hung up)"

    def tell(self, what: str) -> None:
        """Report a timeout or a lost session to ``on_trouble`` (which may decide the target is gone)."""
        if self.on_trouble is not None:
            self.on_trouble(what)

    # -- the requests the checks send ------------------------------------------------------
    def initialize(self, version: str | None = None) -> Any:
        """``initialize`` proposing ``version`` (default: the SDK's latest handshake version)."""
        return self.run(_initialize, version)

    def list_tools(self, max_pages: int = 100) -> tuple[list[Any], int]:
        """Every tool, following ``nextCursor``; returns (tools, pages)."""
        return self.run(_list_tools, max_pages)

    def call_tool(self, name: str, arguments: Any, *, timeout: float | None = None) -> Any:
        """One call: its result, or raises (``CallNotAllowed``, ``CallTimeout``, ``SessionLost``,
        ``HttpRefused`` or the SDK's ``MCPError`` for a JSON-RPC error the server sent)."""
        deadline = timeout or self.timeout
        kind, value = self.run(self._one_call, name, arguments, deadline, timeout=deadline + 5)
        if kind == "result":
            return value
        if kind == "jsonrpc_error":
            raise value
        if kind == "not_allowed":
            raise CallNotAllowed(value)
        if kind == "http":
            raise HttpRefused(value)
        self._troubled(kind, value)
        raise (CallTimeout if kind == "timeout" else SessionLost)(value)

    def call_many(self, name: str, arguments: list[Any], *, timeout: float | None = None) -> list[tuple[str, Any]]:
        """Call ``name`` once per arguments, in one trip to the session's loop (no thread hop per call).

        Each outcome is ``("result", CallToolResult)``, ``("jsonrpc_error", MCPError)``, ``("http",
        status)``, ``("timeout", message)``, ``("lost", message)`` or ``("not_allowed", why)``; the
        batch stops after anything but a result or a JSON-RPC error, so the list may be shorter
        than ``arguments``.
        """
        deadline = timeout or self.timeout

        async def batch(session: Any) -> list[tuple[str, Any]]:
            outcomes: list[tuple[str, Any]] = []
            for args in arguments:
                outcomes.append(await self._one_call(session, name, args, deadline))
                if outcomes[-1][0] not in ("result", "jsonrpc_error"):
                    break
            return outcomes

        outcomes = self.run(batch, timeout=deadline * max(1, len(arguments)) + 5)
        if outcomes and outcomes[-1][0] in ("timeout", "lost"):
            self._troubled(*outcomes[-1])
        return outcomes

    def _troubled(self, kind: str, message: str) -> None:
        self.tell(message if kind == "timeout" or not self.transport_notes else self._why_closed())

    async def _one_call(self, session: Any, name: str, arguments: Any, deadline: float) -> tuple[str, Any]:
        """Send one tools/call the guard allows and say how it ended (see ``call_many``)."""
        if self.call_guard is not None:
            refused = self.call_guard(name)
            if refused is not None:
                return "not_allowed", refused
        statuses, received = len(self.traffic.statuses), self.traffic.bytes_in
        try:
            with anyio.fail_after(deadline):
                return "result", await _call_tool(session, name, arguments)
        except TimeoutError:
            streamed = self.traffic.bytes_in - received
            if streamed:
                return "timeout", (f"the answer stream carried {streamed} bytes of other messages and no result "
                                   f"within {deadline:g} s")
            return "timeout", f"no answer within {deadline:g} s"
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream,
                httpx2.TransportError) as exc:
            return "lost", _describe(exc)
        except Exception as exc:
            if len(self.traffic.statuses) > statuses:
                return "http", self.traffic.statuses[-1]
            if error_code(exc) is None or _connection_closed(exc):
                return "lost", self._why_closed() if self.transport_notes else _describe(exc)
            return "jsonrpc_error", exc

    def ping(self, *, timeout: float | None = None) -> None:
        self.run(lambda s: s.send_ping(), timeout=timeout or min(self.timeout, 5.0))

    def discover(self, version: str) -> dict[str, Any]:
        return self.run(lambda s: s.send_discover(version))


async def _initialize(session: Any, version: str | None) -> Any:
    from mcp_types import (
        ClientCapabilities,
        InitializedNotification,
        InitializeRequest,
        InitializeRequestParams,
        InitializeResult,
    )
    from mcp_types.version import LATEST_HANDSHAKE_VERSION

    params = InitializeRequestParams(protocol_version=version or LATEST_HANDSHAKE_VERSION,
                                     capabilities=ClientCapabilities(), client_info=session._client_info)
    result = await session.send_request(InitializeRequest(params=params), InitializeResult)
    with contextlib.suppress(RuntimeError):
        session.adopt(result)
    await session.send_notification(InitializedNotification())
    return result


async def _list_tools(session: Any, max_pages: int) -> tuple[list[Any], int]:
    from mcp_types import PaginatedRequestParams


    tools: list[Any] = []
    cursor: str | None = None
    seen: set[str] = set()
    for page in range(1, max_pages + 1):
        params = PaginatedRequestParams(cursor=cursor) if cursor else None
        result = await session.list_tools(params=params)
        tools.extend(result.tools)
        cursor = result.next_cursor
        if not cursor:
            return tools, page
        if cursor in seen:
            raise Violation(f"tools/list pagination loops: the cursor {cursor!r} came back twice")
        seen.add(cursor)
    raise Violation(f"tools/list still had a nextCursor after {max_pages} pages")


async def _call_tool(session: Any, name: str, arguments: Any) -> Any:
    from mcp_types import CallToolRequest, CallToolRequestParams, CallToolResult

    request = CallToolRequest(params=CallToolRequestParams(name=name, arguments=arguments))
    return await session.send_request(request, CallToolResult)


def error_code(exc: BaseException) -> int | None:
    """The JSON-RPC error code an SDK exception carries, if it carries one."""
    code = getattr(exc, "code", None)
    if code is None:
        code = getattr(getattr(exc, "error", None), "code", None)
    return code if isinstance(code, int) else None


def _connection_closed(exc: BaseException) -> bool:
    """The SDK's synthesized CONNECTION_CLOSED error (the transport closed, an answer stream ended or
    failed without a result): the transport is gone, not an answer of the server."""
    from mcp_types import CONNECTION_CLOSED

    text = str(exc).lower()
    return error_code(exc) == CONNECTION_CLOSED and any(w in text for w in ("closed", "stream", "reconnect"))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(e) for e in exc.exceptions)
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def server_env(secret_env: str | None) -> dict[str, str]:
    """The environment a stdio server under test inherits: ours, minus the suite's client secret."""
    env = dict(os.environ)
    env.pop(secret_env or "CONTRACTKIT_CLIENT_SECRET", None)
    return env
