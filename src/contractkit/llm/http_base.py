"""What the HTTP adapters share: one httpx client, timeouts, and the mapping of wire failures.

Each vendor adapter (``openai_compat.py``, ``anthropic.py``, ``ollama.py``) only knows its own
payloads; how a refused connection, a 503, a 429 with Retry-After, a hang or a body that is not
JSON become :mod:`contractkit.llm.errors` is decided here, once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx

from contractkit.llm.base import LLMProvider, TierModels
from contractkit.llm.errors import (
    ProviderError,
    ProviderRateLimitError,
    ProviderResponseError,
    ProviderStreamError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)


class HTTPProvider(LLMProvider):
    """An adapter that talks to its provider over httpx with a connect/read timeout."""

    def __init__(self, tiers: TierModels, *, base_url: str, timeout_s: float = 10.0,
                 headers: Mapping[str, str] | None = None, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(tiers)
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            headers=dict(headers or {}),
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def post_json(self, path: str, payload: dict[str, Any], extra_headers: Mapping[str, str] | None = None
                        ) -> dict[str, Any]:
        """POST and return the JSON object answered, or raise the matching ProviderError."""
        try:
            response = await self._client.post(path, json=payload, headers=extra_headers)
            self.raise_for_status(response)
            body = response.json()
        except ProviderError:
            raise
        except httpx.TimeoutException:
            raise ProviderTimeoutError(f"no answer within {self.timeout_s}s", provider=self.name) from None
        except httpx.HTTPError as exc:
            raise ProviderUnavailableError(f"transport failure: {type(exc).__name__}", provider=self.name) from None
        except ValueError:
            raise ProviderResponseError("the answer is not JSON", provider=self.name) from None
        if not isinstance(body, dict):
            raise ProviderResponseError("the answer is not a JSON object", provider=self.name)
        return body

    @asynccontextmanager
    async def open_stream(self, path: str, payload: dict[str, Any],
                          extra_headers: Mapping[str, str] | None = None) -> AsyncIterator[httpx.Response]:
        """A streamed response whose status is already checked; failures before data are mapped."""
        request = self._client.build_request("POST", path, json=payload, headers=extra_headers)
        try:
            response = await self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise ProviderTimeoutError(f"no answer within {self.timeout_s}s", provider=self.name) from None
        except httpx.HTTPError as exc:
            raise ProviderUnavailableError(f"transport failure: {type(exc).__name__}", provider=self.name) from None
        try:
            if response.status_code >= 400:
                await response.aread()
                self.raise_for_status(response)
            yield response
        except ProviderError:
            raise
        except httpx.TimeoutException:
            raise ProviderStreamError("the stream stalled past the timeout", provider=self.name) from None
        except httpx.HTTPError as exc:
            raise ProviderStreamError(f"the stream broke: {type(exc).__name__}", provider=self.name) from None
        finally:
            await response.aclose()

    def raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status == 429:
            raise ProviderRateLimitError("the provider is rate limiting", provider=self.name,
                                         retry_after_s=_retry_after(response.headers.get("retry-after")))
        if status >= 500:
            raise ProviderUnavailableError(f"the provider answered {status}", provider=self.name, status=status)
        if status >= 400:
            raise ProviderUnavailableError(f"the provider refused the request ({status})", provider=self.name,
                                           status=status)


def load_json_frame(data: str, provider: str) -> dict[str, Any]:
    """One JSON object of a stream frame; anything else means the stream is broken."""
    try:
        frame = json.loads(data)
    except ValueError:
        raise ProviderStreamError("a stream frame is not JSON", provider=provider) from None
    if not isinstance(frame, dict):
        raise ProviderStreamError("a stream frame is not a JSON object", provider=provider)
    return frame


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
