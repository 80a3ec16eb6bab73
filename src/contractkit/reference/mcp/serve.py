"""``contractkit serve engine-double`` and ``contractkit serve mcp NAME [--stdio]``.

Configuration comes from the environment (a stdio server has no flags of its own beyond the
command line the spec declares):

    CONTRACTKIT_MCP_SPEC           the mcp-servers document (default: the bundled one)
    CONTRACTKIT_ISSUER_URL         the token issuer (its /api/auth/service-token and JWKS)
    CONTRACTKIT_ENGINE_URL         engine/ (or the kit's engine double)
    CONTRACTKIT_MCP_CLIENT_ID      the server's own client id (default: its name)
    CONTRACTKIT_MCP_CLIENT_SECRET  the server's client secret
    CONTRACTKIT_AUDIT_LOG          where the JSON-lines audit log goes
    CONTRACTKIT_MCP_ALLOWED_HOSTS  extra Host values to accept (comma-separated, e.g. mcp.example:443)

With neither CONTRACTKIT_ISSUER_URL nor CONTRACTKIT_ENGINE_URL set, the server is
self-contained: it starts an embedded token issuer and engine double on loopback ports and uses
the demo service credentials, so ``contractkit serve mcp crm-data-mcp --stdio`` works as is.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from contractkit.errors import ConfigError


def _say(message: str) -> None:
    print(f"contractkit serve: {message}", file=sys.stderr, flush=True)


def _embedded_issuer(keep: list[Any]) -> str:
    from contractkit.reference.token_issuer.issuer import TokenIssuer
    from contractkit.servers import BackgroundServer

    server = BackgroundServer(TokenIssuer().app).start()
    keep.append(server)
    return server.url


def serve_engine_double(args: Any) -> int:
    from contractkit.reference.engine_double import EngineDouble
    from contractkit.servers import free_port

    keep: list[Any] = []
    issuer = os.environ.get("CONTRACTKIT_ISSUER_URL") or _embedded_issuer(keep)
    double = EngineDouble.for_issuer(issuer)
    port = args.port or free_port(args.host)
    _say(f"engine double on http://{args.host}:{port} (trusting the issuer at {issuer}; "
         f"receipts at /_double/received)")
    try:
        _run_foreground(double.app, args.host, port)
    finally:
        for server in keep:
            server.stop()
    return 0


def serve_mcp(args: Any) -> int:
    import anyio

    from contractkit.reference.mcp.app import McpServerConfig, build_server, http_app, run_stdio
    from contractkit.reference.mcp.stack import demo_secret
    from contractkit.servers import BackgroundServer, free_port
    from contractkit.spec.mcp import load_contract

    if not args.name:
        raise ConfigError("serve mcp needs the server's name, e.g. `contractkit serve mcp crm-data-mcp`")
    contract = load_contract(os.environ.get("CONTRACTKIT_MCP_SPEC")).server(args.name)
    keep: list[Any] = []
    issuer = os.environ.get("CONTRACTKIT_ISSUER_URL")
    engine = os.environ.get("CONTRACTKIT_ENGINE_URL")
    client_id = os.environ.get("CONTRACTKIT_MCP_CLIENT_ID") or contract.name
    secret = os.environ.get("CONTRACTKIT_MCP_CLIENT_SECRET")
    try:
        if not issuer and not engine:
            from contractkit.reference.engine_double import EngineDouble

            issuer = _embedded_issuer(keep)
            double = BackgroundServer(EngineDouble.for_issuer(issuer).app).start()
            keep.append(double)
            engine = double.url
            secret = secret or demo_secret(client_id)
        elif not (issuer and engine and secret):
            raise ConfigError("set CONTRACTKIT_ISSUER_URL, CONTRACTKIT_ENGINE_URL and CONTRACTKIT_MCP_CLIENT_SECRET "
                              "together (or none of them for the self-contained demo mode)")
        audit = os.environ.get("CONTRACTKIT_AUDIT_LOG") or str(
            Path(tempfile.gettempdir()) / f"contractkit-{contract.name}.audit.jsonl")
        hosts = tuple(h.strip() for h in os.environ.get("CONTRACTKIT_MCP_ALLOWED_HOSTS", "").split(",") if h.strip())
        config = McpServerConfig(contract=contract, engine_url=engine, issuer_url=issuer, client_id=client_id,
                                 client_secret=secret or "", audit_path=Path(audit), allowed_hosts=hosts)
        built = build_server(config)
        if args.stdio:
            _say(f"{contract.name} on stdio (engine {engine}, audit log {audit})")
            anyio.run(run_stdio, built)
            return 0
        port = args.port or free_port(args.host)
        url = f"http://{args.host}:{port}{contract.http_path or '/mcp'}"
        _say(f"{contract.name} on {url} (issuer {issuer}, engine {engine}, audit log {audit})")
        if keep:  # self-contained: the demo credentials are the point, so show how to verify it
            _say(f"verify it with: CONTRACTKIT_CLIENT_SECRET=demo-engine-secret contractkit verify mcp "
                 f"--server {contract.name} --url {url} --token-url {issuer}/api/auth/service-token "
                 f"--client-id demo-engine --audit-log {audit} --engine-double {engine}")
        _run_foreground(http_app(built, host=args.host, port=port), args.host, port)
        return 0
    finally:
        for server in keep:
            server.stop()


def _run_foreground(app: Any, host: str, port: int) -> None:
    import uvicorn

    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")).run()


def main(argv: list[str] | None = None) -> int:
    """``python -m contractkit.reference.mcp.serve NAME [--stdio]``, the same as ``contractkit serve mcp``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m contractkit.reference.mcp.serve")
    parser.add_argument("name", help="engine-double, or an MCP server's name")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--stdio", action="store_true")
    args = parser.parse_args(argv)
    try:
        return serve_engine_double(args) if args.name == "engine-double" else serve_mcp(args)
    except ConfigError as exc:
        _say(f"error: {exc.one_line()}")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
