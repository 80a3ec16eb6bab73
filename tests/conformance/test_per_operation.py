"""Facts taken per operation, where the spec gives them per operation (ledger-api.yaml).

A service with two kinds of entity, a data-only stream whose opening frame names its tier, and an
operation slower than ``--request-timeout`` but inside its own deadline must verify clean; its
planted defects (a stream priced at the wrong tier, an invented answer about an unknown invoice)
must fail their rules. The unit tests pin the pieces: the unknown entity, the tier lookup, the
per-request timeout, the burst's proof.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from ledger_service import SPEC_PATH, LedgerServer
from verify_helpers import run_cli

from contractkit.conformance.http import DEADLINE_MARGIN_S, Exchange, exchange_timeout
from contractkit.conformance.neuron.cost import CostReader
from contractkit.conformance.neuron.requests import unknown_value
from contractkit.conformance.neuron.rl import burst_cap, crossed, wave_size
from contractkit.conformance.neuron.usage import readings, spend, unpriced_tier
from contractkit.conformance.outcomes import NotVerified
from contractkit.spec.neuron import NeuronSpec

# every verify run is one module fixture: its tests share one worker under pytest-xdist, so it runs once
pytestmark = pytest.mark.xdist_group("per-operation-runs")

RULES = ["NEU-SCH-001", "NEU-SCH-005", "NEU-ERR-004", "NEU-USE-001", "NEU-FB-001", "NEU-FB-002", "NEU-RL-001",
         "NEU-SSE-002"]
# name -> (defect, extra flags, the rules that must fail)
RUNS: dict[str, tuple[str | None, tuple[str, ...], set[str]]] = {
    "clean": (None, (), set()),
    "given": (None, ("--customer-id", "sup_acmecorp", "--subject", "explain*=INV-004211"), set()),
    "stream_cost_default_tier": ("stream_cost_default_tier", (), {"NEU-USE-001"}),
    "invoice_unknown_200": ("invoice_unknown_200", (), {"NEU-ERR-004"}),
    "one_operation": (None, ("--operation", "supplierScore"), set()),
}


def _verify(defect: str | None, flags: tuple[str, ...], workdir: Path, name: str) -> dict[str, Any]:
    report = workdir / f"{name}.json"
    spec = workdir / SPEC_PATH.name  # outside tests/: pytest would load this folder's conftest.py in the run
    spec.write_text(SPEC_PATH.read_text())
    with LedgerServer(defect) as server:
        done = run_cli("verify", "neuron", "--spec", str(spec), "--neuron-url", server.url, "--profile", "quick",
                       "--seed", "20261206", "--hypothesis-db", "none", "--fault-injection",
                       "--request-timeout", "1", "--report-json", str(report),
                       *[arg for rule in RULES for arg in ("--rule", rule)], *flags)
        hits = dict(server.hits)
    data = json.loads(report.read_text()) if report.is_file() else {}
    return {"done": done, "report": data, "hits": hits,
            "statuses": {r["id"]: r["status"] for r in data.get("rules", [])}}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every verify run of the module, side by side (each mostly waits on its service)."""
    workdir = tmp_path_factory.mktemp("ledger")
    with ThreadPoolExecutor(max_workers=len(RUNS)) as pool:
        futures = {name: pool.submit(_verify, defect, flags, workdir, name)
                   for name, (defect, flags, _) in RUNS.items()}
        return {name: future.result() for name, future in futures.items()}


def _explain(run: dict[str, Any]) -> str:
    return f"exit {run['done'].returncode}\n{run['done'].stdout[-5000:]}\n{run['done'].stderr[-2000:]}"


@pytest.mark.parametrize("name", ["clean", "given"])
def test_each_operation_is_verified_with_its_own_facts(runs: dict[str, dict[str, Any]], name: str) -> None:
    run = runs[name]
    assert run["done"].returncode == 0, _explain(run)
    assert {rule: run["statuses"].get(rule) for rule in RULES} == dict.fromkeys(RULES, "passed"), _explain(run)
    spend_meta = run["report"]["meta"]["spend"]
    assert spend_meta["priced_answers"] > 0 and spend_meta["cost_usd"] > 0


@pytest.mark.parametrize("name", ["stream_cost_default_tier", "invoice_unknown_200"])
def test_a_planted_defect_fails_its_rule(runs: dict[str, dict[str, Any]], name: str) -> None:
    run = runs[name]
    failed = {rule for rule, status in run["statuses"].items() if status == "failed"}
    assert failed == RUNS[name][2], _explain(run)
    assert run["done"].returncode == 1


def test_operation_filter_bounds_every_request(runs: dict[str, dict[str, Any]]) -> None:
    run = runs["one_operation"]
    assert run["done"].returncode == 0, _explain(run)
    sent_to = {path for path, count in run["hits"].items() if count}
    assert sent_to <= {"/", "/suppliers/score"}, run["hits"]
    assert run["statuses"]["NEU-FB-001"] == "passed" and run["statuses"]["NEU-RL-001"] == "passed", _explain(run)


@pytest.mark.parametrize("flags, says", [
    (("--subject", "noSuchOperation=sup_acmecorp"), "--subject 'noSuchOperation' matches no operation"),
    (("--subject", "supplierScore"), "--subject expects OPERATION=VALUE"),
])
def test_a_bad_subject_is_one_line_and_exit_2(flags: tuple[str, ...], says: str, tmp_path: Path) -> None:
    spec = tmp_path / SPEC_PATH.name
    spec.write_text(SPEC_PATH.read_text())
    done = run_cli("verify", "neuron", "--spec", str(spec), "--neuron-url", "http://127.0.0.1:9", *flags)
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# --- the pieces ---------------------------------------------------------------------------------

SPEC = NeuronSpec.load(SPEC_PATH)


@pytest.mark.parametrize("schema, known, location", [
    ({"type": "string", "pattern": "^INV-[0-9]{6}$"}, ["INV-004211", "sup_acmecorp"], "header"),
    ({"type": "string", "pattern": "^sup_[a-z]{8}$"}, ["INV-004211", "sup_acmecorp"], "query"),
    ({"type": "string", "pattern": "^sup_[a-z]{8}$"}, [], "query"),
    ({"type": "string", "format": "uuid"}, ["not-a-uuid"], "body"),
    ({"type": "string", "format": "date"}, ["2026-01-01"], "path"),
    ({"type": "string", "minLength": 4, "maxLength": 4}, ["abcd"], "query"),
    ({"type": "string", "enum": ["north", "south"]}, ["north"], "query"),
    ({"type": "integer", "minimum": 1, "maximum": 9}, [9], "path"),
])
def test_the_unknown_entity_fits_the_subject_schema(schema: dict[str, Any], known: list[Any], location: str) -> None:
    value = unknown_value(SPEC, schema, known, seed=11, location=location)
    assert SPEC.errors(schema, value) == [] and value not in known
    assert unknown_value(SPEC, schema, known, seed=11, location=location) == value  # the same seed, the same value
    if location != "body":
        assert str(value).isascii() and str(value).isprintable()


def test_a_schema_that_admits_only_the_known_entity_is_not_verified() -> None:
    with pytest.raises(NotVerified, match="admits only the known value"):
        unknown_value(SPEC, {"type": "string", "enum": ["north"]}, ["north"], seed=1, location="query")


def test_each_operation_names_its_own_example() -> None:
    examples = {op.operation_id: op.subject_example for op in SPEC.operations if op.subject}
    assert examples == {"supplierScore": "sup_acmecorp", "explainInvoice": "INV-004211"}


def test_a_request_waits_for_its_deadline_plus_a_margin() -> None:
    audit = SPEC.operation("latestAudit")
    assert audit is not None and audit.deadline_s == 6.0
    assert exchange_timeout(1.0, audit.deadline_s) == 6.0 + DEADLINE_MARGIN_S
    assert exchange_timeout(30.0, audit.deadline_s) == 30.0
    assert exchange_timeout(1.0, None) == 1.0
    assert exchange_timeout(1.0, 0.8) == 1.6  # a short deadline's margin is the deadline again


def _sse(frames: list[dict[str, Any]], operation: str = "chat") -> Exchange:
    body = "".join(f"data: {json.dumps(f)}\n\n" for f in frames).encode()
    return Exchange("POST", "http://x/chat", {}, None, status=200,
                    headers=httpx.Headers({"content-type": "text/event-stream"}), body=body, operation=operation)


def test_a_stream_is_priced_at_the_tier_its_opening_frame_names() -> None:
    chat = SPEC.operation("chat")
    assert chat is not None
    exchange = _sse([{"type": "open", "tier": "pro"}, {"type": "delta", "i": 0, "t": "x"},
                     {"type": "done", "degraded": False, "usage": {"tokens": 1000, "cost_usd": 0.004}}])
    (reading,) = readings(chat, exchange)
    assert (reading.tier, reading.token_count, reading.cost_usd) == ("pro", 1000, 0.004)
    assert unpriced_tier(SPEC, reading) is None
    assert CostReader(SPEC).cost(exchange) == (0.004, "reported")  # the budget reads the same data-only stream


def test_an_unknown_tier_is_one_decision_for_the_rule_and_the_budget() -> None:
    chat = SPEC.operation("chat")
    assert chat is not None
    exchange = _sse([{"type": "open", "tier": "ultra"},
                     {"type": "done", "degraded": False, "usage": {"tokens": 1000}}])
    (reading,) = readings(chat, exchange)
    assert "'ultra'" in (unpriced_tier(SPEC, reading) or "")  # the rule: not verified, tier named
    assert spend(SPEC, reading) == (pytest.approx(0.004), "priced")  # the budget: the highest rate


def test_a_burst_is_sized_from_the_limit_and_fails_only_on_proof() -> None:
    assert wave_size(20) == 25 and wave_size(100) == 120 and burst_cap(100) == 500 and burst_cap(1000) == 600
    assert crossed(41, 0.9, 20, 1.0)  # more than two windows' worth within one window
    assert not crossed(40, 0.9, 20, 1.0)  # a fixed window may have split them 20 + 20
    assert not crossed(50, 1.5, 20, 1.0)  # three windows touched: 60 could be allowed
    assert crossed(61, 1.5, 20, 1.0)



def test_subject_precedence_is_first_matching_subject_then_customer_id() -> None:
    from dataclasses import replace

    from contractkit.conformance.options import PROFILES, VerifyOptions
    from contractkit.conformance.selection import subject_value, within

    options = VerifyOptions(kind="neuron", spec=SPEC_PATH, profile=PROFILES["quick"], customer_id="sup_acmecorp",
                            subjects=[("explain*", "INV-000001"), ("explainInvoice", "INV-000002")])
    supplier, invoice = SPEC.operation("supplierScore"), SPEC.operation("explainInvoice")
    assert subject_value(invoice, options) == "INV-000001" and subject_value(supplier, options) == "sup_acmecorp"
    assert subject_value(supplier, replace(options, customer_id=None)) is None
    assert within(SPEC.operations, replace(options, operations=["supplier*"])) == [supplier]
