"""The spend budget: --max-requests and --max-cost-usd stop the sending, counted at the target.

The reference neuron/ runs behind a counting ASGI wrapper, so what reached the target and what
its answers said they cost are measured there, not taken from the kit's own report. The pricing
tests use a small HTTP server answering whatever usage the test asks for.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from verify_helpers import run_cli

from contractkit.conformance.budget import BudgetExhausted, Limits, SpendBudget
from contractkit.conformance.http import TargetClient
from contractkit.conformance.neuron.cost import CostReader
from contractkit.reference.neuron import create_neuron_app
from contractkit.reference.stack import ReferenceStack
from contractkit.resources import neuron_spec_path
from contractkit.spec.neuron import NeuronSpec

SECRET_ENV = "CONTRACTKIT_TEST_CLIENT_SECRET"
_COST = re.compile(rb'"cost_usd"\s*:\s*([0-9.eE+-]+)')


class Counter:
    """What reached the target: HTTP requests, WebSocket connections, and the cost its 2xx answers reported."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.http = self.websocket = 0
        self.cost_usd = self.dearest = 0.0

    @property
    def total(self) -> int:
        return self.http + self.websocket


def counting(counter: Counter):
    def factory(settings):
        inner = create_neuron_app(settings)

        async def app(scope, receive, send):
            if scope["type"] == "websocket":
                with counter.lock:
                    counter.websocket += 1
            if scope["type"] != "http":
                await inner(scope, receive, send)
                return
            with counter.lock:
                counter.http += 1
            status, body = [0], bytearray()

            async def recording_send(message):
                if message["type"] == "http.response.start":
                    status[0] = message["status"]
                elif message["type"] == "http.response.body":
                    body.extend(message.get("body", b""))
                    if not message.get("more_body") and 200 <= status[0] < 300:
                        costs = [float(v) for v in _COST.findall(bytes(body))]
                        with counter.lock:
                            counter.cost_usd += sum(costs)
                            counter.dearest = max([counter.dearest, *costs])
                await send(message)

            await inner(scope, receive, recording_send)

        return app

    return factory


@pytest.fixture(scope="module")
def counted() -> Iterator[tuple[ReferenceStack, Counter]]:
    counter = Counter()
    with ReferenceStack(neuron_app_factory=counting(counter)) as stack:
        yield stack, counter


def verify(counted, tmp_path, *flags: str):
    stack, counter = counted
    counter.reset()
    report = tmp_path / "r.json"
    result = run_cli("verify", "neuron", "--neuron-url", stack.neuron_url, "--profile", "quick",
                     "--token-url", stack.token_url, "--client-id", stack.client_id, "--client-secret-env", SECRET_ENV,
                     "--other-audience", "crm-data-mcp", "--report-json", str(report), "--markdown",
                     str(tmp_path / "r.md"), *flags, env={SECRET_ENV: stack.client_secret}, timeout=300)
    data = json.loads(report.read_text()) if report.exists() else {}
    return result, data


def reasons(data) -> list[str]:
    return [o["message"] for r in data["rules"] for o in r["outcomes"] if o["status"] == "not_verified"]


def test_the_request_budget_stops_the_sending_and_leaves_the_rest_not_verified(counted, tmp_path):
    result, data = verify(counted, tmp_path, "--max-requests", "25")
    counter = counted[1]
    assert result.returncode == 0, result.stdout + result.stderr
    spend = data["meta"]["spend"]
    assert spend["requests_sent"] == 25 and spend["exhausted"] == "the request budget (25) ran out"
    assert counter.total == 25 + 1  # and the reachability probe, which the budget does not count
    assert "the request budget (25) ran out" in reasons(data)
    assert not [r["id"] for r in data["rules"] if r["status"] == "failed"]
    assert "25 requests sent (budget 25)" in result.stdout
    assert "requests were not sent" in result.stdout
    assert "25 requests sent (budget 25)" in (tmp_path / "r.md").read_text()


def test_a_budget_that_runs_out_inside_the_generated_cases_is_not_verified_never_failed(counted, tmp_path):
    result, data = verify(counted, tmp_path, "--rule", "NEU-SCH-*", "--max-requests", "12")
    assert result.returncode == 0, result.stdout + result.stderr
    assert counted[1].total == 12 + 1
    statuses = {r["id"]: r["status"] for r in data["rules"]}
    assert "failed" not in statuses.values()
    assert "the request budget (12) ran out" in reasons(data)
    assert "Flaky" not in result.stdout + result.stderr and "Traceback" not in result.stdout + result.stderr


def test_the_cost_budget_keeps_the_reported_cost_within_it(counted, tmp_path):
    unlimited, whole = verify(counted, tmp_path, "--rule", "NEU-SCH-005", "--rule", "NEU-USE-001")
    assert unlimited.returncode == 0, unlimited.stdout + unlimited.stderr
    full_cost = whole["meta"]["spend"]["cost_usd"]
    assert full_cost == pytest.approx(counted[1].cost_usd, abs=1e-9)  # the kit reads what the target reported
    limit = round(full_cost / 3, 6)
    result, data = verify(counted, tmp_path, "--rule", "NEU-SCH-005", "--rule", "NEU-USE-001",
                          "--max-cost-usd", f"{limit}")
    assert result.returncode == 0, result.stdout + result.stderr
    spend = data["meta"]["spend"]
    assert spend["cost_usd"] == pytest.approx(counted[1].cost_usd, abs=1e-9)
    # sending stops before the limit as long as no answer is dearer than every one before it;
    # one that is can cross it, by at most its own cost
    assert 0 < spend["cost_usd"] <= limit + counted[1].dearest
    assert spend["cost_usd"] < full_cost
    assert any(r.startswith(f"the cost budget (USD {limit:g}) ran out") for r in reasons(data)), reasons(data)
    assert "failed" not in {r["status"] for r in data["rules"]}
    assert f"(budget USD {limit:g})" in result.stdout


def test_plan_states_the_budget_and_sends_nothing(counted, tmp_path):
    stack, counter = counted
    counter.reset()
    default = run_cli("verify", "neuron", "--neuron-url", stack.neuron_url, "--profile", "quick", "--plan")
    assert default.returncode == 0, default.stdout + default.stderr
    line = next(x for x in default.stdout.splitlines() if x.startswith("budget: "))
    assert "(the default for profile quick: 3 x the estimate" in line and "no cost limit" in line
    given = run_cli("verify", "neuron", "--neuron-url", stack.neuron_url, "--plan", "--max-requests", "50",
                    "--max-cost-usd", "0.5")
    assert "budget: at most 50 requests; at most USD 0.5 of reported cost" in given.stdout
    assert counter.total == 0


@pytest.mark.parametrize("flags", [("--max-requests", "0"), ("--max-requests", "ten"), ("--max-cost-usd", "nan"),
                                   ("--max-cost-usd", "-1"), ("--max-cost-usd", "0")])
def test_a_bad_budget_is_one_line_and_exit_2(flags):
    result = run_cli("verify", "neuron", "--neuron-url", "http://127.0.0.1:9", *flags)
    assert result.returncode == 2
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"contractkit: error: {flags[0]} must be")


def test_a_cost_limit_the_spec_cannot_enforce_is_bad_input(tmp_path):
    data = yaml.safe_load(neuron_spec_path().read_text())
    risk = next(op for item in data["paths"].values() for op in item.values()
                if isinstance(op, dict) and op.get("operationId") == "assessRisk")
    del risk["x-ai-operation"]["usage"]
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    result = run_cli("verify", "neuron", "--neuron-url", "http://127.0.0.1:9", "--spec", str(spec),
                     "--max-cost-usd", "1")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--max-cost-usd cannot be enforced" in result.stderr and "assessRisk" in result.stderr
    narrowed = run_cli("verify", "neuron", "--neuron-url", "http://127.0.0.1:9", "--spec", str(spec),
                       "--max-cost-usd", "1", "--operation", "chat", "--timeout", "1")
    assert "cannot be enforced" not in narrowed.stderr  # assessRisk is not run: the limit holds
    assert "not answering HTTP" in narrowed.stderr


# --- pricing, against a server that answers the usage a test asks for -----------------------------

class UsageServer:
    """Answers every POST with ``answer`` (JSON, 200) and counts the requests."""

    def __init__(self, answer: dict) -> None:
        self.answer = answer
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                with lock:
                    owner.requests += 1
                body = json.dumps(owner.answer).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> UsageServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


SPEC = NeuronSpec.load(neuron_spec_path())


def _client(server: UsageServer, limits: Limits) -> TargetClient:
    return TargetClient(server.url, timeout=5, budget=SpendBudget(limits, CostReader(SPEC)))


@pytest.mark.parametrize(("answer", "expected"), [
    ({"token_count": 2000, "cost_usd": 0.123}, 0.123),                    # the cost the answer reports
    ({"token_count": 2000, "model_tier": "advanced"}, 2 * 0.015),        # tokens priced at the answer's tier
    ({"token_count": 2000, "model_tier": "no-such-tier"}, 2 * 0.015),    # an unknown tier: the highest rate
    ({"token_count": 2000}, 2 * 0.003),  # no tier in the answer: the operation's default_model_tier (balanced)
])
def test_an_answers_cost_is_read_or_priced_by_x_pricing(answer, expected):
    with UsageServer(answer) as server:
        client = _client(server, Limits())
        try:
            client.request("POST", "/analyze-customer", json_body={}, operation="analyzeCustomer")
        finally:
            client.close()
    assert client.budget.cost_usd == pytest.approx(expected)
    assert client.budget.meta()["priced_answers"] == 1


def test_the_cost_budget_keeps_room_for_the_next_answer():
    with UsageServer({"token_count": 10, "cost_usd": 0.01}) as server:
        client = _client(server, Limits(max_cost_usd=0.035))
        try:
            for _ in range(3):
                client.request("POST", "/assess-risk", json_body={}, operation="assessRisk")
            with pytest.raises(BudgetExhausted, match=r"the cost budget \(USD 0.035\) ran out"):
                client.request("POST", "/assess-risk", json_body={}, operation="assessRisk")
            with pytest.raises(BudgetExhausted):  # and stays out, whatever is asked next
                client.request("POST", "/health", json_body={}, operation="getHealth")
        finally:
            client.close()
    assert server.requests == 3
    assert client.budget.cost_usd == pytest.approx(0.03)


def test_requests_in_flight_count_against_the_cost_budget():
    """Parallel requests (the fault matrix sends them) are each given room for one more answer."""
    with UsageServer({"token_count": 10, "cost_usd": 0.01}) as server:
        client = _client(server, Limits(max_cost_usd=0.05))
        try:
            client.request("POST", "/assess-risk", json_body={}, operation="assessRisk")

            def send(_: int) -> str:
                try:
                    client.request("POST", "/assess-risk", json_body={}, operation="assessRisk")
                    return "sent"
                except BudgetExhausted:
                    return "refused"

            with ThreadPoolExecutor(8) as pool:
                outcomes = list(pool.map(send, range(16)))
        finally:
            client.close()
    assert server.requests == 1 + outcomes.count("sent")
    assert client.budget.cost_usd <= 0.05 + 1e-9
    assert outcomes.count("refused") >= 16 - 4
