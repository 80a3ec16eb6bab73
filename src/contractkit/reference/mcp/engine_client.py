"""How the MCP servers call engine/: always with their own service token, never the caller's.

Nothing in this module can see the MCP caller's token: the tools receive only their arguments,
and this client only the server's ``ServiceTokenClient``. That is the structural guarantee of
"no token passthrough"; the engine double's receipts are the observable one.
"""

from __future__ import annotations

from typing import Any

import httpx

from contractkit.reference.mcp.service_token import ServiceTokenClient


class EngineError(Exception):
    """engine/ answered with an error the tool reports to its caller (without internals)."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(f"engine/ answered {status} {code}")
        self.status = status
        self.code = code


class EngineClient:
    """A thin async client for engine/'s internal customer and document API."""

    def __init__(self, base_url: str, tokens: ServiceTokenClient, *, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout_s)

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        response = await self._send(path, query)
        if response.status_code == 401:  # revoked or rotated keys: one fresh token, one retry
            self.tokens.invalidate()
            response = await self._send(path, query)
        if response.status_code >= 400:
            raise EngineError(response.status_code, _code(response))
        return response.json()

    async def _send(self, path: str, query: dict[str, Any]) -> httpx.Response:
        token = await self.tokens.token()
        return await self._http.get(path, params=query, headers={"Authorization": f"Bearer {token}"})

    async def aclose(self) -> None:
        await self._http.aclose()


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "error"
