"""The MCP servers' own service token: client credentials at the issuer, refreshed before expiry.

A server asks for exactly the scopes its spec entry declares under ``service_token`` (never the
client's full allowance) and for the declared audience, and renews the token once 80% of its
lifetime has passed, so a call to engine/ never goes out with an expired token.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import anyio
import httpx

from contractkit.errors import ConfigError

REFRESH_AT = 0.8


@dataclass
class ServiceTokenClient:
    """Fetches and caches one service token; ``await token()`` always returns a fresh enough one."""

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scopes: Sequence[str]
    audience: str | None = None
    timeout_s: float = 10.0
    fetches: int = 0
    _token: str | None = field(default=None, repr=False)
    _refresh_after: float = 0.0
    _lock: anyio.Lock = field(default_factory=anyio.Lock, repr=False)

    async def token(self) -> str:
        if self._token is not None and time.monotonic() < self._refresh_after:
            return self._token
        async with self._lock:
            if self._token is None or time.monotonic() >= self._refresh_after:
                await self._fetch()
        assert self._token is not None
        return self._token

    def invalidate(self) -> None:
        """Forget the token (engine/ refused it): the next call fetches a new one."""
        self._token = None

    async def _fetch(self) -> None:
        form = {"grant_type": "client_credentials", "scope": " ".join(self.scopes)}
        if self.audience:
            form["audience"] = self.audience
        started = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                response = await client.post(self.token_url, data=form,
                                             auth=(self.client_id, self.client_secret))
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot reach the token endpoint {self.token_url}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise ConfigError(f"the token endpoint refused {self.client_id}: HTTP {response.status_code} "
                              f"{_oauth_error(response)}")
        body = response.json()
        lifetime = float(body.get("expires_in") or 60)
        self._token = str(body["access_token"])
        self._refresh_after = started + REFRESH_AT * lifetime
        self.fetches += 1


def _oauth_error(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", ""))
    except ValueError:
        return ""
