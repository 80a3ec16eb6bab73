"""neuron/: the SSE stream, the WebSocket and usage."""

import pytest

from contractkit.conformance.neuron import streams, websocket


@pytest.mark.rule("NEU-SSE-001")
@pytest.mark.operations("stream")
def test_sse_event_schemas(neuron, operation):
    streams.sse_event_schemas(neuron, operation)


@pytest.mark.rule("NEU-SSE-002")
@pytest.mark.operations("stream")
def test_sse_frame_order(neuron, operation):
    streams.sse_order(neuron, operation)


@pytest.mark.rule("NEU-SSE-003")
@pytest.mark.operations("stream")
def test_sse_midstream_failure(neuron, operation):
    streams.sse_midstream_failure(neuron, operation)


@pytest.mark.rule("NEU-USE-001")
@pytest.mark.operations("ai")
def test_usage_priced(neuron, operation):
    streams.usage_priced(neuron, operation)


@pytest.mark.rule("NEU-USE-002")
@pytest.mark.operations("stream")
def test_stream_usage_consistent(neuron, operation):
    streams.stream_usage_consistent(neuron, operation)


@pytest.mark.rule("NEU-USE-002")
def test_websocket_usage_consistent(neuron):
    websocket.ws_usage_consistent(neuron)


@pytest.mark.rule("NEU-WS-001")
def test_websocket_auth(neuron):
    websocket.ws_auth(neuron)


@pytest.mark.rule("NEU-WS-002")
def test_websocket_frames(neuron):
    websocket.ws_frames(neuron)


@pytest.mark.rule("NEU-WS-003")
def test_websocket_midstream_failure(neuron):
    websocket.ws_midstream_failure(neuron)
