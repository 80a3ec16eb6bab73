"""One reference MCP server assembled from its spec entry, for stdio or streamable HTTP.

``McpServerConfig`` says where engine/ and the token issuer are, which service credentials to
use and where the audit log goes; ``build_server`` makes the ``MCPServer`` (tools, audit and
argument validation), ``http_app`` wraps its streamable HTTP app in the resource-server guard,
and ``run_stdio`` serves it on stdin/stdout.

The config also has extension points (``guard_policy``, ``verifier_factory``, ``customize``,
``wrap_http``, ...): a deployment uses some of them, and the self-test builds its deliberately
broken variants through them; the reference itself knows no variant.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contractkit.reference.mcp.audit import AuditLog
from contractkit.reference.mcp.resource_server import CALLER_KEY, GuardPolicy, RateLimiter, ResourceServerGuard
from contractkit.spec.mcp import ServerContract

STDIO_CALLER_ENV = "CONTRACTKIT_MCP_CALLER"


@dataclass
class McpServerConfig:
    contract: ServerContract
    engine_url: str
    issuer_url: str
    client_id: str
    client_secret: str = field(repr=False)
    token_url: str | None = None
    audit_path: Path | None = None
    rate_limit: tuple[int, float] | None = None  # overrides the spec's (benchmarks only)
    allowed_hosts: tuple[str, ...] = ()
    dns_rebinding_protection: bool = True  # Host and Origin validation of the streamable HTTP transport
    guard_policy: GuardPolicy = field(default_factory=GuardPolicy)
    service_scopes_override: tuple[str, ...] | None = None  # default: the spec's service_token.scopes
    verifier_factory: Callable[[str, str], Any] | None = None  # (audience, jwks URL) -> a token verifier
    customize: Callable[[BuiltServer], None] | None = None  # last step of build_server
    wrap_http: Callable[[Any], Any] | None = None  # wraps the whole ASGI app (outermost)

    @property
    def token_endpoint(self) -> str:
        return self.token_url or self.issuer_url.rstrip("/") + "/api/auth/service-token"

    @property
    def service_scopes(self) -> tuple[str, ...]:
        if self.service_scopes_override is not None:
            return self.service_scopes_override
        return tuple(self.contract.service_token_scopes or ())


@dataclass
class BuiltServer:
    server: Any  # mcp.server.mcpserver.MCPServer
    audit: AuditLog
    tokens: Any  # ServiceTokenClient
    config: McpServerConfig


def build_server(config: McpServerConfig) -> BuiltServer:
    from mcp.server.mcpserver import MCPServer

    from contractkit.reference.mcp.engine_client import EngineClient
    from contractkit.reference.mcp.service_token import ServiceTokenClient
    from contractkit.reference.mcp.tools import REGISTER

    contract = config.contract
    audit = AuditLog(config.audit_path, server=contract.name, redact_words=contract.audit_redact,
                     keys=contract.audit_fields)
    tokens = ServiceTokenClient(config.token_endpoint, config.client_id, config.client_secret,
                                scopes=config.service_scopes, audience=contract.service_token_audience)
    engine = EngineClient(config.engine_url, tokens)
    server = MCPServer(contract.name, version="1.0.0", log_level="ERROR",
                       middleware=[ToolCallMiddleware(contract, audit)])
    REGISTER[contract.name](server, engine)
    built = BuiltServer(server, audit, tokens, config)
    if config.customize is not None:
        config.customize(built)
    return built


class ToolCallMiddleware:
    """Audits every ``tools/call`` and refuses arguments the contract's parameters schema forbids.

    Validation against the declared schema (not only the function signature) makes the server as
    strict as its contract: an undeclared extra argument is a tool error, not silently dropped.
    """

    def __init__(self, contract: ServerContract, audit: AuditLog) -> None:
        from jsonschema import Draft202012Validator, FormatChecker

        self.audit = audit
        self.validators = {t.name: Draft202012Validator(t.parameters, format_checker=FormatChecker())
                           for t in contract.tools}

    async def __call__(self, ctx: Any, call_next: Any) -> Any:
        if ctx.method != "tools/call" or ctx.request_id is None:
            return await call_next(ctx)
        from mcp_types import CallToolResult, TextContent

        params = ctx.params or {}
        tool = str(params.get("name", ""))
        arguments = params.get("arguments") or {}
        started = time.perf_counter()
        outcome = "crash"
        try:
            problem = self._problem(tool, arguments)
            if problem is not None:
                outcome = "error"
                return CallToolResult(content=[TextContent(type="text", text=f"invalid arguments: {problem}")],
                                      is_error=True)
            result = await call_next(ctx)
            outcome = "error" if _is_error(result) else "ok"
            return result
        finally:
            self.audit.record(caller=_caller(ctx), tool=tool, outcome=outcome, started=started,
                              arguments=arguments, request_id=ctx.request_id)

    def _problem(self, tool: str, arguments: Any) -> str | None:
        validator = self.validators.get(tool)
        if validator is None:
            return None  # unknown tools are the SDK's to refuse
        error = next(iter(validator.iter_errors(arguments)), None)
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path) or "(arguments)"
        return f"{where}: {error.message[:200]}"


def _is_error(result: Any) -> bool:
    if isinstance(result, dict):
        return bool(result.get("isError"))
    return bool(getattr(result, "is_error", False))


def _caller(ctx: Any) -> str:
    request = getattr(ctx, "request", None)
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict) and scope.get(CALLER_KEY):
        return str(scope[CALLER_KEY])
    if scope is not None:
        return "anonymous"
    return os.environ.get(STDIO_CALLER_ENV) or "stdio"


def http_app(built: BuiltServer, *, host: str = "127.0.0.1", port: int = 0) -> Any:
    """The server's ASGI app: the SDK's streamable HTTP app behind the resource-server guard."""
    from mcp.server.transport_security import TransportSecuritySettings

    from contractkit.reference.token_issuer.verifier import TokenVerifier

    config = built.config
    contract = config.contract
    path = contract.http_path or "/mcp"
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*", *config.allowed_hosts]
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=config.dns_rebinding_protection,
        allowed_hosts=hosts,
        allowed_origins=[f"http://{h}" for h in hosts] + [f"https://{h}" for h in hosts],
    )
    inner = built.server.streamable_http_app(streamable_http_path=path, transport_security=security, host=host)
    make_verifier = config.verifier_factory or (lambda audience, jwks: TokenVerifier(audience, jwks_url=jwks))
    verifier = make_verifier(contract.auth_audience or contract.name,
                             config.issuer_url.rstrip("/") + "/.well-known/jwks.json")
    limit = config.rate_limit or (
        (int(contract.rate_limit["requests"]), float(contract.rate_limit["window_seconds"]))
        if contract.rate_limit else None)
    guard = ResourceServerGuard(
        inner,
        server_name=contract.name,
        mcp_path=path,
        verifier=verifier,
        authorization_servers=[config.issuer_url.rstrip("/")],
        server_scopes=contract.auth_scopes,
        tool_scopes=contract.tool_scopes,
        rate_limiter=RateLimiter(*limit) if limit else None,
        rate_key=str((contract.rate_limit or {}).get("key", "client_id")),
        policy=config.guard_policy,
        on_denied=lambda caller, tool, outcome, args: built.audit.record(
            caller=caller, tool=tool, outcome=outcome, started=time.perf_counter(), arguments=args or {}),
    )
    return config.wrap_http(guard) if config.wrap_http is not None else guard


async def run_stdio(built: BuiltServer) -> None:
    await built.server.run_stdio_async()


def describe(config: McpServerConfig) -> str:
    """A one-line, secret-free description for logs."""
    data = {"server": config.contract.name, "engine": config.engine_url, "issuer": config.issuer_url,
            "audit_log": str(config.audit_path) if config.audit_path else None}
    return json.dumps(data)


__all__ = ["BuiltServer", "McpServerConfig", "build_server", "describe", "http_app", "run_stdio"]
