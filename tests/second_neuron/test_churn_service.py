"""The churn service on its own, over real sockets: the promises its spec makes that the acceptance
tests rely on. When a verify run fails on the clean service, these say whether the service or the
kit is at fault."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import jwt
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from .conftest import CLIENT_ID
from .llm import PRICES, price

RISK = "/v2/customers/cus_3f1c9a07b2de/churn-risk?horizon_days=30"
REPLY = "/v2/conversations/conv-7f3a/reply"
PROMPT = {"prompt": "Which accounts are about to churn?"}


def token(http: httpx.Client, secret: str, scope: str, **extra: str) -> str:
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": secret, "scope": scope,
            "resource": "churn-api", **extra}
    answer = http.post("/oauth/token", data=form)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


@pytest.fixture
def http(churn_service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=churn_service.url, timeout=10) as client:
        yield client


def test_token_endpoint_is_client_secret_post_with_resource(http, client_secret) -> None:
    claims = jwt.decode(token(http, client_secret, "churn:read", resource="ledger-api", expires_in="5"),
                        options={"verify_signature": False})
    assert (claims["aud"], claims["scope"], claims["exp"] - claims["iat"]) == ("ledger-api", "churn:read", 5)
    basic = http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, client_secret))
    assert basic.status_code == 400 and basic.json()["error"] == "invalid_request"
    wrong = http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                            "client_secret": "nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


def test_auth_failures_are_401_or_403_with_bearer_challenges(http, client_secret) -> None:
    assert http.get(RISK).headers["www-authenticate"].startswith("Bearer")
    other = token(http, client_secret, "churn:read", resource="ledger-api")
    assert http.get(RISK, headers={"Authorization": f"Bearer {other}"}).status_code == 401
    short = token(http, client_secret, "churn:read", expires_in="1")
    time.sleep(1.5)
    expired = http.get(RISK, headers={"Authorization": f"Bearer {short}"})
    assert expired.status_code == 401 and 'error="invalid_token"' in expired.headers["www-authenticate"]
    talk = token(http, client_secret, "talk:write")
    forbidden = http.get(RISK, headers={"Authorization": f"Bearer {talk}"})
    assert forbidden.status_code == 403
    assert 'error="insufficient_scope", scope="churn:read"' in forbidden.headers["www-authenticate"]
    assert set(forbidden.json()) == {"error", "trace"}


def test_answers_are_priced_and_stream_equals_whole_answer(http, client_secret) -> None:
    auth = {"Authorization": f"Bearer {token(http, client_secret, 'talk:write')}"}
    whole = http.post(REPLY, json=PROMPT, headers=auth).json()
    assert whole["usage"]["cost_usd"] == price(whole["usage"]["tokens"], "mini")
    assert PRICES["mini"] and whole["degraded"] is False
    stream = http.post(REPLY + "/stream", json=PROMPT, headers=auth)
    events = [block.split("\n") for block in stream.text.strip().split("\n\n")]
    kinds = [lines[0].removeprefix("event: ") for lines in events]
    datas = [json.loads(lines[1].removeprefix("data: ")) for lines in events]
    assert kinds[0] == "open" and kinds[-1] == "complete" and set(kinds[1:-1]) == {"token"}
    assert "".join(d["t"] for d in datas[1:-1]) == whole["text"]
    assert datas[-1]["usage"] == whole["usage"]


def test_faults_degrade_then_readiness_recovers(http, client_secret) -> None:
    auth = {"Authorization": f"Bearer {token(http, client_secret, 'churn:read')}"}
    degraded = http.get(RISK, headers={**auth, "X-Chaos": "upstream-hang"})
    assert degraded.status_code == 200 and degraded.json()["degraded"] is True
    assert degraded.elapsed.total_seconds() < 3.0
    ready = http.get("/v2/readyz")
    assert ready.status_code == 503 and ready.headers["x-llm-state"] == "degraded" and ready.headers["retry-after"]
    offer = {"account": {"ref": "cus_3f1c9a07b2de"}, "tone": "warm"}
    unavailable = http.post("/v2/retention-offers", json=offer, headers={**auth, "X-Chaos": "upstream-5xx"})
    assert unavailable.status_code == 503 and unavailable.headers["retry-after"] == "7"
    assert http.post("/v2/retention-offers", json=offer, headers=auth).status_code == 201
    ready = http.get("/v2/readyz")
    assert ready.status_code == 200 and ready.json()["llm"]["state"] == "ok" and ready.headers["x-llm-state"] == "ok"
    unknown = http.get("/v2/customers/cus_000000000000/churn-risk?horizon_days=30", headers=auth)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_customer"


def test_websocket_login_failure_closes_4401_and_a_cut_turn_ends_failed(churn_service, http, client_secret) -> None:
    url = churn_service.url.replace("http", "ws", 1) + "/v2/live"
    with pytest.raises(ConnectionClosed) as closed, connect(url) as ws:
        ws.send(json.dumps({"op": "login", "bearer": token(http, client_secret, "churn:read")}))
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    with connect(url, additional_headers={"X-Chaos": "upstream-cut"}) as ws:
        ws.send(json.dumps({"op": "login", "bearer": token(http, client_secret, "talk:write")}))
        ws.send(json.dumps({"op": "ask", "prompt": "Which accounts are about to churn?"}))
        kinds = []
        while not kinds or kinds[-1] not in ("complete", "failed"):
            kinds.append(json.loads(ws.recv(timeout=5))["kind"])
    assert kinds == ["ready", "open", "token", "token", "token", "failed"]  # ready: the connection's frame


def test_websocket_takes_a_bearer_subprotocol_and_selects_its_own_protocol(churn_service, http, client_secret) -> None:
    url = churn_service.url.replace("http", "ws", 1) + "/v2/live"
    offered = ["churn.live.v2", "bearer." + token(http, client_secret, "talk:write")]
    with connect(url, subprotocols=offered) as ws:
        assert ws.subprotocol == "churn.live.v2"
        assert json.loads(ws.recv(timeout=5))["kind"] == "ready"
        ws.send(json.dumps({"op": "ask", "prompt": "Which accounts are about to churn?"}))
        kinds = []
        while not kinds or kinds[-1] not in ("complete", "failed"):
            kinds.append(json.loads(ws.recv(timeout=5))["kind"])
        assert kinds[0] == "open" and kinds[-1] == "complete"
        assert json.loads(ws.recv(timeout=5))["kind"] == "ping"  # between turns: the connection's, no turn's
    with pytest.raises(ConnectionClosed) as closed, connect(url, subprotocols=["churn.live.v2", "bearer.x.y.z"]) as ws:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_a_report_is_a_job_found_at_its_link(http, client_secret) -> None:
    auth = {"Authorization": f"Bearer {token(http, client_secret, 'churn:read')}"}
    accepted = http.post("/v2/churn-reports", json={"customer": "cus_3f1c9a07b2de"}, headers=auth)
    assert accepted.status_code == 202 and accepted.json()["state"] == "working"
    link = accepted.json()["links"]["self"]
    for _ in range(50):
        report = http.get(link, headers=auth).json()
        if report["state"] != "working":
            break
        time.sleep(0.1)
    assert report["state"] == "ready" and report["output"]["usage"]["tokens"] > 0
    assert http.get("/v2/churn-reports/rpt_ffffffffffff", headers=auth).status_code == 404
