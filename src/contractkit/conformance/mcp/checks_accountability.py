"""Limits and accountability: rate limit, audit log, and the server's own service token."""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import httpx

from contractkit.conformance.mcp import rpc
from contractkit.conformance.mcp.target import McpTarget
from contractkit.conformance.outcomes import Evidence, NotVerified, Violation
from contractkit.conformance.redaction import REDACTOR
from contractkit.conformance.registry import MCP_CHECKS

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+")
_MAX_AUDIT_BYTES = 8 * 1024 * 1024


@MCP_CHECKS.register(
    "MCP-RATE-001", "past the declared rate limit: 429 with Retry-After, then service resumes",
    clause="mcp-servers.yaml servers[].rate_limit", tags=("burst",),
)
def check_rate_limit(target: McpTarget) -> None:
    """What it does: in one session, sends ``ping`` requests as fast as it can until it has sent
    the declared number plus half again within the window. At least one must be refused with 429
    and a ``Retry-After``; after waiting that long, a request must be served again.

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
    session_id, version = rpc.open_session(target, token)
    try:
        burst = requests + max(5, requests // 2)
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        headers = {"accept": rpc.ACCEPT, "content-type": "application/json", "mcp-protocol-version": version}
        if session_id:
            headers["mcp-session-id"] = session_id
        if token:
            headers["authorization"] = f"Bearer {token}"
        started = time.monotonic()
        with httpx.Client(timeout=target.timeout) as http, ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: _status_only(http, target.url or "", headers, ping), range(burst)))
        elapsed = time.monotonic() - started
        limited = [s for s in statuses if s[0] == 429]
        if not limited:
            if elapsed > window:
                raise NotVerified(f"could not send {burst} requests within {window:g} s (took {elapsed:.1f} s)")
            raise Violation(f"{burst} requests in {elapsed:.2f} s (limit {requests} per {window:g} s) were all "
                            f"served (statuses {sorted({s[0] for s in statuses}, key=str)})", operation="ping")
        retry = limited[0][1]
        try:
            wait = float(retry or "")
        except ValueError:
            raise Violation(f"429 without a usable Retry-After (got {retry!r})", operation="ping") from None
        time.sleep(min(max(wait, 0.0), math.ceil(window) + 1) + 0.2)
        after = rpc.post(target, ping, token=token, session_id=session_id, version=version, paced=False)
        if after.status == 429:
            time.sleep(window)
            after = rpc.post(target, ping, token=token, session_id=session_id, version=version, paced=False)
        if not rpc.succeeded(after):
            raise Violation(f"after waiting Retry-After ({retry} s) the server still refuses: {after.status}",
                            operation="ping", evidence=after.evidence())
    finally:
        rpc.close_session(target, token, session_id)


def _status_only(http: httpx.Client, url: str, headers: dict[str, str], message: Any) -> tuple[Any, Any]:
    """(status, Retry-After) of one POST, without waiting for its body (an SSE answer may linger)."""
    try:
        with http.stream("POST", url, json=message, headers=headers) as response:
            return response.status_code, response.headers.get("retry-after")
    except httpx.HTTPError as exc:
        return type(exc).__name__, None


def _sample_calls(target: McpTarget) -> list[tuple[str, dict[str, Any]]]:
    """One valid call per offered declared tool (its first example, else generated arguments)."""
    offered = target.listed_tools()
    calls = []
    for tool in target.contract.tools:
        if tool.name in offered:
            args = target.valid_arguments(tool, 1)
            if args:
                calls.append((tool.name, args[0]))
    if not calls:
        raise NotVerified("the server offers none of the declared tools")
    return calls


def _attempt(target: McpTarget, name: str, args: Any) -> bool:
    """Call a tool for its side effects (audit records, engine/ requests); True if it succeeded.

    How the call ends is not judged here (other checks do), only noted.
    """
    from contractkit.conformance.mcp.client import CallTimeout, SessionLost

    try:
        return not target.client().call_tool(name, args).is_error
    except (CallTimeout, SessionLost):
        target.drop_client()
    except Exception:  # a JSON-RPC error: the call was still made
        pass
    return False


def _read_from(path: Any, offset: int) -> str:
    with open(path, "rb") as fh:
        fh.seek(offset)
        return fh.read(_MAX_AUDIT_BYTES).decode("utf-8", errors="replace")


def _audit_setup(target: McpTarget) -> Any:
    audit = target.contract.audit or {}
    if not audit.get("required"):
        raise NotVerified("the spec does not require an audit log for this server")
    path = target.options.audit_log
    if path is None:
        raise NotVerified("no audit log given (--audit-log PATH)")
    if not path.exists():
        raise NotVerified(f"the audit log {path} does not exist")
    return path


@MCP_CHECKS.register(
    "MCP-AUDIT-001", "every tool call is in the audit log once, with the declared fields",
    clause="mcp-servers.yaml servers[].audit_log (fields, format jsonl)", tags=("audit",),
)
def check_audit_complete(target: McpTarget) -> None:
    """What it does: notes the end of the audit log, calls every declared tool once with valid
    arguments and once more with invalid ones, then reads the new records: each call must appear
    exactly once (matched by tool and arguments), as one JSON object per line carrying every
    field the spec lists, with a parseable time, a non-negative duration, an outcome that tells
    the refused call from the successful ones and, over HTTP, the suite's client id as caller.

    Why: an audit trail with gaps cannot answer "who read this customer's record".
    """
    path = _audit_setup(target)
    fields = list((target.contract.audit or {}).get("fields") or ["time", "caller", "tool", "outcome"])
    calls = _sample_calls(target)
    from contractkit.conformance.mcp.generate import invalid_arguments

    first = target.contract.tool(calls[0][0])
    bad = invalid_arguments(first.parameters, [calls[0][1]], 1) if first else []
    calls += [(calls[0][0], args) for _, args in bad]
    offset = path.stat().st_size
    succeeded = [_attempt(target, name, args) for name, args in calls]
    problems: list[str] = []
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + 3.0
    while True:
        text = _read_from(path, offset)
        records, problems = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                problems.append(f"new line {number} is not JSON: {line[:120]!r}")
                continue
            if isinstance(record, dict):
                records.append(record)
        missing = [c for c in calls if _matches(records, *c) < 1]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    expected_caller = target.credentials.client_id if (target.needs_token and target.credentials) else None
    for name, args in calls:
        matching = [r for r in records if _same_call(r, name, args)]
        want = sum(1 for c in calls if c == (name, args))
        if len(matching) != want:
            problems.append(f"{name} {json.dumps(args)[:120]}: {len(matching)} audit record(s), expected {want}")
            continue
        for record in matching:
            absent = [f for f in fields if f not in record]
            if absent:
                problems.append(f"{name}: record lacks {absent}")
            if "time" in fields and not _is_time(record.get("time")):
                problems.append(f"{name}: time {record.get('time')!r} is not an ISO 8601 timestamp")
            if expected_caller and "caller" in fields and expected_caller not in str(record.get("caller")):
                problems.append(f"{name}: caller is {record.get('caller')!r}, not the suite's {expected_caller!r}")
            duration = record.get("duration_ms")
            if "duration_ms" in fields and not (isinstance(duration, int | float) and duration >= 0):
                problems.append(f"{name}: duration_ms is {duration!r}, not a non-negative number")
    if "outcome" in fields and bad:
        good_outcomes = {str(r.get("outcome")) for c, ok in zip(calls, succeeded, strict=True) if ok
                         for r in records if _same_call(r, *c)}
        bad_outcomes = {str(r.get("outcome")) for c, ok in zip(calls[-len(bad):], succeeded[-len(bad):], strict=True)
                        if not ok for r in records if _same_call(r, *c)}
        if good_outcomes and bad_outcomes and bad_outcomes <= good_outcomes:
            problems.append(f"the refused call is recorded with the same outcome as successful ones "
                            f"({sorted(bad_outcomes)})")
    if problems:
        raise Violation("; ".join(problems[:6]), operation="audit log",
                        evidence=Evidence(notes=[f"audit log: {path}", f"new records read: {len(records)}"]))


def _same_call(record: dict[str, Any], tool: str, args: dict[str, Any]) -> bool:
    recorded = record.get("arguments")
    if isinstance(recorded, str):
        try:
            recorded = json.loads(recorded)
        except ValueError:
            return False
    return record.get("tool") == tool and recorded == args


def _matches(records: list[dict[str, Any]], tool: str, args: dict[str, Any]) -> int:
    return sum(1 for r in records if _same_call(r, tool, args))


def _is_time(value: Any) -> bool:
    if not isinstance(value, str):
        return isinstance(value, int | float) and value > 0
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@MCP_CHECKS.register(
    "MCP-AUDIT-002", "the audit log holds no secrets",
    clause="mcp-servers.yaml servers[].audit_log.redact", tags=("audit",),
)
def check_audit_redaction(target: McpTarget) -> None:
    """What it does: calls a tool with an extra ``password`` argument carrying a canary value,
    then scans the audit log for the canary, the tokens the suite presented, the client secret
    and anything shaped like a JWT. None may appear.

    Why: an audit log is read by more people than the secrets it might capture.
    """
    path = _audit_setup(target)
    name, args = _sample_calls(target)[0]
    canary = "ck-canary-" + hashlib.sha256(str(time.time()).encode()).hexdigest()[:16]
    _attempt(target, name, {**args, "password": canary})
    time.sleep(0.3)
    size = path.stat().st_size
    text = _read_from(path, max(0, size - _MAX_AUDIT_BYTES))
    leaks = []
    if canary in text:
        leaks.append("the value of a 'password' argument")
    secrets = set(target.presented) | set(REDACTOR.secrets)
    if any(s and s in text for s in secrets):
        leaks.append("a token or client secret the suite used")
    if _JWT.search(text):
        leaks.append("a JWT-shaped string")
    if leaks:
        raise Violation(f"the audit log contains {', '.join(leaks)}", operation="audit log",
                        evidence=Evidence(notes=[f"audit log: {path}"]))


def _engine_receipts(target: McpTarget) -> list[dict[str, Any]]:
    """Clear the engine double's receipts, call every tool once, and return what it received."""
    base = (target.options.engine_double or "").rstrip("/")
    if not base:
        raise NotVerified("no engine double given (--engine-double URL): what the server sends engine/ is unseen")
    try:
        httpx.delete(base + "/_double/received", timeout=target.timeout).raise_for_status()
        for name, args in _sample_calls(target):
            _attempt(target, name, args)
        response = httpx.get(base + "/_double/received", timeout=target.timeout)
        response.raise_for_status()
        receipts = response.json()["receipts"]
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise NotVerified(f"the engine double at {base} did not answer as expected: {type(exc).__name__}") from None
    if not receipts:
        raise NotVerified(f"the server made no call to the engine double at {base}: is it pointed there?")
    return receipts


@MCP_CHECKS.register(
    "MCP-SVC-001", "engine/ is called with a service token of exactly the declared scopes",
    clause="mcp-servers.yaml servers[].service_token (scopes, audience)", tags=("service-token",),
)
def check_service_token_scopes(target: McpTarget) -> None:
    """What it does: with the server pointed at the kit's engine double, calls each tool and reads
    what the double received: every request must carry a valid token for the declared audience
    whose scopes are exactly the declared ``service_token.scopes``, no more, no fewer.

    Why: least privilege. A server holding more of engine/ than it needs turns any of its bugs
    into a bigger breach.
    """
    declared = target.contract.service_token_scopes
    if declared is None:
        raise NotVerified("the spec declares no service_token for this server")
    receipts = _engine_receipts(target)
    problems = []
    for r in receipts:
        if r.get("client_id") is None:
            problems.append(f"{r.get('method')} {r.get('path')}: no valid service token ({r.get('outcome')})")
            continue
        scopes = sorted(r.get("scopes") or [])
        if set(scopes) != set(declared):
            problems.append(f"{r.get('path')}: token scopes {scopes}, declared {sorted(declared)}")
        audience = target.contract.service_token_audience
        if audience and r.get("audience") != audience:
            problems.append(f"{r.get('path')}: token audience {r.get('audience')!r}, declared {audience!r}")
    if problems:
        raise Violation("; ".join(sorted(set(problems))[:5]), operation="service token",
                        evidence=Evidence(notes=[f"{len(receipts)} request(s) received by the engine double"]))


@MCP_CHECKS.register(
    "MCP-SVC-002", "the caller's token is never passed through to engine/",
    clause="MCP authorization: token passthrough is forbidden; mcp-servers.yaml service_token", tags=("service-token",),
)
def check_no_passthrough(target: McpTarget) -> None:
    """What it does: with the server pointed at the kit's engine double, calls each tool with the
    suite's token and checks that no request the double received carried that token (compared by
    SHA-256 fingerprint) or the suite's client identity.

    Why: passing the caller's token upstream makes the MCP server a confused deputy and bypasses
    engine/'s own audience and scope checks.
    """
    if not target.needs_token:
        raise NotVerified("the suite presents no token to this server (stdio or no bearer auth), "
                          "so there is nothing that could be passed through")
    target.caller_token()
    receipts = _engine_receipts(target)
    prints = {hashlib.sha256(t.encode()).hexdigest() for t in target.presented}
    caller = target.credentials.client_id if target.credentials else None
    passed = [r for r in receipts if r.get("token_sha256") in prints or (caller and r.get("client_id") == caller)]
    if passed:
        raise Violation(f"{len(passed)} request(s) to engine/ carried the caller's token or identity "
                        f"(e.g. {passed[0].get('method')} {passed[0].get('path')})", operation="service token")
