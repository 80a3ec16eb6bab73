"""The shapes beyond a JSON body (docs/extensions.md), served by the double from the spec: an async
job followed to its result, usage in headers, readiness degraded by status, WebSocket auth by a
bearer subprotocol, and the connection frames of a WebSocket."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from contractkit.double.auth import DEFAULT_SECRET
from contractkit.double.faults import FAULT_HEADER
from contractkit.spec.neuron import NeuronSpec

from .conftest import SPECS

CUSTOMER = "3f2b8c1e-5d4a-4c6b-9e2f-7a1d0c9b8e21"
CHURN_CUSTOMER = "cus_3f1c9a07b2de"
FOLLOW_FOR_S = 10.0


def _token(http: httpx.Client, path: str) -> str:
    answer = http.post(path, data={"grant_type": "client_credentials", "client_id": "engine",
                                   "client_secret": DEFAULT_SECRET})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


@pytest.fixture
def bundled(bundled_double):
    with httpx.Client(base_url=bundled_double.url, timeout=20) as http:
        http.headers["Authorization"] = "Bearer " + _token(http, "/_double/token")
        yield http


@pytest.fixture
def churn(churn_double):
    with httpx.Client(base_url=churn_double.url, timeout=20) as http:
        http.headers["Authorization"] = "Bearer " + _token(http, "/oauth/token")
        yield http


def _follow(http: httpx.Client, url: str, status_key: str, pending: set[str]) -> tuple[list[str], httpx.Response]:
    """The states a job answered until it left ``pending``, and its last answer."""
    states: list[str] = []
    stop = time.monotonic() + FOLLOW_FOR_S
    while True:
        answer = http.get(url)
        assert answer.status_code == 200, answer.text
        states.append(answer.json()[status_key])
        if states[-1] not in pending or time.monotonic() > stop:
            return states, answer
        time.sleep(0.1)


def test_a_job_is_followed_to_its_result_with_usage_in_headers(bundled: httpx.Client) -> None:
    spec = NeuronSpec.load(SPECS["bundled"])
    accepted = bundled.post("/account-reviews", json={"customer_id": CUSTOMER})
    assert accepted.status_code == 202
    location = accepted.headers["location"]  # job.location: header:Location
    assert location.startswith("/account-reviews/rev_")
    states, done = _follow(bundled, location, "status", {"queued", "running"})
    assert states[0] in ("queued", "running") and states[-1] == "succeeded", states
    assert not spec.errors({"$ref": "#/components/schemas/AccountReview"}, done.json())
    tokens, cost = int(done.headers["x-usage-tokens"]), float(done.headers["x-usage-cost-usd"])
    tier = done.headers["x-model-tier"]
    rate = spec.pricing["usd_per_1k_tokens"][tier]
    assert tokens > 0 and cost == pytest.approx(round(tokens / 1000 * rate, 6))
    assert done.headers["x-degraded"] == "false"
    # the job's id is the only one the double knows besides the spec's example
    assert bundled.get("/account-reviews/rev_unknownjob0001").status_code == 404
    assert bundled.get("/account-reviews/rev_example000001").json()["status"] == "succeeded"


def test_a_job_under_a_provider_fault_ends_degraded_by_its_header_marker(bundled: httpx.Client) -> None:
    accepted = bundled.post("/account-reviews", json={"customer_id": CUSTOMER},
                            headers={FAULT_HEADER: "provider_error"})
    assert accepted.status_code == 202
    states, done = _follow(bundled, accepted.headers["location"], "status", {"queued", "running"})
    assert states[-1] == "succeeded" and done.headers["x-degraded"] == "true"


def test_a_job_located_by_a_body_pointer(churn: httpx.Client) -> None:
    accepted = churn.post("/v2/churn-reports", json={"customer": CHURN_CUSTOMER})
    assert accepted.status_code == 202
    body = accepted.json()
    location = body["links"]["self"]  # job.location: /links/self
    assert location == f"/v2/churn-reports/{body['report']}"
    states, done = _follow(churn, location, "state", {"working"})
    assert states[-1] == "ready"
    output = done.json()["output"]
    assert output["usage"]["tokens"] > 0 and output["model"] == "pro"  # the usage pointers of the start operation


def test_usage_and_marker_in_response_headers(churn: httpx.Client) -> None:
    answer = churn.post("/v2/conversations/conv-7f3a/reply", json={"prompt": "Which accounts are about to churn?"})
    assert answer.status_code == 200, answer.text
    assert int(answer.headers["x-tokens-used"]) > 0
    assert float(answer.headers["x-cost-usd"]) >= 0
    assert answer.headers["x-model"] and answer.headers["x-churn-degraded"] == "false"


def test_readiness_degraded_by_status_and_header(churn: httpx.Client) -> None:
    assert churn.get("/v2/readyz").status_code == 200
    ready = churn.get("/v2/readyz")
    assert ready.status_code == 200 and ready.headers["x-llm-state"] == "ok"
    churn.post("/_double/faults", json={"fault": "provider_error", "operation": "reply", "count": 1})
    churn.post("/v2/conversations/conv-7f3a/reply", json={"prompt": "Which accounts are about to churn?"})
    degraded = churn.get("/v2/readyz")
    assert degraded.status_code == 503 and degraded.headers["x-llm-state"] == "degraded"
    assert int(degraded.headers["retry-after"]) >= 1


def _ws_url(server, path: str) -> str:
    return server.url.replace("http", "ws") + path


def test_websocket_auth_by_bearer_subprotocol(bundled_double, bundled: httpx.Client) -> None:
    token = bundled.headers["authorization"].partition(" ")[2]
    carried = "base64url.bearer.authorization.k8s.io." + base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")
    with connect(_ws_url(bundled_double, "/chat/ws"), subprotocols=["neuron.chat.v1", carried],
                 open_timeout=5) as ws:
        assert ws.subprotocol == "neuron.chat.v1"  # never the protocol that carries the token
        assert json.loads(ws.recv(timeout=5))["type"] == "session"
        ws.send(json.dumps({"type": "message", "message": "What next?"}))
        kinds = [json.loads(ws.recv(timeout=5))["type"]]
        while kinds[-1] not in ("done", "error"):
            kinds.append(json.loads(ws.recv(timeout=5))["type"])
    assert kinds[0] == "start" and kinds[-1] == "done" and "session" not in kinds
    forged = "base64url.bearer.authorization.k8s.io." + base64.urlsafe_b64encode(b"not.a.token").decode().rstrip("=")
    with connect(_ws_url(bundled_double, "/chat/ws"), subprotocols=["neuron.chat.v1", forged],
                 open_timeout=5) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)  # refused: closed with the failure code before any frame
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_connection_frames_are_sent_once_and_in_no_turn(churn_double, churn: httpx.Client) -> None:
    token = churn.headers["authorization"].partition(" ")[2]
    with connect(_ws_url(churn_double, "/v2/live"), subprotocols=["churn.live.v2", "bearer." + token],
                 open_timeout=5) as ws:
        assert ws.subprotocol == "churn.live.v2"
        first = [json.loads(ws.recv(timeout=5))["kind"] for _ in range(2)]
        assert first == ["ready", "ping"]  # x-stream.connection, in order
        for _ in range(2):
            ws.send(json.dumps({"op": "ask", "prompt": "Which accounts are about to churn?"}))
            kinds = [json.loads(ws.recv(timeout=5))["kind"]]
            while kinds[-1] not in ("complete", "failed"):
                kinds.append(json.loads(ws.recv(timeout=5))["kind"])
            assert kinds[0] == "open" and kinds[-1] == "complete"
            assert not {"ready", "ping"} & set(kinds)
