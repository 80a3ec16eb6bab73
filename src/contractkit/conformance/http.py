"""The suite's HTTP client: bounded reads, bounded time, pacing, and a record of every exchange.

A target under test may be hostile or broken: it may hang, trickle its answer a byte at a time,
answer garbage, send a huge body or reset connections. Every read here is capped (``max_body``),
and every request has a total deadline (``timeout``): not only per read, since a target that
sends one byte a second never trips a per-read timeout. The deadline is enforced in the socket
layer (``_DeadlineBackend``), so it also bounds the status line and headers. After
``max_consecutive_errors`` transport failures in a row the target is declared gone, once: that
decision is kept and every later request raises ``TargetUnreachableError`` at once instead of
waiting out its own timeout, so a run always ends in bounded time and memory.

Every request also draws on the run's spend budget (``contractkit.conformance.budget``): when
it has run out, ``request`` raises ``BudgetExhausted`` (a ``NotVerified``) and sends nothing.

Requests are paced below the target's declared rate limit, and a 429 is honoured by waiting its
``Retry-After`` and retrying once, so that the declared limit does not turn other checks into
noise. The rate-limit check itself sends with ``paced=False``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from contractkit.conformance.budget import SpendBudget
from contractkit.conformance.curl import curl_command
from contractkit.conformance.outcomes import Evidence
from contractkit.conformance.redaction import redact
from contractkit.errors import TargetUnreachableError

DEFAULT_MAX_BODY = 2 * 1024 * 1024
PROBE_MAX_BODY = 64 * 1024
MAX_CONSECUTIVE_ERRORS = 4
# Retry-After waits on 429, summed over the run: past this, a 429 is an answer like any other,
# so a target that answers 429 to everything cannot stretch a run to hours.
MAX_TOTAL_RETRY_WAIT_S = 60.0
_EXCERPT = 1500
# Connections open at once: enough for a rate-limit burst to have all of its requests in flight
# together (httpx's default of 100 would cap a burst below a limit of 100).
MAX_CONNECTIONS = 512


@dataclass
class Exchange:
    """One request and what came of it: a response, or the transport error that replaced it."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int | None = None
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    body: bytes = b""
    truncated: bool = False
    elapsed_s: float = 0.0
    error: str | None = None
    operation: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON, or raises ``ValueError``."""
        if self.truncated:
            raise ValueError(f"the body exceeded the suite's read cap of {len(self.body)} bytes")
        return json.loads(self.body)

    def json_or_none(self) -> Any:
        try:
            return self.json()
        except ValueError:
            return None

    def curl(self) -> str:
        return curl_command(self.method, self.url, self.request_headers, self.request_body)

    def describe_request(self) -> str:
        lines = [f"{self.method} {self.url}"]
        for name, value in self.request_headers.items():
            if name.lower() in {"authorization", "content-type", "accept"}:  # the rest is in the curl line
                lines.append(f"{name}: {value}")
        if self.request_body:
            lines.append(self.request_body[:_EXCERPT].decode("utf-8", errors="replace"))
        return redact("\n".join(lines))

    def describe_response(self) -> str:
        if self.error:
            return redact(f"no response: {self.error}")
        lines = [f"HTTP {self.status} ({self.elapsed_s * 1000:.0f} ms)"]
        for name in ("content-type", "www-authenticate", "retry-after", "x-request-id"):
            if name in self.headers:
                lines.append(f"{name}: {self.headers[name]}")
        excerpt = self.text[:_EXCERPT]
        if excerpt:
            lines.append(excerpt + ("...(truncated)" if len(self.body) > _EXCERPT or self.truncated else ""))
        return redact("\n".join(lines))

    def evidence(self, *notes: str) -> Evidence:
        return Evidence(self.describe_request(), self.describe_response(), self.curl(), [redact(n) for n in notes])


_DEADLINE = threading.local()


class deadline:
    """Every socket operation of this thread, inside the block, ends by ``seconds`` from now.

    httpx's timeouts bound each read and write; this bounds their sum. Nested blocks keep the
    earlier deadline.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._saved: float | None = None

    def __enter__(self) -> deadline:
        self._saved = getattr(_DEADLINE, "at", None)
        at = time.monotonic() + self.seconds
        _DEADLINE.at = at if self._saved is None else min(at, self._saved)
        return self

    def __exit__(self, *exc: object) -> None:
        _DEADLINE.at = self._saved


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` shortened to what is left of this thread's deadline; raises ``error`` when none is."""
    at = getattr(_DEADLINE, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the deadline of the exchange passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the calling thread's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname,
                                                      _bounded(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend with the calling thread's deadline on connect, read and write."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_tcp(host, port, _bounded(timeout, httpcore.ConnectTimeout),
                                                       local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(path, _bounded(timeout, httpcore.ConnectTimeout),
                                                               socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def bounded_client(timeout: float) -> httpx.Client:
    """An httpx client whose requests obey ``deadline`` blocks (proxies from the environment included)."""
    client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), follow_redirects=False,
                          limits=httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=32))
    for transport in [client._transport, *client._mounts.values()]:
        if transport is None:  # a NO_PROXY entry: served by client._transport
            continue
        pool = getattr(transport, "_pool", None)
        if pool is None or not hasattr(pool, "_network_backend"):
            raise RuntimeError("this httpx/httpcore version cannot bound a whole exchange; "
                               "contractkit needs httpx 0.28 with httpcore 1.x")
        pool._network_backend = _DeadlineBackend(pool._network_backend)
    return client


# What an operation that declares a deadline is given on top of it (at most; a short deadline gets
# itself again): the deadline is the target's promise, judged by NEU-FB-002; the suite waits longer,
# so that an answer in time is never cut off as a timeout (a busy machine or network adds to it).
DEADLINE_MARGIN_S = 5.0


def exchange_timeout(request_timeout: float, deadline_s: float | None) -> float:
    """The total time the suite gives one exchange with an operation: ``--request-timeout``, or its
    declared deadline plus a margin (the deadline again, at most ``DEADLINE_MARGIN_S``) when longer."""
    if not deadline_s or deadline_s <= 0:
        return request_timeout
    return max(request_timeout, deadline_s + min(deadline_s, DEADLINE_MARGIN_S))


class Pacer:
    """Keeps each (client, operation) key under a fraction of its declared rate.

    A sliding window: requests go out at full speed until ``fraction`` of the declared limit
    was sent within the last window, then wait for the oldest to leave it. Any fixed window of
    the target's limiter then sees at most that fraction.
    """

    def __init__(self, fraction: float = 0.8) -> None:
        self.fraction = fraction
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, key: str, requests: int | None, window_s: float | None) -> None:
        if not requests or not window_s:
            return
        budget = max(1, int(requests * self.fraction))
        while True:
            with self._lock:
                now = time.monotonic()
                sent = self._sent.setdefault(key, deque())
                while sent and sent[0] <= now - window_s:
                    sent.popleft()
                if len(sent) < budget:
                    sent.append(now)
                    return
                pause = sent[0] + window_s - now
            time.sleep(max(pause, 0.001))


class TargetClient:
    """Sends requests to one target; never raises for HTTP outcomes, only when the target is gone."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        max_body: int = DEFAULT_MAX_BODY,
        max_consecutive_errors: int = MAX_CONSECUTIVE_ERRORS,
        max_retry_after_s: float = 10.0,
        budget: SpendBudget | None = None,
        timeouts: Mapping[str, float] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.timeouts = dict(timeouts or {})  # per operation label (``exchange_timeout``)
        self.max_body = max_body
        self.max_consecutive_errors = max_consecutive_errors
        self.max_retry_after_s = max_retry_after_s
        self.budget = budget if budget is not None else SpendBudget()
        self.pacer = Pacer()
        self.exchanges = 0
        self.retry_wait_s = 0.0
        self._consecutive_errors = 0
        self._gone: str | None = None
        self._lock = threading.Lock()
        self._client = bounded_client(timeout)

    def close(self) -> None:
        self._client.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        token: str | None = None,
        operation: str | None = None,
        rate: tuple[int, float] | None = None,
        paced: bool = True,
        timeout: float | None = None,
    ) -> Exchange:
        send_headers = {"accept": "application/json, application/problem+json, text/event-stream"}
        if json_body is not None:
            content = json.dumps(json_body).encode()
            send_headers["content-type"] = "application/json"
        send_headers.update(headers or {})
        if token is not None:
            send_headers["authorization"] = f"Bearer {token}"
        for attempt in range(2):
            if paced and rate:
                self.pacer.wait(f"{operation or path}", rate[0], rate[1])
            exchange = self._send(method, path, send_headers, content, operation, timeout)
            if not (paced and attempt == 0 and exchange.status == 429):
                return exchange
            wait = self._retry_wait(exchange)
            if wait is None:
                return exchange
            time.sleep(wait)
        return exchange

    def _retry_wait(self, exchange: Exchange) -> float | None:
        """How long to honour this 429's Retry-After, or None once the run's waiting is used up."""
        asked = _retry_after(exchange.headers)
        wait = min(1.0 if asked is None else asked, self.max_retry_after_s)
        with self._lock:
            if self.retry_wait_s + wait > MAX_TOTAL_RETRY_WAIT_S:
                return None
            self.retry_wait_s += wait
        return wait

    def ensure_reachable(self) -> None:
        """Raise ``TargetUnreachableError`` if the run already decided that the target is gone."""
        if self._gone is not None:
            raise TargetUnreachableError(self._gone)

    def _send(
        self, method: str, path: str, headers: dict[str, str], content: bytes | None,
        operation: str | None, timeout: float | None,
    ) -> Exchange:
        self.ensure_reachable()
        self.budget.reserve(operation)  # BudgetExhausted (not verified): nothing is sent
        exchange = Exchange(method.upper(), self.url(path), dict(headers), content, operation=operation)
        limit = timeout or self.timeouts.get(operation or "", self.timeout)
        started = time.monotonic()
        kw: dict[str, Any] = {}
        if limit != self.timeout:
            kw["timeout"] = httpx.Timeout(limit, connect=min(limit, 5.0))
        try:
            with deadline(limit), self._client.stream(method, exchange.url, headers=headers, content=content,
                                                      **kw) as response:
                exchange.status = response.status_code
                exchange.headers = response.headers
                exchange.body, exchange.truncated = read_capped(response, self.max_body, started, limit)
        except httpx.TimeoutException:
            exchange.error = f"no complete answer within {limit:g} s"
        except (httpx.TransportError, httpx.DecodingError) as exc:
            exchange.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        finally:
            self.budget.settle(exchange)
        exchange.elapsed_s = time.monotonic() - started
        self._count(exchange, timed_out_on_purpose=timeout is not None and bool(exchange.error)
                    and exchange.error.startswith("no complete answer"))
        return exchange

    def count_transport(self, error: str | None) -> None:
        """Count the outcome of an exchange made outside this client (a WebSocket connection):
        ``error`` None when the target answered, else what went wrong. Raises
        ``TargetUnreachableError`` when this failure decides that the target is gone."""
        self._judge(error)

    def _count(self, exchange: Exchange, *, timed_out_on_purpose: bool = False) -> None:
        """Count transport failures in a row; a request given its own (longer) timeout that runs
        out, e.g. under an injected provider hang, is the check's finding, not a dead target."""
        with self._lock:
            self.exchanges += 1
        if not timed_out_on_purpose or exchange.error is None:
            self._judge(exchange.error)

    def _judge(self, error: str | None) -> None:
        with self._lock:
            if error is None:
                self._consecutive_errors = 0
                return
            self._consecutive_errors += 1
            if self._gone is None and self._consecutive_errors >= self.max_consecutive_errors:
                self._gone = (f"{self.base_url} stopped answering ({self.max_consecutive_errors} failed requests "
                              f"in a row; last: {redact(error)})")
        self.ensure_reachable()


def read_capped(response: httpx.Response, cap: int, started: float, budget_s: float) -> tuple[bytes, bool]:
    """Read at most ``cap`` bytes, and stop when the whole read exceeds ``budget_s`` (slow drip)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            return b"".join(chunks)[:cap], True
        if time.monotonic() - started > budget_s:
            raise httpx.ReadTimeout("body still arriving after the time budget")
    return b"".join(chunks), False


def _retry_after(headers: httpx.Headers) -> float | None:
    return retry_after_seconds(headers.get("retry-after"))


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` value in seconds: delay-seconds or an HTTP-date (RFC 9110 section 10.2.3);
    None when absent or neither."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    import datetime

    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


def probe(base_url: str, path: str = "", timeout: float = 10.0, headers: Mapping[str, str] | None = None) -> None:
    """Raise ``TargetUnreachableError`` unless something answers HTTP at ``base_url`` + ``path``
    within ``timeout`` (the whole answer, its body read up to 64 KiB)."""
    client = TargetClient(base_url, timeout=timeout, max_body=PROBE_MAX_BODY, max_consecutive_errors=10**6)
    try:
        exchange = client.request("GET", path, paced=False, headers=headers)
    finally:
        client.close()
    if exchange.error:
        raise TargetUnreachableError(f"{base_url} is not answering HTTP: {exchange.error}")
