"""``contractkit serve ...``: run one reference server in the foreground, or the whole stack.

Each server prints one ``name: URL`` line when it listens; Ctrl-C (or SIGTERM) stops it cleanly.
``engine-double`` and ``mcp`` are served by :mod:`contractkit.reference.mcp.serve`.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import threading
from typing import Any, TextIO

from contractkit.errors import ConfigError


def run_serve(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    service = args.service
    if service in {"engine-double", "mcp"}:
        from contractkit.reference.mcp import serve as mcp_serve

        return mcp_serve.serve_engine_double(args) if service == "engine-double" else mcp_serve.serve_mcp(args)
    if service == "stack":
        return serve_stack(args, out)
    port = _bindable_port(args.host, args.port)
    url = f"http://{args.host}:{port}"
    keep: list[Any] = []
    notes: list[str] = []
    try:
        if service == "token-issuer":
            app, notes = _token_issuer_app(args, url)
        elif service == "provider-double":
            from contractkit.reference.provider_double import ProviderDouble

            app = ProviderDouble().app
        else:
            app = _neuron_app(args, keep, out)
        _say(out, f"{service}: {url}")
        for note in notes:
            _say(out, note)
        _run_foreground(app, args.host, port)
    finally:
        for server in keep:
            server.stop()
    return 0


def _token_issuer_app(args: argparse.Namespace, url: str) -> tuple[Any, list[str]]:
    """The issuer's app and the lines to print after its URL (client ids, never secrets).

    Clients come from ``--clients`` (a bad file is one ConfigError line, exit 2), else the demo's.
    """
    from contractkit.reference.token_issuer.clients import load_clients
    from contractkit.reference.token_issuer.issuer import TOKEN_PATH, TokenIssuer

    issuer = TokenIssuer(load_clients(getattr(args, "clients", None)), issuer_url=url)
    return issuer.app, [f"token endpoint: {url}{TOKEN_PATH}", "clients: " + ", ".join(sorted(issuer.clients))]


def _neuron_app(args: argparse.Namespace, keep: list[Any], out: TextIO) -> Any:
    from contractkit.reference.neuron import NeuronSettings, create_neuron_app

    overrides: dict[str, Any] = {}
    if getattr(args, "fault_injection", False):
        overrides["fault_injection"] = True
    issuer = getattr(args, "issuer_url", None) or os.environ.get("NEURON_ISSUER_URL") or os.environ.get(
        "CONTRACTKIT_ISSUER_URL")
    if issuer:
        overrides["jwks_url"] = issuer.rstrip("/") + "/.well-known/jwks.json"
    elif not os.environ.get("NEURON_JWKS_URL"):
        from contractkit.reference.token_issuer.issuer import TokenIssuer
        from contractkit.servers import BackgroundServer

        issuer_obj = TokenIssuer()
        server = BackgroundServer(issuer_obj.app, host="127.0.0.1").start()
        issuer_obj.issuer_url = server.url
        keep.append(server)
        overrides["jwks_url"] = server.url + "/.well-known/jwks.json"
        _say(out, f"token-issuer: {server.url} (embedded; pass --issuer-url to use another)")
    return create_neuron_app(NeuronSettings.from_env(**overrides))


def serve_stack(args: argparse.Namespace, out: TextIO) -> int:
    from contractkit.reference.mcp.stack import McpStack
    from contractkit.reference.stack import ReferenceStack

    if args.host not in {"127.0.0.1", "localhost"}:
        raise ConfigError("serve stack binds loopback only; drop --host")
    stack = ReferenceStack(fault_injection=getattr(args, "fault_injection", False),
                           provider_timeout_s=float(os.environ.get("NEURON_PROVIDER_TIMEOUT_SECONDS", "5")))
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with stack, McpStack(issuer_url=stack.issuer_url) as mcp:
            _say(out, f"token-issuer: {stack.issuer_url}")
            _say(out, f"provider-double: {stack.double_url}")
            _say(out, f"neuron: {stack.neuron_url}")
            _say(out, f"engine-double: {mcp.engine_url}")
            for name in mcp.server_names:
                _say(out, f"{name}: {mcp.url(name)} (audit log {mcp.audit_path(name)})")
            _say(out, f"demo client: client_id={stack.client_id} client_secret={stack.client_secret} "
                      f"(token endpoint {stack.token_url}, audiences neuron-api, {', '.join(mcp.server_names)})")
            _say(out, "fault injection: " + ("on (X-Fault-Inject)" if stack.fault_injection else "off"))
            _say(out, "press Ctrl-C to stop")
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _say(out, "stopped")
    return 0


def _bindable_port(host: str, port: int) -> int:
    """The port to use (0: a free one); ConfigError when it cannot be bound."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            return int(sock.getsockname()[1])
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _run_foreground(app: Any, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning")


def _say(out: TextIO, line: str) -> None:
    print(line, file=out, flush=True)
