"""``ReferenceStack``: token issuer, provider double and neuron/ wired together on loopback ports.

Used by ``contractkit serve stack``, the demo, the self-test and tests::

    with ReferenceStack(fault_injection=True) as stack:
        token = stack.token(["neuron.suggest"])
        httpx.post(stack.neuron_url + "/suggest-next-action", headers={"Authorization": f"Bearer {token}"}, ...)

``provider`` is ``"double"`` (neuron/ talks to the double over HTTP; ``double_wire`` picks
openai, anthropic or ollama) or ``"embedded"`` (no double is started). ``neuron_app_factory``
lets a caller start a variant of neuron/ built from the same settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx

from contractkit.llm import AnthropicProvider, EmbeddedProvider, LLMProvider, OllamaProvider, OpenAICompatibleProvider
from contractkit.reference.neuron import NeuronSettings, create_neuron_app
from contractkit.reference.provider_double import ProviderDouble
from contractkit.reference.token_issuer.clients import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from contractkit.reference.token_issuer.issuer import JWKS_PATH, TOKEN_PATH, TokenIssuer
from contractkit.servers import BackgroundServer

NEURON_SCOPES = ("neuron.analyze", "neuron.suggest", "neuron.risk", "neuron.chat")


def provider_for_double(double_url: str, wire: str, timeout_s: float) -> LLMProvider:
    """An adapter of the given wire format pointed at the provider double."""
    if wire == "anthropic":
        return AnthropicProvider(base_url=double_url, api_key="double-key", timeout_s=timeout_s)
    if wire == "ollama":
        return OllamaProvider(base_url=double_url, timeout_s=timeout_s)
    return OpenAICompatibleProvider(base_url=double_url + "/v1", api_key="double-key", timeout_s=timeout_s)


class ReferenceStack:
    """Starts on ``start()`` / ``with``; every server binds 127.0.0.1 on a free port."""

    def __init__(
        self,
        *,
        provider: str = "double",
        double_wire: str = "openai",
        fault_injection: bool = False,
        provider_timeout_s: float = 2.0,
        rate_limits: bool = True,
        double_options: dict[str, Any] | None = None,
        neuron_app_factory: Callable[[NeuronSettings], Any] = create_neuron_app,
        spec_path: str | Path | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        if provider not in {"double", "embedded"}:
            raise ValueError("provider must be 'double' or 'embedded'")
        self.provider_kind = provider
        self.double_wire = double_wire
        self.fault_injection = fault_injection
        self.provider_timeout_s = provider_timeout_s
        self.rate_limits = rate_limits
        self.host = host
        self.spec_path = Path(spec_path) if spec_path else None
        self.issuer = TokenIssuer()
        self.double = ProviderDouble(hang_s=max(10.0, provider_timeout_s * 3), **(double_options or {}))
        self._factory = neuron_app_factory
        self._servers: list[BackgroundServer] = []
        self.settings: NeuronSettings | None = None
        self.neuron_app: Any = None
        self.issuer_url = self.double_url = self.neuron_url = ""

    def start(self) -> ReferenceStack:
        try:
            issuer_srv = self._serve(self.issuer.app)
            self.issuer_url = issuer_srv.url
            self.issuer.issuer_url = issuer_srv.url
            if self.provider_kind == "double":
                self.double_url = self._serve(self.double.app).url
                llm = provider_for_double(self.double_url, self.double_wire, self.provider_timeout_s)
            else:
                llm = EmbeddedProvider()
            self.settings = NeuronSettings(
                jwks_url=self.issuer_url + JWKS_PATH,
                provider=llm,
                fault_injection=self.fault_injection,
                provider_timeout_s=self.provider_timeout_s,
                rate_limits=self.rate_limits,
                spec_path=self.spec_path,
            )
            self.neuron_app = self._factory(self.settings)
            self.neuron_url = self._serve(self.neuron_app).url
        except BaseException:
            self.stop()
            raise
        return self

    def _serve(self, app: Any) -> BackgroundServer:
        server = BackgroundServer(app, host=self.host).start()
        self._servers.append(server)
        return server

    def stop(self) -> None:
        while self._servers:
            self._servers.pop().stop()

    def __enter__(self) -> ReferenceStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def token_url(self) -> str:
        return self.issuer_url + TOKEN_PATH

    @property
    def client_id(self) -> str:
        return DEMO_CLIENT_ID

    @property
    def client_secret(self) -> str:
        return DEMO_CLIENT_SECRET

    def token(self, scopes: Iterable[str] = NEURON_SCOPES, *, audience: str = "neuron-api",
              lifetime_s: int | None = None, client_id: str = DEMO_CLIENT_ID) -> str:
        """A token minted in-process (the issuer's key, the issuer's URL as ``iss``)."""
        return self.issuer.mint(client_id, scopes, audience, lifetime_s)

    def fetch_token(self, scopes: Iterable[str] = NEURON_SCOPES, audience: str = "neuron-api") -> str:
        """A token obtained over HTTP from the issuer, as engine/ would."""
        response = httpx.post(self.token_url, data={
            "grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET,
            "scope": " ".join(scopes), "audience": audience}, timeout=10)
        response.raise_for_status()
        return str(response.json()["access_token"])

    def arm_fault(self, mode: str, count: int | None = None) -> None:
        """Arm a provider-double fault for the next ``count`` provider requests (None: until cleared)."""
        self.double.faults.arm(mode, count)

    def clear_faults(self) -> None:
        self.double.faults.clear()
