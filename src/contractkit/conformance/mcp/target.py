"""``McpTarget``: one live MCP server as the checks see it.

It holds the server's contract (its entry in the mcp-servers document), the run's tokens, a
shared SDK session (opened on first use and reopened if a check killed it), raw HTTP access for
the transport and auth rules, and the tokens the suite presented, so the passthrough check can
recognise them at the engine double.

It also makes the run's one decision about a target that stops answering: the first timeout or
lost session triggers a liveness probe (a fresh session that must answer ``ping`` within a few
seconds); if it fails, ``TargetUnreachableError`` ends the run (exit 2, one line), so a dead
target costs one timeout and one probe, not one timeout per check. A target that served this
run and then answers a request with 401, 403, 404 or 5xx is probed the same way (``initialize``
sent right, over raw HTTP): if that is refused too, the target turned, and the run ends with
exit 2 naming the status, instead of one unclear failure per check.

Every ``tools/call`` of the run, on any path (the SDK session, raw HTTP), passes ``call_guard``
first: a tool the safety policy does not allow gets no call at all, and each tool's ``max_calls``
counts every call made to it, valid arguments or not.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from contractkit.conformance.http import TargetClient
from contractkit.conformance.mcp import rpc
from contractkit.conformance.mcp.client import (
    CallTimeout,
    Endpoint,
    HttpRefused,
    McpClient,
    SessionLost,
    server_env,
)
from contractkit.conformance.mcp.eras import era_of
from contractkit.conformance.mcp.generate import sample_valid
from contractkit.conformance.mcp.preflight import decide_policy, decided_policy, resolved_url, served_preflight
from contractkit.conformance.mcp.refusal import CALL, control, unjudged
from contractkit.conformance.options import VerifyOptions
from contractkit.conformance.outcomes import NotVerified, Violation
from contractkit.conformance.tokens import TokenSource, credentials_from, settings_for
from contractkit.errors import TargetError, TargetProtocolError, TargetUnreachableError
from contractkit.spec.mcp import ServerContract, ToolContract

LIVENESS_TIMEOUT_S = 5.0


class McpTarget:
    def __init__(self, contract: ServerContract, options: VerifyOptions) -> None:
        self.contract = contract
        self.options = options

        self.url = resolved_url(options.mcp_url) if options.mcp_url else None
        self.command = options.mcp_stdio
        self.credentials = credentials_from(options.client_id, options.client_secret_env)
        token_url = options.token_url or contract.auth_token_endpoint
        self.tokens = TokenSource.from_settings(settings_for(options, token_url), contract.auth_audience)
        self.extra_headers: dict[str, str] = dict(getattr(options, "headers", None) or {})  # -H, on every request
        self.http = TargetClient(self.url, timeout=options.request_timeout) if self.url else None
        self.presented: set[str] = set()
        self._client: McpClient | None = None
        self._tools: list[Any] | None = None
        self._lock = threading.Lock()
        self._alive_lock = threading.Lock()
        self.gone: str | None = None  # why the run cannot go on, once decided
        self._gone_as: type[TargetError] = TargetUnreachableError  # or TargetProtocolError: it turned
        self.negotiated: str | None = None  # the protocol version the shared session negotiated
        self._policies: dict[str, Any] | None = None
        self.calls: dict[str, int] = {}  # tools/call requests sent per tool, any arguments (the budget)
        self._calls_lock = threading.Lock()
        # the target served this run at least once (the preflight's listing, a session, a control)
        self.served = served_preflight(options)
        self.notes: dict[str, Any] = {}
        if options.audit_log is not None:  # the audit rules read only what this run wrote
            self.notes["audit_start"] = _size_of(options.audit_log)

    # -- what kind of target ---------------------------------------------------------------
    @property
    def is_http(self) -> bool:
        return self.url is not None

    @property
    def needs_token(self) -> bool:
        return self.is_http and self.contract.auth_type == "bearer_token"

    @property
    def profile(self) -> Any:
        return self.options.profile

    @property
    def timeout(self) -> float:
        return self.options.request_timeout

    def require_http(self, why: str) -> None:
        if not self.is_http:
            raise NotVerified(f"{why} applies to streamable HTTP; this run talks to the server over stdio")

    def require_bearer(self) -> None:
        self.require_http("this authorization rule")
        if self.contract.auth_type != "bearer_token":
            raise NotVerified("the spec declares no bearer-token authentication for this server")

    # -- tokens ----------------------------------------------------------------------------
    def token(self, scopes: tuple[str, ...] | list[str] | None = None, audience: str | None = None,
              expires_in: int | None = None, *, cache: bool = True) -> str:
        """A token with ``scopes`` (default: all the server's) for ``audience``, or NotVerified."""
        token = self.tokens.token(tuple(self.contract.auth_scopes if scopes is None else scopes), audience,
                                  expires_in, cache=cache)
        self.presented.add(token)
        return token

    def caller_token(self) -> str | None:
        return self.token() if self.needs_token else None

    # -- SDK sessions ----------------------------------------------------------------------
    def endpoint(self, token: str | None = None) -> Endpoint:
        if self.is_http:
            return Endpoint(url=self.url, token=token if token is not None else self.caller_token(),
                            headers=self.extra_headers)
        return Endpoint(command=self.command, env=server_env(self.options.client_secret_env))

    def new_client(self, token: str | None = None) -> McpClient:
        """An unopened client of its own (for checks that need a fresh session)."""
        longest = max((t.max_duration_s or 0.0 for t in self.contract.tools), default=0.0)
        return McpClient(self.endpoint(token), timeout=self.timeout, on_trouble=self.check_alive, longest_call=longest,
                         call_guard=self.call_guard)

    def check_alive(self, what: str) -> None:
        """After a timeout or a lost session: is the target still there? Decided once per trouble,
        shared by every check; raises ``TargetUnreachableError`` when it is gone."""
        if self.is_http:
            self.check_status(what)
            return
        with self._alive_lock:
            if self.gone is None:
                probe = McpClient(self.endpoint(), timeout=min(self.timeout, LIVENESS_TIMEOUT_S))
                try:
                    probe.open()
                    probe.initialize()
                    probe.ping()
                except (CallTimeout, SessionLost) as exc:
                    self.gone = (f"{self.endpoint().label} stopped answering ({what}); a fresh session then got: "
                                 f"{exc}")
                except TargetError:
                    raise
                except Exception as exc:  # an answer, but not MCP: the session is unusable
                    self.gone = (f"{self.endpoint().label} stopped answering MCP ({what}); a fresh session then got "
                                 f"{type(exc).__name__}: {str(exc)[:200]}")
                finally:
                    probe.close()
            if self.gone is not None:
                raise TargetUnreachableError(self.gone)

    def check_status(self, what: str) -> None:
        """After an HTTP error status, a timeout or a lost session on a request that should have
        been served: a fresh session sent right over raw HTTP (``rpc.probe_session``) decides.
        Unanswered: the target is gone (``TargetUnreachableError``); refused with 401/403/404/5xx
        after it served this run: it turned (``TargetProtocolError``, naming the status). Otherwise
        the trouble was the request's own, and the caller judges it. Both end the run, exit 2."""

        with self._alive_lock:
            if self.gone is None:
                try:
                    token = self.caller_token()
                except NotVerified:
                    token = None
                first, ping = rpc.probe_session(self, token, min(self.timeout, LIVENESS_TIMEOUT_S))
                got = first.status or 0
                if first.error:
                    self.gone = f"{self.url} stopped answering ({what}); initialize then got: {first.error}"
                elif self.served and (got in (401, 403, 404) or got >= 500):
                    self.gone = (f"{self.url} turned to answering HTTP {got} mid-run ({what}; initialize sent right "
                                 f"got HTTP {got} too): the run cannot go on")
                    self._gone_as = TargetProtocolError
                elif ping is not None and ping.error:
                    self.gone = (f"{self.url} stopped answering ({what}); a fresh session answered initialize, "
                                 "then not ping")
            if self.gone is not None:
                raise self._gone_as(self.gone)

    def client(self) -> McpClient:
        """The run's shared, initialized session (reopened if a previous check broke it)."""
        with self._lock:
            if self._client is None or self._client.session is None:
                client = self.new_client()
                try:
                    client.open()
                    self.negotiated = client.initialize().protocol_version
                except HttpRefused as exc:
                    client.close()
                    raise self.refused_session(exc.status) from None
                except (SessionLost, CallTimeout) as exc:
                    client.close()
                    raise Violation(f"could not open an MCP session with {self.endpoint().label}: {exc}"
                                    + _stderr(client)) from None
                except TargetError:
                    client.close()
                    raise
                except Exception as exc:
                    client.close()
                    raise Violation(f"initialize failed: {type(exc).__name__}: {exc}" + _stderr(client)) from None
                self._client = client
                self.served = True
            return self._client

    def refused_session(self, status: int) -> NotVerified:
        """A session's ``initialize`` got HTTP ``status``: the run ends if the target turned (it
        served before: ``check_status``); else the reason the checks that need a session are not
        verified (rate-limited, or refused: no session, nothing to judge)."""
        if status == 429:
            return NotVerified("rate-limited: initialize got HTTP 429, so no session could be opened")
        self.check_status(f"a new session's initialize got HTTP {status}")
        return NotVerified(f"initialize sent right was refused with HTTP {status}, so no session could be opened "
                           "and nothing was judged")

    def drop_client(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def listed_tools(self) -> dict[str, Any]:
        """The server's tools by name (tools/list, all pages), fetched once per run."""
        if self._tools is None:
            tools, pages = self.client().list_tools()
            self._tools = list(tools)
            self.notes["tools_list_pages"] = pages
        return {t.name: t for t in self._tools}

    def offered_tools(self) -> dict[str, Any]:
        """``listed_tools`` for the rules that are not about the listing itself: a listing that
        cannot be read (a pagination loop, endless pages) is MCP-TOOLS-001's failure, and leaves
        them not verified instead of failing them on a cause they did not examine."""
        try:
            return self.listed_tools()
        except Violation as exc:
            raise NotVerified(f"the server's tools could not be listed ({exc.message}): see MCP-TOOLS-001") from None

    def listed(self, tool: ToolContract) -> Any:
        found = self.offered_tools().get(tool.name)
        if found is None:
            raise NotVerified(f"the server does not offer {tool.name} (see MCP-TOOLS-001)")
        return found

    def valid_arguments(self, tool: ToolContract, count: int) -> list[Any]:
        """The declared examples first, then generated instances of the declared parameters."""

        args: list[Any] = [dict(e) for e in tool.examples]
        try:
            generated = sample_valid(tool.parameters, count)
        except Exception as exc:  # a schema the generator cannot model: say so, keep the examples
            if not args:
                raise NotVerified(f"cannot generate arguments from the declared parameters of {tool.name} "
                                  f"({type(exc).__name__}: {str(exc)[:200]}) and it has no examples") from None
            generated = []
        for value in generated:
            if value not in args:
                args.append(value)
        return args[: max(count, len(tool.examples))]

    def positive_control(self, what: str, *, token: str | None = None) -> int:
        """The request a refusal check will break, sent right: it must be served, or the refusal
        proves nothing (a server that answers 404, 429 or 401 to everything refuses everything).

        ``token`` defaults to the caller's token (none for a server without auth). Returns the
        number of requests sent; raises ``NotVerified`` with what came back otherwise.
        """

        exchange = rpc.post(self, rpc.initialize_message(), token=token if token is not None else self.caller_token())
        rpc.close_session(self, token, exchange.headers.get("mcp-session-id"))
        if rpc.succeeded(exchange):
            control(self, exchange)
            self.served = True
        else:
            skipped = unjudged(exchange, f"the positive control of {what} (initialize sent right)")
            if skipped is not None:
                raise skipped
            got = exchange.status
            if self.served and got is not None and got >= 400:
                self.check_status(f"a positive control got HTTP {got}")
            raise NotVerified(f"positive control failed: the same initialize sent right got {got}, not a result, "
                              f"so {what} cannot be told from a server that refuses everything")
        return 1

    def era(self) -> str | None:
        """The server's protocol era (see ``eras.py``): its latest declared version, else the negotiated one."""

        if not self.contract.protocol_versions and self.negotiated is None:
            with contextlib.suppress(NotVerified, Violation, SessionLost, CallTimeout):
                self.client()
        return era_of(self.contract.protocol_versions, self.negotiated)

    # -- the safety policy ---------------------------------------------------------------------
    def policies(self) -> dict[str, Any]:
        """Every declared tool's ``ToolPolicy``: the preflight's decision, or decided now from the listing."""
        if self._policies is None:

            decided = decided_policy(self.options)
            if decided is None:
                try:
                    listed: list[Any] | None = list(self.listed_tools().values())
                except (NotVerified, Violation):
                    listed = None
                decided = decide_policy(self.options, listed, "decided at the first call", announce=False)
            self._policies = decided
        return self._policies

    def policy(self, tool: ToolContract) -> Any:
        return self.policies()[tool.name]

    def remaining(self, tool: str) -> int:
        """How many more tools/call requests the tool may get (0 if the policy forbids it; a large
        number when it has no budget). Nothing is counted here: ``call_guard`` counts each call."""
        policy = (self._policies or {}).get(tool)
        if policy is None or not policy.may_call:
            return 0
        if policy.budget is None:
            return 10**9
        with self._calls_lock:
            return max(0, policy.budget - self.calls.get(tool, 0))

    def call_guard(self, tool: str) -> str | None:
        """Asked before every tools/call is sent: None (sent, and counted against the tool's budget)
        or why it may not be sent. The policy must be decided first (``policies()``): a call made
        before it is refused, never sent on a guess."""
        policy = (self._policies or {}).get(tool)
        if policy is None:
            return f"{tool} is not called: it is not a declared tool whose safety policy was decided"
        if not policy.may_call:
            return policy.refusal()
        with self._calls_lock:
            made = self.calls.get(tool, 0)
            if policy.budget is not None and made >= policy.budget:
                return f"the call budget of {tool} (max_calls: {policy.budget}) is spent"
            self.calls[tool] = made + 1
        return None

    def run_meta(self) -> dict[str, Any]:
        """What the report records about the run: the policy and the calls made with valid arguments."""
        if self._policies is None:
            return {}
        return {"tool_policy": {n: {"may_call": p.may_call, "why": p.why, "budget": p.budget}
                                for n, p in self._policies.items()},
                "tool_calls": dict(self.calls)}

    def sample_calls(self) -> list[tuple[str, dict[str, Any]]]:
        """One valid call per offered declared tool the safety policy lets the suite call (its first
        example, else generated arguments), within each tool's budget."""
        offered = self.offered_tools()
        calls = []
        for tool in self.contract.tools:
            if tool.name in offered and self.policy(tool).may_call:
                args = self.valid_arguments(tool, 1)
                if args and self.remaining(tool.name):
                    calls.append((tool.name, args[0]))
        if not calls:
            if not any(t.name in offered for t in self.contract.tools):
                raise NotVerified("the server offers none of the declared tools")
            raise NotVerified("no declared tool may be called with valid arguments under the safety policy (or its "
                              "budget is spent): see the policy printed before the run")
        return calls

    def attempt(self, name: str, args: Any) -> bool:
        """Call a tool for its side effects (audit records, engine/ requests); True if it succeeded.

        How the call ends is not judged here (other checks do), only noted; a call the policy or
        the budget forbids is not made (False).
        """

        try:
            result = self.client().call_tool(name, args)
            return control(self, result, subject=name, method=CALL, ok=not result.is_error)
        except (CallTimeout, SessionLost):
            self.drop_client()
        except HttpRefused as exc:
            self.check_status(f"a tools/call of {name} got HTTP {exc.status}")
        except (TargetError, NotVerified):
            raise
        except Exception:  # a JSON-RPC error: the call was still made
            pass
        return False

    def close(self) -> None:
        self.drop_client()
        self.tokens.close()
        if self.http is not None:
            self.http.close()


def _size_of(path: Any) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _stderr(client: McpClient) -> str:
    tail = client.stderr_tail().strip()
    return f"\nserver stderr (tail):\n{tail}" if tail else ""
