"""Following an async operation's job to its final answer, against a small real job server.

The server accepts a job (202 + Location, or the URL in the body) and answers it pending for a
while, then done (with usage in headers) or failed; the test picks the timing per job.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

import contractkit.conformance.kinds  # noqa: F401  (the conformance package in its import order)
from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron.cost import CostReader
from contractkit.conformance.neuron.jobs import JobAnswer, answer_of, answer_status, is_failed_job
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.options import PROFILES, VerifyOptions
from contractkit.conformance.outcomes import NotVerified
from contractkit.spec.neuron import NeuronSpec

JOBS: dict[str, dict[str, Any]] = {}


class JobHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        kind = self.path.rsplit("/", 1)[-1]
        job_id = f"{kind}-{len(JOBS)}"
        JOBS[job_id] = {"kind": kind, "start": time.monotonic()}
        self._send(202, {"id": job_id, "href": f"/jobs/{job_id}"}, {"Location": f"/jobs/{job_id}"})

    def do_GET(self) -> None:
        job = JOBS.get(self.path.rsplit("/", 1)[-1])
        if job is None:
            self._send(404, {"code": "not_found"})
            return
        age, kind = time.monotonic() - job["start"], job["kind"]
        if self.path.startswith("/results/"):
            self._send(200, {"text": "the result"}, {"X-Usage-Tokens": "1000", "X-Usage-Cost-USD": "0.003"})
        elif kind == "quiet" and age < 0.3:
            self._send(202, {}, {"Retry-After": "0"})
        elif kind == "slow" or age < 0.3:
            self._send(200, {"state": "running"})
        elif kind == "quiet":
            self._send(303, {}, {"Location": f"/results/{self.path.rsplit('/', 1)[-1]}"})
        elif kind == "failed":
            self._send(200, {"state": "failed", "problem": {"status": 404}})
        else:
            self._send(200, {"state": "done", "result": {"text": "ok"}},
                       {"X-Usage-Tokens": "1000", "X-Usage-Cost-USD": "0.003", "X-Degraded": "false"})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), JobHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _spec(location: str = "header:Location") -> NeuronSpec:
    job = {"operation": "getJob", "location": location, "status": "/state", "pending": ["running"],
           "done": ["done"], "failed": ["failed"], "result": "/result", "failed_status": "/problem/status",
           "poll_interval_ms": 100}
    ai = {"deadline_ms": 1500, "fallback": {"mode": "degraded_answer", "marker": "header:X-Degraded"},
          "usage": {"token_count": "header:X-Usage-Tokens", "cost_usd": "header:X-Usage-Cost-USD"}, "job": job}
    paths = {f"/start/{kind}": {"post": {"operationId": f"start_{kind}", "x-ai-operation": ai,
                                         "responses": {"202": {"description": "accepted"}}}}
             for kind in ("fast", "slow", "failed", "quiet")}
    paths["/jobs/{id}"] = {"get": {"operationId": "getJob", "responses": {"200": {"description": "the job"}}}}
    return NeuronSpec({"openapi": "3.1.0", "paths": paths, "x-pricing": {"usd_per_1k_tokens": {"std": 0.003}}})


def _target(url: str, spec: NeuronSpec) -> NeuronTarget:
    return NeuronTarget(spec, VerifyOptions(kind="neuron", spec=None, profile=PROFILES["quick"], neuron_url=url,
                                            max_requests=200, request_timeout=2.0))


def _follow(url: str, kind: str, spec: NeuronSpec | None = None) -> Exchange:
    spec = spec or _spec()
    target = _target(url, spec)
    try:
        op = spec.operation(f"start_{kind}")
        return answer_of(target, op, target.call(op))
    finally:
        target.close()


def test_a_done_job_is_the_answer_timed_from_the_request(server):
    answer = _follow(server, "fast")
    assert isinstance(answer, JobAnswer) and answer.job_state == "done" and answer.ok
    assert answer.json() == {"state": "done", "result": {"text": "ok"}} and answer.operation == "start_fast"
    assert answer.headers["x-usage-cost-usd"] == "0.003" and answer.polls >= 2
    assert 0.3 <= answer.elapsed_s < 1.5


def test_a_job_pending_past_the_deadline_is_no_answer_and_the_follower_stops(server):
    started = time.monotonic()
    answer = _follow(server, "slow")
    assert not answer.ok and "no complete answer" in (answer.error or "") and "'running'" in answer.error
    assert answer.elapsed_s > 1.5
    # followed as long as a whole answer is waited for (the deadline and as much again), then one poll
    assert time.monotonic() - started < 1.5 + 1.5 + 1.0


def test_a_failed_job_stands_for_its_problem_status(server):
    spec = _spec()
    answer = _follow(server, "failed", spec)
    assert is_failed_job(answer) and answer_status(spec.operation("start_failed"), answer) == 404


def test_a_job_that_answers_202_while_running_and_redirects_to_its_result(server):
    answer = _follow(server, "quiet")
    assert answer.job_state == "done" and answer.json() == {"text": "the result"} and "/results/quiet-" in answer.url


def test_the_location_may_be_in_the_body(server):
    assert _follow(server, "fast", _spec("/href")).job_state == "done"


def test_a_job_elsewhere_is_not_followed(server):
    spec = _spec("header:X-Elsewhere")
    target = _target(server, spec)
    accepted = Exchange("POST", server + "/start/fast", {}, None, 202,
                        httpx.Headers({"X-Elsewhere": "http://198.51.100.7/jobs/1"}), b"{}")
    try:
        with pytest.raises(NotVerified, match="outside the target"):
            answer_of(target, spec.operation("start_fast"), accepted)
    finally:
        target.close()


def test_an_acceptance_without_a_location_is_no_answer(server):
    spec = _spec("header:X-Missing")
    answer = _follow(server, "fast", spec)
    assert not answer.ok and "no job location" in (answer.error or "")


def test_a_plain_answer_is_returned_as_it_is(server):
    spec = _spec()
    target = _target(server, spec)
    plain = Exchange("POST", server + "/start/fast", {}, None, 200, httpx.Headers(), b"{}")
    try:
        assert answer_of(target, spec.operation("start_fast"), plain) is plain
    finally:
        target.close()


def test_the_budget_reads_job_and_header_usage():
    reader = CostReader(_spec())
    done = Exchange("GET", "http://x/jobs/1", {}, None, 200,
                    httpx.Headers({"X-Usage-Tokens": "1000", "X-Usage-Cost-USD": "0.003"}), b"{}", operation="getJob")
    pending = Exchange("GET", "http://x/jobs/1", {}, None, 200, httpx.Headers(), b"{}", operation="getJob")
    accepted = Exchange("POST", "http://x/start/fast", {}, None, 202, httpx.Headers(), b"{}", operation="start_fast")
    assert reader.cost(done) == (0.003, "reported") and reader.cost(pending) is None
    assert reader.is_acceptance(accepted) and not reader.is_acceptance(done)
