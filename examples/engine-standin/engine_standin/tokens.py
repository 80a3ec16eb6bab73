"""The service token engine/ presents to neuron/: OAuth2 client credentials, cached until it expires."""

from __future__ import annotations

import os
import time

import httpx


class ServiceToken:
    def __init__(self, token_url: str, client_id: str, client_secret: str) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self._token: str | None = None
        self._expires = 0.0

    @classmethod
    def from_env(cls) -> ServiceToken:
        return cls(os.environ["NEURON_TOKEN_URL"], os.environ["NEURON_CLIENT_ID"], os.environ["NEURON_CLIENT_SECRET"])

    def header(self, refresh: bool = False) -> dict[str, str]:
        if refresh or self._token is None or time.time() > self._expires - 30:
            answer = httpx.post(self.token_url, data={"grant_type": "client_credentials", "client_id": self.client_id,
                                                      "client_secret": self.client_secret}, timeout=5.0)
            answer.raise_for_status()
            body = answer.json()
            self._token = body["access_token"]
            self._expires = time.time() + float(body.get("expires_in", 300))
        return {"Authorization": f"Bearer {self._token}"}
