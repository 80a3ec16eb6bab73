"""POST /chat/stream: declared frames only, one terminal frame with usage, error frame mid-stream."""

from __future__ import annotations

import httpx
from httpx_sse import connect_sse
from neuron_helpers import sse_frames

from contractkit.llm import EmbeddedProvider
from contractkit.reference.neuron.answers import chat_messages

FRAME_SCHEMAS = {"start": "ChatStart", "delta": "ChatDelta", "done": "ChatDone", "error": "ChatError"}


def stream(http: httpx.Client, headers: dict[str, str], body: dict | None = None) -> tuple[httpx.Response, list]:
    with http.stream("POST", "/chat/stream", json=body or {"message": "What next for Acme?"}, headers=headers) as r:
        text = r.read().decode()
    return r, sse_frames(text)


def check_frames(contract, frames: list) -> None:
    events = [e for e, _ in frames]
    assert events[0] == "start"
    assert sum(e in {"done", "error"} for e in events) == 1 and events[-1] in {"done", "error"}
    for event, data in frames:
        assert event in FRAME_SCHEMAS, event
        assert data["type"] == event
        assert not [e.message for e in contract.validator(FRAME_SCHEMAS[event]).iter_errors(data)]
    indexes = [d["index"] for e, d in frames if e == "delta"]
    assert indexes == list(range(len(indexes)))


def test_stream_frames_are_declared_valid_and_end_with_one_done(http, contract, auth):
    response, frames = stream(http, auth(), {"message": "What next for Acme?", "conversation_id": "c-1"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    check_frames(contract, frames)
    start, done = frames[0][1], frames[-1][1]
    assert start["request_id"] == response.headers["x-request-id"]
    assert start["conversation_id"] == "c-1"
    assert done["fallback"] is False
    text = "".join(d["text"] for e, d in frames if e == "delta")
    expected = EmbeddedProvider().answer(chat_messages("What next for Acme?"), "lightweight")
    assert text == expected.text
    assert done["token_count"] == expected.usage.total_tokens
    assert done["cost_usd"] == round(done["token_count"] / 1000 * contract.pricing["lightweight"], 6)


def test_stream_usage_matches_the_whole_chat_answer(http, auth):
    whole = http.post("/chat", json={"message": "Summarize Globex"}, headers=auth()).json()
    _, frames = stream(http, auth(), {"message": "Summarize Globex"})
    assert frames[-1][1]["token_count"] == whole["token_count"]
    assert "".join(d["text"] for e, d in frames if e == "delta") == whole["reply"]


def test_httpx_sse_reads_the_stream(stack, auth):
    with httpx.Client(base_url=stack.neuron_url, timeout=30) as client, connect_sse(
            client, "POST", "/chat/stream", json={"message": "hi"}, headers=auth()) as source:
        events = [sse.event for sse in source.iter_sse()]
    assert events[0] == "start" and events[-1] == "done"


def test_provider_breaking_mid_stream_ends_with_an_error_frame(stack, http, contract, auth):
    stack.arm_fault("truncated_stream", 1)
    try:
        _, frames = stream(http, auth())
    finally:
        stack.clear_faults()
    check_frames(contract, frames)
    error = frames[-1][1]
    assert frames[-1][0] == "error" and error["code"] == "provider_unavailable" and error["retryable"] is True
    assert any(e == "delta" for e, _ in frames), "tokens came before the failure"
    assert error["token_count"] > 0
    assert error["cost_usd"] == round(error["token_count"] / 1000 * contract.pricing["lightweight"], 6)


def test_injected_stream_interruption_is_the_same_error_frame(http, contract, auth):
    _, frames = stream(http, {**auth(), "X-Fault-Inject": "stream_interrupted"})
    check_frames(contract, frames)
    assert frames[-1][0] == "error" and frames[-1][1]["code"] == "provider_unavailable"
    assert sum(e == "delta" for e, _ in frames) >= 1


def test_failure_before_the_first_token_streams_the_degraded_reply(http, contract, auth):
    _, frames = stream(http, {**auth(), "X-Fault-Inject": "provider_error"})
    check_frames(contract, frames)
    assert frames[-1][0] == "done" and frames[-1][1]["fallback"] is True


def test_slow_tokens_within_the_timeout_still_complete(stack, http, contract, auth):
    stack.arm_fault("slow_tokens", 1)
    try:
        _, frames = stream(http, auth(), {"message": "hi"})
    finally:
        stack.clear_faults()
    check_frames(contract, frames)
    assert frames[-1][0] == "done" and frames[-1][1]["fallback"] is False


def test_a_bug_mid_stream_still_ends_with_one_terminal_frame(contract):
    from contractkit.llm import EmbeddedProvider
    from contractkit.reference.neuron import NeuronSettings, create_neuron_app
    from contractkit.reference.token_issuer.issuer import TokenIssuer
    from contractkit.servers import serving

    class BuggyProvider(EmbeddedProvider):
        async def stream(self, messages, tier, *, max_tokens=512):
            yield await anext(super().stream(messages, tier, max_tokens=max_tokens))
            raise KeyError("/srv/secret/path.py")

    issuer = TokenIssuer()
    app = create_neuron_app(NeuronSettings(public_keys={issuer.key.kid: issuer.key.private_key.public_key()},
                                           provider=BuggyProvider()))
    with serving(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        _, frames = stream(http, {"Authorization": f"Bearer {issuer.mint('c', ['neuron.chat'], 'neuron-api')}"})
    check_frames(contract, frames)
    assert frames[-1][1]["code"] == "internal_error"
    assert "secret" not in str(frames)
