"""The payables service with what it needs around it, each on a free 127.0.0.1 port.

The kit's token issuer stands in for the engine's token endpoint, the kit's provider double for
the LLM provider; the service checks tokens against the issuer's public keys and calls the double
as an OpenAI-compatible provider. ``python -m tests.third_neuron.stack`` serves one by hand.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount

from contractkit.reference.provider_double.app import ProviderDouble
from contractkit.reference.token_issuer.clients import ClientRegistration
from contractkit.reference.token_issuer.issuer import TOKEN_PATH, TokenIssuer
from contractkit.servers import BackgroundServer

from .service import Payables
from .support import AUDIENCE

SCOPES = frozenset({"payables:read", "suppliers:write", "disputes:write", "audits:run"})
FOREIGN_AUDIENCE = "ledger-mcp"


class PayablesStack:
    """``with PayablesStack(client_id, secret, defect=None) as s: s.url, s.token_url, s.double_url``."""

    def __init__(self, client_id: str, client_secret: str, *, partner_key: str | None = None,
                 defect: str | None = None, prefix: str = "") -> None:
        client = ClientRegistration(client_id, client_secret, SCOPES, frozenset({AUDIENCE, FOREIGN_AUDIENCE}),
                                    default_audience=AUDIENCE)
        self.issuer = TokenIssuer([client])
        self.double = ProviderDouble(hang_s=20.0)
        self._issuer_server = BackgroundServer(self.issuer.app)
        self._double_server = BackgroundServer(self.double.app)
        self.service: Payables | None = None
        self._service_server: BackgroundServer | None = None
        self.partner_key = partner_key
        self.defect = defect
        self.prefix = prefix  # served under a path prefix, as behind an ingress

    @property
    def url(self) -> str:
        assert self._service_server is not None
        return self._service_server.url + self.prefix

    @property
    def token_url(self) -> str:
        return self._issuer_server.url + TOKEN_PATH

    @property
    def double_url(self) -> str:
        return self._double_server.url

    def start(self) -> PayablesStack:
        self._issuer_server.start()
        self._double_server.start()
        self.service = Payables(provider_url=self.double_url, jwks=self.issuer.key.jwks(),
                                partner_key=self.partner_key, defect=self.defect)
        app = Starlette(routes=[Mount(self.prefix, app=self.service.app)]) if self.prefix else self.service.app
        self._service_server = BackgroundServer(app, timeout_keep_alive=30)
        self._service_server.start()
        return self

    def stop(self) -> None:
        for server in (self._service_server, self._double_server, self._issuer_server):
            if server is not None:
                server.stop()

    def __enter__(self) -> PayablesStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    import sys
    import time

    defect, prefix = (sys.argv[1:] or [""])[0] or None, (sys.argv[2:] or [""])[0]
    with PayablesStack("payables-ci", "payables-ci-secret", defect=defect, prefix=prefix,
                       partner_key="partner-key-for-tests") as stack:
        print(f"service {stack.url}\ntoken   {stack.token_url}\ndouble  {stack.double_url}", flush=True)
        while True:
            time.sleep(3600)
