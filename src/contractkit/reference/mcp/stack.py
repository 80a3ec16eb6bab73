"""``McpStack``: the engine double and the reference MCP servers over HTTP on free loopback ports.

Used by the demo, the self-test, the benchmarks and the project's tests::

    with McpStack() as stack:                      # its own token issuer, or McpStack(issuer_url=...)
        stack.url("crm-data-mcp")                  # http://127.0.0.1:PORT/mcp
        stack.audit_path("crm-data-mcp")           # the server's JSON-lines audit log
        stack.engine_url                           # the engine double (receipts at /_double/received)

The servers fetch their service tokens from the issuer with the demo service clients
(``crm-data-mcp`` / ``crm-data-mcp-secret``, ...), exactly as a deployed server would.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from contractkit.reference.token_issuer.clients import DEMO_CLIENTS
from contractkit.spec.mcp import Contract, load_contract

SERVER_NAMES = ("crm-data-mcp", "document-retrieval-mcp")


def demo_secret(client_id: str) -> str:
    for client in DEMO_CLIENTS:
        if client.client_id == client_id:
            return client.secret
    raise KeyError(client_id)


class McpStack:
    def __init__(self, *, issuer_url: str | None = None, servers: tuple[str, ...] = SERVER_NAMES,
                 configure: dict[str, Callable[[Any], Any]] | None = None,
                 rate_limit: tuple[int, float] | None = None,
                 audit_dir: str | Path | None = None, contract: Contract | None = None) -> None:
        self.issuer_url = issuer_url
        self.server_names = servers
        self.configure = dict(configure or {})  # server name -> McpServerConfig -> McpServerConfig
        self.rate_limit = rate_limit
        self.contract = contract or load_contract()
        self._audit_dir_arg = audit_dir
        self._running: list[Any] = []
        self._urls: dict[str, str] = {}
        self._audit: dict[str, Path] = {}
        self.built: dict[str, Any] = {}
        self.engine: Any = None
        self.engine_url = ""
        self.issuer: Any = None
        self._tmp: str | None = None

    def start(self) -> McpStack:
        from contractkit.reference.engine_double import EngineDouble
        from contractkit.reference.mcp.app import McpServerConfig, build_server, http_app
        from contractkit.servers import BackgroundServer

        if self.configure:  # an altered server's errors are expected: keep the SDK's tracebacks out of reports
            import logging

            logging.getLogger("mcp").setLevel(logging.CRITICAL)
        try:
            if self.issuer_url is None:
                from contractkit.reference.token_issuer.issuer import TokenIssuer

                self.issuer = TokenIssuer()
                self.issuer_url = self._serve(BackgroundServer(self.issuer.app))
            audit_dir = Path(self._audit_dir_arg) if self._audit_dir_arg else None
            if audit_dir is None:
                self._tmp = tempfile.mkdtemp(prefix="contractkit-mcp-audit-")
                audit_dir = Path(self._tmp)
            self.engine = EngineDouble.for_issuer(self.issuer_url)
            self.engine_url = self._serve(BackgroundServer(self.engine.app))
            for name in self.server_names:
                config = McpServerConfig(
                    contract=self.contract.server(name), engine_url=self.engine_url, issuer_url=self.issuer_url,
                    client_id=name, client_secret=demo_secret(name), audit_path=audit_dir / f"{name}.audit.jsonl",
                    rate_limit=self.rate_limit)
                if name in self.configure:
                    config = self.configure[name](config)
                built = build_server(config)
                server = BackgroundServer(http_app(built))
                base = self._serve(server)
                self.built[name] = built
                self._urls[name] = base + (config.contract.http_path or "/mcp")
                self._audit[name] = config.audit_path  # type: ignore[assignment]
        except BaseException:
            self.stop()
            raise
        return self

    def _serve(self, server: Any) -> str:
        server.start()
        self._running.append(server)
        return str(server.url)

    def url(self, name: str) -> str:
        return self._urls[name]

    def audit_path(self, name: str) -> Path:
        return self._audit[name]

    @property
    def token_url(self) -> str:
        return str(self.issuer_url).rstrip("/") + "/api/auth/service-token"

    def stop(self) -> None:
        while self._running:
            self._running.pop().stop()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> McpStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
