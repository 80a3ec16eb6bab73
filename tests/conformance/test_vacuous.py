"""Vacuous passes users reported: situations where a rule could pass without having seen anything.

Each test starts a real target on 127.0.0.1 (the reference neuron/ wrapped by one of the
self-test's middlewares or dependency overrides, ``contractkit.selftest``), runs
``contractkit verify neuron`` on it in a child process as a user would, and reads the per-rule
JSON report. The rule in question must not pass: it is "not verified" when the target gave it
nothing to judge, "failed" when what it got is a violation. Where a run without the defect or
with the full spec shows the rule does see the situation, that control run is made too, so a
test cannot pass because the target or the spec copy is broken in some other way.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from verify_helpers import run_cli

from contractkit.reference.neuron import NeuronSettings, create_neuron_app
from contractkit.reference.provider_double import ProviderDouble
from contractkit.reference.stack import ReferenceStack
from contractkit.resources import neuron_spec_path
from contractkit.selftest.middleware import (
    EditJsonResponses,
    EditWebSocketFrames,
    FilterStreamChunks,
    ReplaceAnswers,
)
from contractkit.servers import BackgroundServer
from contractkit.spec.neuron import NeuronSpec

pytestmark = pytest.mark.timeout(300)

SECRET_ENV = "CONTRACTKIT_TEST_CLIENT_SECRET"
SEED = "1709"  # the generated cases are the same on every run
SPEC = NeuronSpec.load(neuron_spec_path())
AI_OPERATIONS = [op for op in SPEC.operations if op.ai is not None]
AI_PATHS = {op.path for op in AI_OPERATIONS}
STREAM_PATH = next(op.path for op in SPEC.operations if op.is_stream)
# A 429 costs the suite's client a Retry-After wait (at least 1 s, 60 s a run at most), so targets
# that refuse are verified on one operation: it names its subject (NEU-ERR-004 applies to it), and its
# generated requests about unknown entities get 404 (so a run sees refusals that are right, too).
SAMPLE_OPERATION = "analyzeCustomer"
REFUSAL_RULES = ("NEU-AUTH-001", "NEU-AUTH-002", "NEU-AUTH-003", "NEU-AUTH-004", "NEU-AUTH-005", "NEU-AUTH-006",
                 "NEU-ERR-004")
FAULT_RULES = ("NEU-FB-001", "NEU-FB-002", "NEU-FB-003", "NEU-SSE-003", "NEU-WS-003")

Wrap = Callable[[Any], Any]


@contextmanager
def target(wrap: Wrap | None = None) -> Iterator[ReferenceStack]:
    """The reference stack, its neuron/ wrapped by ``wrap`` (an ASGI app -> the app to serve)."""

    def build(settings: NeuronSettings) -> Any:
        app = create_neuron_app(settings)
        return wrap(app) if wrap else app

    with ReferenceStack(neuron_app_factory=build) as stack:
        yield stack


def verify(stack: ReferenceStack, report: Path, *flags: str) -> dict[str, dict[str, Any]]:
    """``contractkit verify neuron`` on the stack with credentials; the report's rules by id."""
    result = run_cli("verify", "neuron", "--neuron-url", stack.neuron_url, "--profile", "quick", "--seed", SEED,
                     "--token-url", stack.token_url, "--client-id", stack.client_id,
                     "--client-secret-env", SECRET_ENV, "--other-audience", "crm-data-mcp",
                     "--report-json", str(report), *flags, env={SECRET_ENV: stack.client_secret}, timeout=240)
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-3000:]
    return {rule["id"]: rule for rule in json.loads(report.read_text())["rules"]}


def rule_flags(*rule_ids: str) -> list[str]:
    return [arg for rule_id in rule_ids for arg in ("--rule", rule_id)]


def statuses(rule: dict[str, Any]) -> list[str]:
    return [o["status"] for o in rule["outcomes"]]


def messages(rule: dict[str, Any]) -> str:
    return " | ".join(o["message"] for o in rule["outcomes"])


def spec_copy(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """The bundled spec with one edit, as a user's own spec would differ from it."""
    data = yaml.safe_load(neuron_spec_path().read_text())
    edit(data)
    path = tmp_path / "neuron-api.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# --- NEU-SCH-005: a target that answers every AI request with 429 accepted nothing -------------------

@pytest.mark.parametrize(("only_success", "operation"), [(False, "chat"), (True, SAMPLE_OPERATION)],
                         ids=["every-ai-answer", "every-served-ai-answer"])
def test_valid_requests_answered_429_are_not_acceptance(tmp_path: Path, only_success: bool, operation: str) -> None:
    """``every-served-ai-answer`` keeps the target's 404s for generated unknown entities: those are
    right, but no valid request was ever accepted, so acceptance was still not seen."""
    wrap = lambda app: ReplaceAnswers(app, 429, paths=AI_PATHS, only_success=only_success)  # noqa: E731
    with target(wrap) as stack:
        rules = verify(stack, tmp_path / "report.json", *rule_flags("NEU-SCH-005"), "--operation", operation)
    rule = rules["NEU-SCH-005"]
    assert rule["status"] == "not_verified", messages(rule)
    assert [(o["operation"], o["status"]) for o in rule["outcomes"]] == [(operation, "not_verified")], messages(rule)


# --- the fault rules with a provider double the target does not use ---------------------------------

def test_a_provider_double_the_target_does_not_use_proves_no_fault(tmp_path: Path) -> None:
    unused = ProviderDouble()
    with target() as stack, BackgroundServer(unused.app) as elsewhere:
        rules = verify(stack, tmp_path / "report.json", "--provider-double", elsewhere.url, *rule_flags(*FAULT_RULES))
    assert unused.requests == 0, "the target called the double it is not pointed at"
    for rule_id in FAULT_RULES:
        rule = rules[rule_id]
        assert rule["status"] == "not_verified", f"{rule_id}: {messages(rule)}"
        assert set(statuses(rule)) == {"not_verified"}, f"{rule_id}: {messages(rule)}"
        assert "no provider call" in messages(rule), f"{rule_id}: {messages(rule)}"


def test_a_provider_double_busy_with_another_client_proves_no_fault(tmp_path: Path) -> None:
    """The double the suite arms serves someone else (a shared staging double): its counter moves,
    but the target under test never met a fault, and answered normally every time."""
    shared = ProviderDouble()
    stop = threading.Event()
    with target() as stack, BackgroundServer(shared.app) as elsewhere:
        neighbour = threading.Thread(target=_call_until, args=(elsewhere.url, stop), daemon=True)
        neighbour.start()
        try:
            rules = verify(stack, tmp_path / "report.json", "--provider-double", elsewhere.url,
                           *rule_flags("NEU-FB-001", "NEU-FB-002"))
        finally:
            stop.set()
            neighbour.join(10)
    assert shared.requests > 0, "the neighbour never called the shared double"
    for rule_id in ("NEU-FB-001", "NEU-FB-002"):  # neither passed nor blamed on the target: not verified
        assert set(statuses(rules[rule_id])) == {"not_verified"}, f"{rule_id}: {messages(rules[rule_id])}"


def _call_until(double_url: str, stop: threading.Event) -> None:
    """Another client of the double: one provider call after another until told to stop."""
    with httpx.Client(timeout=5) as client:
        while not stop.is_set():
            with contextlib.suppress(httpx.HTTPError):
                client.post(double_url + "/v1/chat/completions",
                            json={"model": "double", "messages": [{"role": "user", "content": "hello"}]})


def _degradation_hidden(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if 200 <= status < 300 and isinstance(body, dict) and body.get("fallback") is True:
        return status, headers, {**body, "fallback": False}
    return None


def test_a_degraded_answer_that_claims_to_be_real_is_not_the_declared_fallback(tmp_path: Path) -> None:
    with target(lambda app: EditJsonResponses(app, _degradation_hidden)) as stack:
        rules = verify(stack, tmp_path / "report.json", "--provider-double", stack.double_url,
                       *rule_flags("NEU-FB-001"), "--operation", SAMPLE_OPERATION)
    assert rules["NEU-FB-001"]["status"] == "failed", messages(rules["NEU-FB-001"])


# --- NEU-USE-001 without x-pricing ----------------------------------------------------------------

def _cost_999(path: str, status: int, headers: dict[str, str], body: Any) -> Any:
    if 200 <= status < 300 and isinstance(body, dict) and "cost_usd" in body:
        return status, headers, {**body, "cost_usd": 999}
    return None


def test_a_cost_cannot_be_checked_without_x_pricing(tmp_path: Path) -> None:
    unpriced = spec_copy(tmp_path, lambda data: data.pop("x-pricing"))
    with target(lambda app: EditJsonResponses(app, _cost_999)) as stack:
        without = verify(stack, tmp_path / "unpriced.json", "--spec", str(unpriced), *rule_flags("NEU-USE-001"))
        control = verify(stack, tmp_path / "priced.json", *rule_flags("NEU-USE-001"))
    rule = without["NEU-USE-001"]
    assert rule["status"] == "not_verified" and set(statuses(rule)) == {"not_verified"}, messages(rule)
    assert "x-pricing" in messages(rule)
    assert control["NEU-USE-001"]["status"] == "failed", "with x-pricing, cost_usd 999 must be a violation"


# --- NEU-SSE-001 on a stream that carries no event -----------------------------------------------------

def test_a_200_stream_without_events_fails(tmp_path: Path) -> None:
    with target(lambda app: FilterStreamChunks(app, STREAM_PATH, lambda chunk: b"")) as stack:
        rules = verify(stack, tmp_path / "report.json", *rule_flags("NEU-SSE-001", "NEU-SSE-002"))
    assert rules["NEU-SSE-001"]["status"] == "failed", messages(rules["NEU-SSE-001"])
    assert "no event" in messages(rules["NEU-SSE-001"])
    assert rules["NEU-SSE-002"]["status"] == "failed", messages(rules["NEU-SSE-002"])


# --- NEU-WS-002 whatever combinator server_messages uses ----------------------------------------------

def _undeclared_field(frame: Any) -> Any:
    if isinstance(frame, dict) and frame.get("type") == "delta":
        return {**frame, "debug": True}
    return frame


def _any_of(data: dict[str, Any]) -> None:
    for decl in data["x-websockets"].values():
        messages_schema = decl["server_messages"]
        messages_schema["anyOf"] = messages_schema.pop("oneOf")


@pytest.mark.parametrize("combinator", ["oneOf", "anyOf"])
def test_an_invalid_websocket_frame_fails_whatever_the_combinator(tmp_path: Path, combinator: str) -> None:
    flags = ["--spec", str(spec_copy(tmp_path, _any_of))] if combinator == "anyOf" else []
    with target(lambda app: EditWebSocketFrames(app, _undeclared_field)) as stack:
        broken = verify(stack, tmp_path / "broken.json", *flags, *rule_flags("NEU-WS-002"))
    with target() as stack:
        clean = verify(stack, tmp_path / "clean.json", *flags, *rule_flags("NEU-WS-002"))
    rule = broken["NEU-WS-002"]
    assert rule["status"] == "failed", messages(rule)
    assert "(delta)" in messages(rule), messages(rule)  # the frame's schema, not the grammar, objected
    assert clean["NEU-WS-002"]["status"] == "passed", messages(clean["NEU-WS-002"])


def _no_server_messages(data: dict[str, Any]) -> None:
    for decl in data["x-websockets"].values():
        decl.pop("server_messages")


def test_websocket_frames_no_schema_validated_are_not_a_full_pass(tmp_path: Path) -> None:
    unschema = spec_copy(tmp_path, _no_server_messages)
    with target(lambda app: EditWebSocketFrames(app, _undeclared_field)) as stack:
        rules = verify(stack, tmp_path / "report.json", "--spec", str(unschema), *rule_flags("NEU-WS-002"))
    rule = rules["NEU-WS-002"]
    assert rule["status"] != "passed" or rule["partial"], messages(rule)


# --- the refusal rules on a target that refuses everything ------------------------------------------

@pytest.mark.parametrize("status", [404, 429])
@pytest.mark.parametrize("only_success", [False, True], ids=["every-request", "every-served-request"])
def test_refusals_prove_nothing_on_a_target_that_refuses_everything(tmp_path: Path, status: int,
                                                                    only_success: bool) -> None:
    """With ``every-served-request`` the auth layer works (401, 403, 404 for the unknown entity are
    right), but nothing is ever served: only the positive control tells, so each rule is not verified."""
    with target(lambda app: ReplaceAnswers(app, status, only_success=only_success)) as stack:
        rules = verify(stack, tmp_path / "report.json", *rule_flags(*REFUSAL_RULES),
                       "--operation", SAMPLE_OPERATION)
    for rule_id in REFUSAL_RULES:
        rule = rules[rule_id]
        assert rule["status"] != "passed" and "passed" not in statuses(rule), f"{rule_id}: {messages(rule)}"
        if only_success:
            assert set(statuses(rule)) == {"not_verified"}, f"{rule_id}: {messages(rule)}"
            assert "positive control" in messages(rule), f"{rule_id}: {messages(rule)}"


# --- Examined counts distinct exchanges ------------------------------------------------------------------

def test_error_answers_are_counted_once_each(tmp_path: Path) -> None:
    """The error rules judge the answers they provoke and those the run saw: the same answer is both,
    and was once counted twice (more error answers than requests sent)."""
    with target() as stack:
        report = tmp_path / "report.json"
        rules = verify(stack, report, *rule_flags("NEU-ERR-001", "NEU-ERR-002", "NEU-AUTH-007"),
                       "--operation", SAMPLE_OPERATION)
    sent = json.loads(report.read_text())["meta"]["requests"]
    for rule_id in ("NEU-ERR-001", "NEU-ERR-002", "NEU-AUTH-007"):
        rule = rules[rule_id]
        assert rule["status"] == "passed", messages(rule)
        counted = int(rule["examined"].split()[0])
        assert 0 < counted <= sent, f"{rule_id}: {rule['examined']} from {sent} requests"


# --- NEU-FB-002: a normal request that outlives the deadline is late, not on time -----------------------

LATE_OPERATION = SPEC.operation("assessRisk")


def _late_normal_answers(path: str, body: Any) -> float:
    """Normal answers of one operation (they report usage) come 5 s late; degraded ones and errors at once."""
    normal = isinstance(body, dict) and "token_count" in body and body.get("fallback") is not True
    return 5.0 if path == LATE_OPERATION.path and normal else 0.0


def _short_deadline(data: dict[str, Any]) -> None:
    data["paths"][LATE_OPERATION.path]["post"]["x-ai-operation"]["deadline_ms"] = 3000


def test_a_normal_answer_past_the_deadline_is_late_even_past_the_request_timeout(tmp_path: Path) -> None:
    """With --request-timeout 2 s below the 3 s deadline, the suite's own timeout once ended the normal
    request at 2 s and counted it on time; it waits past the deadline now, and the 5 s answer is late."""
    spec = spec_copy(tmp_path, _short_deadline)
    with target(lambda app: EditJsonResponses(app, lambda *_: None, delay=_late_normal_answers)) as stack:
        rules = verify(stack, tmp_path / "report.json", "--spec", str(spec), "--provider-double", stack.double_url,
                       "--request-timeout", "2", *rule_flags("NEU-FB-002"), "--operation", LATE_OPERATION.label)
    rule = rules["NEU-FB-002"]
    assert rule["status"] == "failed", messages(rule)
    assert "under no fault" in messages(rule) and "deadline is 3 s" in messages(rule), messages(rule)


# --- NEU-WS-001: a control per auth method; a method the suite does not know is named ------------------

def _unknown_ws_method(data: dict[str, Any]) -> None:
    for decl in data["x-websockets"].values():
        decl["auth"]["methods"] = [*decl["auth"]["methods"], "carrier_pigeon"]


def test_a_websocket_auth_method_the_suite_does_not_know_is_named_not_skipped(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path, _unknown_ws_method)
    with target() as stack:
        rules = verify(stack, tmp_path / "report.json", "--spec", str(spec), *rule_flags("NEU-WS-001"))
    rule = rules["NEU-WS-001"]
    assert rule["status"] == "passed" and rule["partial"], messages(rule)
    assert "carrier_pigeon" in json.dumps(rule["outcomes"]), rule["outcomes"]
    assert "after a positive control by header, first_message" in json.dumps(rule["outcomes"]), rule["outcomes"]


# --- a suite that cannot load its checks or its plugins ------------------------------------------------

BREAKERS = {
    "shadowed-dependency": ({"httpx_sse.py": "raise ImportError('httpx_sse shadowed on PYTHONPATH')\n"}, {},
                            "httpx_sse shadowed on PYTHONPATH"),
    "plugin-raises-at-import": ({"broken_plugin.py": "raise RuntimeError('broken_plugin cannot load')\n"},
                                {"PYTEST_PLUGINS": "broken_plugin"}, "broken_plugin cannot load"),
    "plugin-raises-at-collection": ({"broken_plugin.py": textwrap.dedent("""\
        def pytest_collection_modifyitems(session, config, items):
            raise RuntimeError('broken_plugin broke at collection')
        """)}, {"PYTEST_PLUGINS": "broken_plugin"}, "broken_plugin broke at collection"),
    "plugin-raises-generating-tests": ({"broken_plugin.py": textwrap.dedent("""\
        def pytest_generate_tests(metafunc):
            raise RuntimeError('broken_plugin broke generating tests')
        """)}, {"PYTEST_ADDOPTS": "-p broken_plugin"}, "broken_plugin broke generating tests"),
    "shadowed-lazy-dependency": ({"schemathesis/__init__.py": "raise ImportError('schemathesis shadowed')\n"}, {},
                                 "schemathesis shadowed"),
}


@pytest.mark.parametrize("breaker", list(BREAKERS))
def test_a_suite_that_cannot_load_exits_3_with_the_reason(tmp_path: Path, breaker: str) -> None:
    files, env, reason = BREAKERS[breaker]
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    with target() as stack:
        result = run_cli("verify", "neuron", "--neuron-url", stack.neuron_url, "--profile", "quick",
                         "--rule", "NEU-SCH-003", "--rule", "NEU-SSE-001",
                         env={**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path),
                                                                                 os.environ.get("PYTHONPATH")]))})
    output = result.stdout + result.stderr
    assert result.returncode == 3, output[-3000:]
    assert reason in output, output[-3000:]


# --- contractkit demo with a part missing ----------------------------------------------------------------

@pytest.mark.parametrize("blocked", ["contractkit.selftest.mcp_matrix", "contractkit.lint.runner"])
def test_the_demo_does_not_pass_without_one_of_its_parts(blocked: str) -> None:
    """A module set to None in ``sys.modules`` cannot be imported: the part is absent from this build."""
    script = (f"import sys\nsys.modules[{blocked!r}] = None\n"
              "from contractkit.cli.main import main\nsys.exit(main(['demo', '--profile', 'quick']))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "demo passed" not in output
    assert "demo FAILED" in output and blocked in output, output[-3000:]
