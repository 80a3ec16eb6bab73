"""/chat/ws: header, subprotocol or first-message auth, 1008 before any data on bad auth, 1013 on rate limit."""

from __future__ import annotations

import base64
import json

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

FRAME_SCHEMAS = {"start": "ChatStart", "delta": "ChatDelta", "done": "ChatDone", "error": "ChatError"}


def ws_url(stack) -> str:
    return stack.neuron_url.replace("http://", "ws://") + "/chat/ws"


def turn(ws, message: dict) -> list[dict]:
    """One turn's frames; the connection's session frame (sent once, before the first turn) is no part of it."""
    ws.send(json.dumps(message))
    frames = []
    while True:
        frame = json.loads(ws.recv(timeout=20))
        if frame["type"] == "session":
            continue
        frames.append(frame)
        if frame["type"] in {"done", "error"}:
            return frames


def check_turn(contract, frames: list[dict]) -> None:
    assert frames[0]["type"] == "start"
    assert [f["type"] for f in frames].count("done") + [f["type"] for f in frames].count("error") == 1
    for frame in frames:
        assert not [e.message for e in contract.validator(FRAME_SCHEMAS[frame["type"]]).iter_errors(frame)]
    indexes = [f["index"] for f in frames if f["type"] == "delta"]
    assert indexes == list(range(len(indexes)))


def closed_before_data(ws) -> ConnectionClosed:
    with pytest.raises(ConnectionClosed) as info:
        ws.recv(timeout=10)
    return info.value


def test_header_auth_and_two_turns(stack, contract, auth):
    with connect(ws_url(stack), additional_headers=auth(["neuron.chat"])) as ws:
        first = turn(ws, {"type": "message", "message": "What next for Acme?", "conversation_id": "conv-1"})
        second = turn(ws, {"type": "message", "message": "And for Globex?", "model_tier": "balanced"})
    for frames in (first, second):
        check_turn(contract, frames)
        assert frames[-1]["type"] == "done" and frames[-1]["fallback"] is False
        assert frames[-1]["token_count"] > 0
    assert first[0]["conversation_id"] == "conv-1"
    assert second[0]["model_tier"] == "balanced"
    assert second[-1]["cost_usd"] == round(second[-1]["token_count"] / 1000 * contract.pricing["balanced"], 6)


def test_first_message_auth(stack, contract, client_id):
    with connect(ws_url(stack)) as ws:
        ws.send(json.dumps({"type": "auth", "token": stack.token(["neuron.chat"], client_id=client_id)}))
        frames = turn(ws, {"type": "message", "message": "hello"})
    check_turn(contract, frames)


@pytest.mark.parametrize(("how", "reason"), [
    ("bad_header", "invalid_token"),
    ("no_scope_header", "insufficient_scope"),
    ("bad_first_message", "invalid_token"),
    ("no_scope_first_message", "insufficient_scope"),
    ("message_before_auth", "unauthorized"),
    ("garbage_before_auth", "unauthorized"),
])
def test_bad_auth_closes_1008_before_any_data(stack, client_id, how, reason):
    no_scope = stack.token(["neuron.suggest"], client_id=client_id)
    headers = {"bad_header": {"Authorization": "Bearer nope.nope.nope"},
               "no_scope_header": {"Authorization": f"Bearer {no_scope}"}}.get(how)
    with connect(ws_url(stack), additional_headers=headers) as ws:
        if how == "bad_first_message":
            ws.send(json.dumps({"type": "auth", "token": "nope.nope.nope"}))
        elif how == "no_scope_first_message":
            ws.send(json.dumps({"type": "auth", "token": no_scope}))
        elif how == "message_before_auth":
            ws.send(json.dumps({"type": "message", "message": "hi"}))
        elif how == "garbage_before_auth":
            ws.send("not json")
        closed = closed_before_data(ws)
    assert closed.rcvd.code == 1008
    assert closed.rcvd.reason == reason
    assert "nope" not in closed.rcvd.reason and no_scope not in closed.rcvd.reason


def test_no_auth_within_the_spec_timeout_closes_1008(tight_stack):
    with connect(ws_url(tight_stack)) as ws:
        closed = closed_before_data(ws)
    assert (closed.rcvd.code, closed.rcvd.reason) == (1008, "unauthorized")


def test_rate_limit_closes_1013(tight_stack, contract):
    token = tight_stack.token(["neuron.chat"], client_id="ws-limited")
    with connect(ws_url(tight_stack), additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        check_turn(contract, turn(ws, {"type": "message", "message": "one"}))
        check_turn(contract, turn(ws, {"type": "message", "message": "two"}))
        ws.send(json.dumps({"type": "message", "message": "three"}))
        closed = closed_before_data(ws)
    assert (closed.rcvd.code, closed.rcvd.reason) == (1013, "rate_limited")


def test_invalid_message_gets_one_error_frame_and_the_socket_stays_usable(stack, contract, auth):
    with connect(ws_url(stack), additional_headers=auth(["neuron.chat"])) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "session"
        ws.send(json.dumps({"type": "message"}))
        error = json.loads(ws.recv(timeout=10))
        assert error["type"] == "error" and error["code"] == "validation_error" and error["retryable"] is False
        assert not list(contract.validator("ChatError").iter_errors(error))
        check_turn(contract, turn(ws, {"type": "message", "message": "still there?"}))


def test_oversized_message_closes_1009(stack, auth):
    with connect(ws_url(stack), additional_headers=auth(["neuron.chat"]), max_size=None) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "session"
        ws.send(json.dumps({"type": "message", "message": "x" * 70_000}))
        closed = closed_before_data(ws)
    assert closed.rcvd.code == 1009


def test_provider_failure_mid_stream_is_an_error_frame(stack, contract, auth):
    headers = {**auth(["neuron.chat"]), "X-Fault-Inject": "stream_interrupted"}
    with connect(ws_url(stack), additional_headers=headers) as ws:
        frames = turn(ws, {"type": "message", "message": "hello"})
    check_turn(contract, frames)
    assert frames[-1]["type"] == "error" and frames[-1]["code"] == "provider_unavailable"


def test_provider_failure_before_tokens_is_a_degraded_done(stack, contract, auth):
    stack.arm_fault("error_5xx", 1)
    try:
        with connect(ws_url(stack), additional_headers=auth(["neuron.chat"])) as ws:
            frames = turn(ws, {"type": "message", "message": "hello"})
    finally:
        stack.clear_faults()
    check_turn(contract, frames)
    assert frames[-1]["type"] == "done" and frames[-1]["fallback"] is True


def _bearer_subprotocol(token: str) -> str:
    return "base64url.bearer.authorization.k8s.io." + base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def test_subprotocol_auth_selects_the_real_protocol_and_starts_with_a_session_frame(stack, contract, client_id):
    token = stack.token(["neuron.chat"], client_id=client_id)
    with connect(ws_url(stack), subprotocols=["neuron.chat.v1", _bearer_subprotocol(token)]) as ws:
        assert ws.subprotocol == "neuron.chat.v1"
        session = json.loads(ws.recv(timeout=10))
        frames = turn(ws, {"type": "message", "message": "hello"})
    assert session["type"] == "session" and not list(contract.validator("ChatSession").iter_errors(session))
    check_turn(contract, frames)


@pytest.mark.parametrize("token", ["nope.nope.nope", "%%%"])
def test_a_bad_subprotocol_token_closes_1008_before_any_data(stack, token):
    offered = ["neuron.chat.v1", _bearer_subprotocol(token) if token != "%%%" else
               "base64url.bearer.authorization.k8s.io.%%%"]
    with connect(ws_url(stack), subprotocols=offered) as ws:
        closed = closed_before_data(ws)
    assert closed.rcvd is not None and closed.rcvd.code == 1008
