"""Bearer tokens as WebSocket subprotocols, and connection frames kept out of a turn."""

from __future__ import annotations

import base64

import contractkit.conformance.kinds  # noqa: F401  (the conformance package in its import order)
from contractkit.conformance.neuron.frames import grammar_problems
from contractkit.conformance.neuron.ws_shapes import (
    echoed_token,
    is_connection_frame,
    subprotocol_credentials,
    take_subprotocols,
    token_subprotocol,
)
from contractkit.conformance.redaction import redact
from contractkit.spec.neuron import StreamGrammar

K8S = {"methods": ["subprotocol"], "subprotocol": {"token_prefix": "base64url.bearer.authorization.k8s.io.",
                                                    "encoding": "base64url", "protocols": ["chat.v1"]}}


def test_the_token_is_written_as_the_spec_says_and_redacted():
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-test"
    offered = token_subprotocol(K8S, token)
    encoded = offered.removeprefix("base64url.bearer.authorization.k8s.io.")
    assert base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode() == token and "=" not in encoded
    assert encoded not in redact(f"Sec-WebSocket-Protocol: chat.v1, {offered}")
    plain = {"subprotocol": {"token_prefix": "bearer."}}
    assert token_subprotocol(plain, "abc") == "bearer.abc"
    assert token_subprotocol({}, "abc") is None and subprotocol_credentials({}, "abc") is None


def test_credentials_offer_the_real_protocols_first_and_leave_the_header_to_the_client():
    headers, messages, query = subprotocol_credentials(K8S, "t0k")
    assert messages == [] and query == {}
    rest, offered = take_subprotocols({"X-Other": "1", **headers})
    assert rest == {"X-Other": "1"} and offered[0] == "chat.v1" and offered[1].startswith("base64url.bearer.")
    assert take_subprotocols({"a": "b"}) == ({"a": "b"}, None)


def test_selecting_the_token_subprotocol_echoes_the_credential():
    assert echoed_token(K8S, "base64url.bearer.authorization.k8s.io.dDBr") is not None
    assert echoed_token(K8S, "chat.v1") is None and echoed_token(K8S, None) is None


def test_connection_frames_are_in_no_turn():
    grammar = StreamGrammar(("start",), ("delta",), ("done",), ("error",), connection=("ping", "session"))
    assert "ping" in grammar.names and is_connection_frame(grammar, "ping") and not is_connection_frame(grammar, "done")
    frames = [("session", {}), ("start", {}), ("ping", {}), ("delta", {}), ("done", {})]
    assert grammar_problems(frames, grammar) == []
    undeclared = [("hello", {}), ("start", {}), ("done", {})]
    assert grammar_problems(undeclared, grammar)  # a frame of no one's is still a turn's problem
