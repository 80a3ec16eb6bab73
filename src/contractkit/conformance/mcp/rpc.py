"""Raw JSON-RPC over streamable HTTP, for the rules that are about HTTP itself.

The SDK client hides status codes and headers, which is right for a client and wrong for a
conformance check of 401 challenges, Host validation or 429s. These helpers send one JSON-RPC
message with the suite's bounded, redacting ``TargetClient`` and read the answer whether it came
as ``application/json`` or as a ``text/event-stream``.
"""

from __future__ import annotations

import json
from typing import Any

from contractkit.conformance.http import Exchange
from contractkit.conformance.mcp.client import CallNotAllowed
from contractkit.conformance.mcp.refusal import unjudged
from contractkit.conformance.outcomes import NotVerified

ACCEPT = "application/json, text/event-stream"
PROBE_VERSION = "2025-11-25"


def initialize_message(version: str = PROBE_VERSION, request_id: int = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": "initialize",
            "params": {"protocolVersion": version, "capabilities": {},
                       "clientInfo": {"name": "contractkit-verify", "version": "1"}}}


def post(target: Any, message: Any, *, token: str | None = None, headers: dict[str, str] | None = None,
         query: str = "", session_id: str | None = None, version: str | None = None, paced: bool = True,
         operation: str | None = None, timeout: float | None = None) -> Exchange:
    """POST one JSON-RPC message. A ``tools/call`` passes the target's ``call_guard`` first (the
    safety policy and the tool's budget): one it refuses is not sent (``CallNotAllowed``)."""
    if isinstance(message, dict) and message.get("method") == "tools/call":
        guard = getattr(target, "call_guard", None)
        refused = guard(str((message.get("params") or {}).get("name"))) if guard else None
        if refused is not None:

            raise CallNotAllowed(refused)
    send = {**(getattr(target, "extra_headers", None) or {}), "accept": ACCEPT}
    if session_id:
        send["mcp-session-id"] = session_id
    if version:
        send["mcp-protocol-version"] = version
    send.update(headers or {})
    return target.http.request("POST", target.url + query, json_body=message, headers=send, token=token,
                               paced=paced, operation=operation or _label(message), timeout=timeout)


def answer(exchange: Exchange) -> dict[str, Any] | None:
    """The JSON-RPC response in the body (plain JSON or the last ``data:`` event), or None."""
    if exchange.content_type == "text/event-stream":
        found = None
        for line in exchange.text.splitlines():
            if line.startswith("data:"):
                try:
                    data = json.loads(line[5:].strip())
                except ValueError:
                    continue
                if isinstance(data, dict) and ("result" in data or "error" in data):
                    found = data
        return found
    data = exchange.json_or_none()
    return data if isinstance(data, dict) else None


def succeeded(exchange: Exchange) -> bool:
    """True when the server served the request: a 2xx with a JSON-RPC result."""
    if exchange.status is None or not 200 <= exchange.status < 300:
        return False
    reply = answer(exchange)
    return reply is not None and "result" in reply


def unserved(exchange: Exchange) -> str:
    """Why an answered request was not served, for a message: the JSON-RPC error it carried, or
    what came instead of a JSON-RPC answer ("" when it got no answer at all)."""
    if exchange.status is None:
        return ""
    reply = answer(exchange)
    if reply is not None and isinstance(reply.get("error"), dict):
        error = reply["error"]
        return f" (JSON-RPC error {error.get('code')}: {str(error.get('message'))[:160]})"
    if reply is None:
        cut = ", cut at the size cap" if exchange.truncated else ""
        return f" (no JSON-RPC answer in {len(exchange.body)} bytes of {exchange.content_type or 'no type'}{cut})"
    return ""


def open_session(target: Any, token: str | None, *, require: bool = False) -> tuple[str | None, str]:
    """Initialize over raw HTTP; returns (session id or None, negotiated version). ``require``:
    the session must be served (a positive control), else ``NotVerified`` saying what came back."""
    exchange = post(target, initialize_message(), token=token)
    reply = answer(exchange) or {}
    version = str((reply.get("result") or {}).get("protocolVersion") or PROBE_VERSION)
    session_id = exchange.headers.get("mcp-session-id")
    if require and not succeeded(exchange):

        raise unjudged(exchange, "initialize sent right (the positive control)") or NotVerified(
            f"positive control failed: initialize sent right got {exchange.status}, not a result")
    if succeeded(exchange):
        post(target, {"jsonrpc": "2.0", "method": "notifications/initialized"}, token=token,
             session_id=session_id, version=version)
    return session_id, version


def probe_session(target: Any, token: str | None, wait: float) -> tuple[Exchange, Exchange | None]:
    """A fresh session sent right, each request within ``wait``: (the ``initialize`` exchange, the
    ``ping`` in that session, or None when initialize was not served). The session is closed."""
    first = post(target, initialize_message(), token=token, paced=False, operation="initialize (liveness)",
                 timeout=wait)
    session_id = first.headers.get("mcp-session-id")
    try:
        if not succeeded(first):
            return first, None
        version = str(((answer(first) or {}).get("result") or {}).get("protocolVersion") or PROBE_VERSION)
        post(target, {"jsonrpc": "2.0", "method": "notifications/initialized"}, token=token, session_id=session_id,
             version=version, paced=False, timeout=wait)
        return first, post(target, {"jsonrpc": "2.0", "id": 2, "method": "ping"}, token=token, session_id=session_id,
                           version=version, paced=False, operation="ping (liveness)", timeout=wait)
    finally:
        if not first.error:
            close_session(target, token, session_id)


def close_session(target: Any, token: str | None, session_id: str | None) -> None:
    if session_id:
        headers = {"mcp-session-id": session_id}
        target.http.request("DELETE", target.url, headers=headers, token=token, paced=False)


def _label(message: Any) -> str:
    if isinstance(message, dict) and "method" in message:
        return str(message["method"])
    return "json-rpc"
