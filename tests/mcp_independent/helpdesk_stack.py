"""The helpdesk over HTTP with a token issuer (the kit's, contractkit.reference.token_issuer), on loopback ports."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterable
from pathlib import Path

from helpdesk_http import AUDIENCE, build_http_app
from helpdesk_tools import SPEC_PATH, CallLog, Helpdesk

from contractkit.reference.token_issuer.clients import ClientRegistration
from contractkit.reference.token_issuer.issuer import JWKS_PATH, TOKEN_PATH, TokenIssuer
from contractkit.servers import BackgroundServer, free_port

CLIENT_ID = "helpdesk-verifier"
SECRET_ENV = "HELPDESK_VERIFIER_SECRET"
CLIENT_SECRET = "helpdesk-verifier-secret"  # a test credential of a loopback issuer
# The kit asks for a token of another audience to check the server refuses it (RFC 8707): our client
# may hold one for the billing service too.
OTHER_AUDIENCE = "billing-mcp"


class HelpdeskStack:
    """Issuer + helpdesk; ``with HelpdeskStack(defects) as s: s.url, s.token_url, s.helpdesk.calls``."""

    def __init__(self, defects: Iterable[str] = (), call_log: Path | None = None, audit_path: Path | None = None
                 ) -> None:
        client = ClientRegistration(CLIENT_ID, CLIENT_SECRET, frozenset({"helpdesk.read", "helpdesk.write",
                                                                          "helpdesk.admin"}),
                                    frozenset({AUDIENCE, OTHER_AUDIENCE}),
                                    default_audience=AUDIENCE)
        self.issuer = BackgroundServer(TokenIssuer([client]).app)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        app, self.helpdesk = build_http_app(base, self.issuer.url, self.issuer.url + JWKS_PATH, defects=defects,
                                            calls=CallLog(call_log), audit_path=audit_path)
        self.audit_path = audit_path
        self.server = BackgroundServer(app, port=port)
        self.url = f"{base}/mcp"
        self.token_url = self.issuer.url + TOKEN_PATH

    @property
    def calls(self) -> CallLog:
        return self.helpdesk.calls

    def verify_args(self) -> list[str]:
        return ["--spec", str(SPEC_PATH), "--mcp-server", "helpdesk-mcp", "--mcp-url", self.url,
                "--token-url", self.token_url, "--client-id", CLIENT_ID, "--client-secret-env", SECRET_ENV,
                *(["--audit-log", str(self.audit_path)] if self.audit_path else [])]

    def verify_command(self) -> str:
        return (f"{SECRET_ENV}={CLIENT_SECRET} {shlex.quote(sys.executable)} -m contractkit verify mcp "
                + " ".join(shlex.quote(a) for a in self.verify_args()))

    def __enter__(self) -> HelpdeskStack:
        self.issuer.start()
        try:
            self.server.start()
        except BaseException:
            self.issuer.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
        self.issuer.stop()


__all__ = ["Helpdesk", "HelpdeskStack"]
