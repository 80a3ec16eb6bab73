"""The rate-limit rule: past the declared limit, 429 with Retry-After, then service again."""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from contractkit.conformance.http import bounded_client, deadline, retry_after_seconds
from contractkit.conformance.mcp import rpc
from contractkit.conformance.mcp.target import McpTarget
from contractkit.conformance.outcomes import Examined, NotVerified, Violation
from contractkit.conformance.registry import MCP_CHECKS


@MCP_CHECKS.register(
    "MCP-RATE-001", "past the declared rate limit: 429 with Retry-After, then service resumes",
    kind="burst", clause="mcp-servers.yaml servers[].rate_limit", tags=("burst",),
)
def check_rate_limit(target: McpTarget) -> Examined:
    """What it does: opens a session (the positive control: it must be served), then sends
    ``ping`` requests in it as fast as it can until it has sent the declared number plus half
    again within the window. At least one must be refused with 429 and a usable ``Retry-After``
    (delay-seconds or an HTTP date, never negative); after waiting that long, a request must be
    served again. A burst answered with anything but service and 429s (a 401, a 5xx, no answer)
    judges nothing: not verified.

    Why: a limit that is declared but not enforced lets one agent starve the others and engine/.
    """
    target.require_http("the rate limit")
    limit = target.contract.rate_limit
    if not limit:
        raise NotVerified("the spec declares no rate limit for this server")
    if target.options.no_rate_limit:
        raise NotVerified("skipped by --no-rate-limit")
    requests, window = int(limit["requests"]), float(limit["window_seconds"])
    token = target.caller_token()
    session_id, version = rpc.open_session(target, token, require=True)
    try:
        burst = requests + max(5, requests // 2)
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        headers = {**target.extra_headers, "accept": rpc.ACCEPT, "content-type": "application/json",
                   "mcp-protocol-version": version}
        if session_id:
            headers["mcp-session-id"] = session_id
        if token:
            headers["authorization"] = f"Bearer {token}"
        started = time.monotonic()
        with bounded_client(target.timeout) as http, ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: _status_only(http, target.url or "", headers, ping, target.timeout),
                                     range(burst)))
        elapsed = time.monotonic() - started
        limited = [s for s in statuses if s[0] == 429]
        served = [s for s in statuses if isinstance(s[0], int) and 200 <= s[0] < 300]
        refused = sorted({s[0] for s in statuses if isinstance(s[0], int) and s[0] >= 300 and s[0] != 429})
        unanswered = [s[0] for s in statuses if not isinstance(s[0], int)]
        if refused:
            raise NotVerified(f"the burst was answered with {', '.join(map(str, refused))} besides service and 429, "
                              "so whether the limit is enforced cannot be told")
        if not limited:
            dense = _most_in_one_window([s[2] for s in served], window)
            if dense > requests:
                raise Violation(f"{dense} requests sent and served within one {window:g} s window (limit {requests}; "
                                f"{len(served)} of {burst} served in {elapsed:.2f} s), none refused with 429",
                                operation="ping")
            if len(served) <= requests:
                raise NotVerified(f"unanswered: only {len(served)} of a burst of {burst} were answered "
                                  f"({len(unanswered)} got no answer, e.g. {unanswered[:1]}), not past the limit of "
                                  f"{requests}")
            raise NotVerified(f"could not send more than {requests} requests within {window:g} s (at most {dense}; "
                              f"the burst took {elapsed:.1f} s)")
        retry = limited[0][1]
        wait = retry_after_seconds(retry)
        if wait is None:
            raise Violation(f"429 without a usable Retry-After (got {retry!r}: neither delay-seconds nor an HTTP "
                            "date)", operation="ping")
        time.sleep(min(max(wait, 0.0), math.ceil(window) + 1) + 0.2)
        after = rpc.post(target, ping, token=token, session_id=session_id, version=version, paced=False)
        if after.status == 429:
            time.sleep(window)
            after = rpc.post(target, ping, token=token, session_id=session_id, version=version, paced=False)
        if not rpc.succeeded(after):
            raise Violation(f"after waiting Retry-After ({retry} s) the server still refuses: {after.status}",
                            operation="ping", evidence=after.evidence())
        return Examined(burst + 1, "requests", f"{len(limited)} of a burst of {burst} refused with 429 "
                        f"(Retry-After {retry}), then served again")
    finally:
        rpc.close_session(target, token, session_id)


def _status_only(http: httpx.Client, url: str, headers: dict[str, str], message: Any,
                 timeout: float) -> tuple[Any, Any, tuple[float, float]]:
    """(status, Retry-After, (sent, answered)) of one POST, without waiting for its body (an SSE
    answer may linger); the status line and headers within ``timeout`` in total (the suite's one
    exchange deadline)."""
    sent = time.monotonic()
    try:
        with deadline(timeout), http.stream("POST", url, json=message, headers=headers) as response:
            return response.status_code, response.headers.get("retry-after"), (sent, time.monotonic())
    except httpx.HTTPError as exc:
        return type(exc).__name__, None, (sent, time.monotonic())


def _most_in_one_window(spans: list[tuple[float, float]], window: float) -> int:
    """The most requests that surely reached the server within one ``window``: sent at or after its
    start and answered before its end (so a slow machine cannot make a burst look denser)."""
    return max((sum(1 for sent, answered in spans if start <= sent and answered <= start + window)
                for start, _ in spans), default=0)
