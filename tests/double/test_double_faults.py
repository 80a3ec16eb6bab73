"""Each fault of the double, seen from a consumer's side over real HTTP and WebSocket connections,
and the record it keeps of what the consumer did."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from contractkit.double.auth import DEFAULT_SECRET
from contractkit.double.faults import FAULT_HEADER, FaultPlan, parse_fault_rates
from contractkit.errors import ConfigError
from contractkit.spec.neuron import NeuronSpec

from .conftest import CHURN_SPEC, SPECS

CUSTOMER = "3f2b8c1e-5d4a-4c6b-9e2f-7a1d0c9b8e21"  # the bundled spec's example
CHURN_CUSTOMER = "cus_3f1c9a07b2de"


def _token(http: httpx.Client, path: str) -> dict[str, str]:
    answer = http.post(path, data={"grant_type": "client_credentials", "client_id": "engine",
                                   "client_secret": DEFAULT_SECRET})
    assert answer.status_code == 200, answer.text
    return {"Authorization": "Bearer " + answer.json()["access_token"]}


@pytest.fixture
def bundled(bundled_double):
    with httpx.Client(base_url=bundled_double.url, timeout=20) as http:
        http.headers.update(_token(http, "/_double/token"))
        yield http


def test_the_spec_decides_entities_auth_and_bodies(churn_double) -> None:
    spec = NeuronSpec.load(CHURN_SPEC)
    with httpx.Client(base_url=churn_double.url, timeout=10) as http:
        assert http.get(f"/v2/customers/{CHURN_CUSTOMER}/churn-risk", params={"horizon_days": 30}).status_code == 401
        auth = _token(http, "/oauth/token")  # the spec's relative tokenUrl, served by the double
        known = http.get(f"/v2/customers/{CHURN_CUSTOMER}/churn-risk", params={"horizon_days": 30}, headers=auth)
        assert known.status_code == 200
        body = known.json()
        assert not spec.errors({"$ref": "#/components/schemas/ChurnRisk"}, body)
        assert body["usage"]["cost_usd"] == round(body["usage"]["tokens"] / 1000 * 0.0021, 8)  # tier pro
        unknown = http.get("/v2/customers/cus_000000000000/churn-risk", params={"horizon_days": 30}, headers=auth)
        assert unknown.status_code == 404
        assert not spec.errors({"$ref": "#/components/schemas/Error"}, unknown.json())
        bad = http.get(f"/v2/customers/{CHURN_CUSTOMER}/churn-risk", params={"horizon_days": 3}, headers=auth)
        assert bad.status_code == 400
        again = http.get(f"/v2/customers/{CHURN_CUSTOMER}/churn-risk", params={"horizon_days": 30}, headers=auth)
        assert again.json() == body, "the same request and seed must give the same answer"


def test_provider_faults_get_the_declared_fallback(bundled: httpx.Client) -> None:
    degraded = bundled.post("/suggest-next-action", json={"customer_id": CUSTOMER},
                            headers={FAULT_HEADER: "provider_error"})
    assert degraded.status_code == 200 and degraded.json()["fallback"] is True
    unavailable = bundled.post("/assess-risk", json={"customer_id": CUSTOMER},
                               headers={"X-Fault-Inject": "provider_error"})  # the spec's own hook
    assert unavailable.status_code == 503 and int(unavailable.headers["retry-after"]) >= 1
    ready = bundled.get("/ready")  # the spec says degraded by status (x-probe.degraded.status: 503)
    assert ready.status_code == 503 and int(ready.headers["retry-after"]) >= 1
    assert bundled.post("/suggest-next-action", json={"customer_id": CUSTOMER}).json()["fallback"] is False
    again = bundled.get("/ready")
    assert again.status_code == 200 and again.json()["status"] != "degraded"


def test_neuron_faults_break_the_exchange_as_named(bundled: httpx.Client) -> None:
    def call(fault: str) -> httpx.Response:
        return bundled.post("/suggest-next-action", json={"customer_id": CUSTOMER}, headers={FAULT_HEADER: fault})

    limited = call("rate_limited")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
    assert call("server_error").status_code == 500
    malformed = call("malformed_json")
    assert malformed.status_code == 200
    with pytest.raises(ValueError):
        malformed.json()
    for fault in ("truncated_body", "connection_reset"):
        with pytest.raises(httpx.TransportError):
            call(fault)
    unknown = call("no_such_fault")
    assert unknown.status_code == 400 and "unknown fault" in unknown.text


def _sse_kinds(answer: httpx.Response) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in answer.text.splitlines() if line.startswith("event:")]


def test_stream_faults(bundled: httpx.Client) -> None:
    body = {"message": "What next?"}
    whole = _sse_kinds(bundled.post("/chat/stream", json=body))
    assert whole[0] == "start" and whole[-1] == "done"
    cut_short = _sse_kinds(bundled.post("/chat/stream", json=body, headers={FAULT_HEADER: "stream_no_terminal"}))
    assert cut_short[0] == "start" and cut_short[-1] == "delta"
    broke = _sse_kinds(bundled.post("/chat/stream", json=body, headers={FAULT_HEADER: "stream_interrupted"}))
    assert broke[-1] == "error" and broke.count("delta") == 3
    with pytest.raises(httpx.TransportError):
        bundled.post("/chat/stream", json=body, headers={FAULT_HEADER: "stream_cut"})


def test_a_websocket_closed_without_its_terminal_frame(bundled_double, bundled: httpx.Client) -> None:
    url = bundled_double.url.replace("http", "ws") + "/chat/ws"
    auth = {"Authorization": bundled.headers["authorization"], FAULT_HEADER: "ws_no_terminal"}
    kinds = []
    with connect(url, additional_headers=auth, open_timeout=5) as ws:
        ws.send(json.dumps({"type": "message", "message": "What next?"}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                kinds.append(json.loads(ws.recv(timeout=5))["type"])
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000
    # the connection frame (x-stream.connection: [session]) comes first, then the turn without its end
    assert kinds[:2] == ["session", "start"] and set(kinds[2:]) == {"delta"}


def test_the_record_tells_a_retry_that_honoured_retry_after(bundled: httpx.Client) -> None:
    bundled.post("/_double/faults", json={"fault": "rate_limited", "operation": "suggestNextAction", "count": 2})
    bundled.delete("/_double/record")
    first = bundled.post("/suggest-next-action", json={"customer_id": CUSTOMER})
    assert first.status_code == 429
    bundled.post("/suggest-next-action", json={"customer_id": CUSTOMER})  # at once: Retry-After ignored
    time.sleep(float(first.headers["retry-after"]) + 0.1)
    assert bundled.post("/suggest-next-action", json={"customer_id": CUSTOMER}).status_code == 200
    record = bundled.get("/_double/record").json()
    calls = record["calls"]
    assert [c["status"] for c in calls] == [429, 429, 200]
    assert [c["fault"] for c in calls] == ["rate_limited", "rate_limited", None]
    assert calls[1]["retry_of"] == 1 and calls[1]["honoured_retry_after"] is False
    assert calls[2]["retry_of"] == 2 and calls[2]["honoured_retry_after"] is True
    assert record["summary"]["retries"] == 2 and record["summary"]["gave_up"] == 0


def test_the_schedule_is_reproducible_for_a_seed() -> None:
    spec = NeuronSpec.load(SPECS["bundled"])
    rates = parse_fault_rates("provider_error=0.3,timeout=0.2")

    def faults(seed: int) -> list[str | None]:
        plan = FaultPlan(spec, rates, seed)
        return [plan.choose("suggestNextAction", {})[0] for _ in range(40)]

    assert faults(7) == faults(7)
    assert faults(7) != faults(8)
    assert {"provider_error", "provider_timeout", None} == set(faults(7))


@pytest.mark.parametrize("text", ["bogus=0.1", "provider_error=2", "provider_error=x", "provider_error"])
def test_bad_fault_lists_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_fault_rates(text)


def test_the_operations_live_under_the_spec_server_path() -> None:
    import yaml

    from contractkit.double import DoubleSettings, NeuronDouble
    from contractkit.servers import BackgroundServer

    data = yaml.safe_load(CHURN_SPEC.read_text())
    data["servers"] = [{"url": "https://churn.example/api/v9"}]
    with BackgroundServer(NeuronDouble(NeuronSpec(data), DoubleSettings())) as server, \
            httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.get("/api/v9/v2/healthz").json() == {"alive": True}
        assert http.get("/v2/healthz").status_code == 404
        assert http.get("/_double").json()["base_path"] == "/api/v9"
        assert http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "engine",
                                               "client_secret": DEFAULT_SECRET}).status_code == 200


def test_chaos_modes_and_variable_names_parse() -> None:
    from contractkit.double.chaos import ENV_NAMES, parse_env_names, parse_modes

    modes = parse_modes("timeout,provider_error=0.25,429")
    assert [(m.name, m.fault, m.rate) for m in modes] == [("provider_timeout", "provider_timeout", None),
                                                          ("provider_error=0.25", "provider_error", 0.25),
                                                          ("rate_limited", "rate_limited", None)]
    assert len(parse_modes(None)) == 16
    assert parse_env_names(["url=ENGINE_NEURON_BASE"]) == {**ENV_NAMES, "url": "ENGINE_NEURON_BASE"}
    for bad in ("provider_error=0", "timeout,timeout", "nope"):
        with pytest.raises(ConfigError):
            parse_modes(bad)


def test_tokens_of_the_consumers_own_issuer_by_jwks() -> None:
    from contractkit.double import DoubleSettings, NeuronDouble
    from contractkit.reference.token_issuer.issuer import TokenIssuer
    from contractkit.servers import BackgroundServer

    issuer = TokenIssuer()
    with BackgroundServer(issuer.app) as keys:
        double = NeuronDouble(NeuronSpec.load(CHURN_SPEC), DoubleSettings(jwks_url=keys.url + "/.well-known/jwks.json"))
        assert double.auth.token_path is None  # no issuer of its own
        with BackgroundServer(double) as server, httpx.Client(base_url=server.url, timeout=10) as http:
            url = f"/v2/customers/{CHURN_CUSTOMER}/churn-risk?horizon_days=30"
            good = issuer.mint("engine", ["churn:read"], "churn-api", 300)
            assert http.get(url, headers={"Authorization": f"Bearer {good}"}).status_code == 200
            unscoped = issuer.mint("engine", ["talk:write"], "churn-api", 300)
            assert http.get(url, headers={"Authorization": f"Bearer {unscoped}"}).status_code == 403
            elsewhere = issuer.mint("engine", ["churn:read"], "another-api", 300)
            assert http.get(url, headers={"Authorization": f"Bearer {elsewhere}"}).status_code == 401


def test_the_record_is_kept_as_json_lines(tmp_path) -> None:
    from .conftest import serve

    record = tmp_path / "calls.jsonl"
    with serve(CHURN_SPEC, record_path=record, rates={"provider_error": 1.0}) as server, \
            httpx.Client(base_url=server.url, timeout=10) as http:
        auth = _token(http, "/oauth/token")
        answer = http.post("/v2/retention-offers", headers=auth,
                           json={"account": {"ref": CHURN_CUSTOMER}, "tone": "warm"})
        assert answer.status_code == 503  # this operation's fallback is to be unavailable
        assert http.get("/v2/healthz").status_code == 200
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert [(c["operation"], c["status"], c["fault"], c["fault_source"]) for c in lines] == [
        ("draftRetentionOffer", 503, "provider_error", "schedule"), ("healthz", 200, None, "none")]
    assert lines[0]["retry_after_s"] == 7.0
