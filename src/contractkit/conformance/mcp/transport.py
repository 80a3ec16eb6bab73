"""The HTTP transport under the SDK's client session: caps, 429 retries, and a record of traffic.

``Capped`` caps every answer (a JSON body or a whole event stream) and records, in ``Traffic``,
every HTTP error status and every byte received, so the client can tell what the SDK hides: an
error status it turned into a JSON-RPC error of its own, and an answer stream that kept a call
waiting with other messages. ``RetryOn429`` honours a 429's ``Retry-After`` (the suite's one
parser, ``http.retry_after_seconds``; a negative or unreadable value is treated as absent).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2

from contractkit.conformance.http import retry_after_seconds


@dataclass
class Traffic:
    """What the transport saw, for the calls to read: error statuses and bytes received, in order."""

    statuses: list[int] = field(default_factory=list)
    bytes_in: int = 0


MAX_MESSAGE_BYTES = 8 * 1024 * 1024  # one HTTP answer (a JSON body or a whole event stream) at most


class CappedStream(httpx2.AsyncByteStream):
    """A response body that raises once more than ``cap`` bytes arrived (a huge or endless answer)."""

    def __init__(self, inner: Any, cap: int, notes: list[str], traffic: Traffic) -> None:
        self.inner = inner
        self.cap = cap
        self.notes = notes
        self.traffic = traffic

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self.inner:
            seen += len(chunk)
            self.traffic.bytes_in += len(chunk)
            if seen > self.cap:
                # the SDK reports any transport error as "Connection closed": keep the reason
                self.notes.append(f"an answer exceeded the suite's cap of {self.cap} bytes")
                raise httpx2.ReadError(self.notes[-1])
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


class Capped(httpx2.AsyncBaseTransport):
    """Caps every answer's size, so a 50 MB body costs the run 8 MB, not the whole answer held by the
    SDK, and records every error status and every byte received in ``traffic``."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, notes: list[str], traffic: Traffic,
                 cap: int = MAX_MESSAGE_BYTES) -> None:
        self.inner = inner
        self.notes = notes
        self.traffic = traffic
        self.cap = cap

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        if response.status_code >= 400 and request.method == "POST":
            self.traffic.statuses.append(response.status_code)
        response.stream = CappedStream(response.stream, self.cap, self.notes, self.traffic)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class RetryOn429(httpx2.AsyncBaseTransport):
    def __init__(self, inner: httpx2.AsyncBaseTransport, max_wait_s: float = 10.0) -> None:
        self.inner = inner
        self.max_wait_s = max_wait_s

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        for _ in range(3):
            response = await self.inner.handle_async_request(request)
            if response.status_code != 429:
                return response
            asked = retry_after_seconds(response.headers.get("retry-after"))
            wait = 1.0 if asked is None else asked
            await response.aclose()
            await anyio.sleep(min(max(wait, 0.05), self.max_wait_s))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
