"""The degenerate-target matrix: every neuron/ rule against targets that do one thing to everything.

A target that answers 404 (or 401, 403, 429, 500) to everything, ``{}`` or an empty body with 200,
resets its connections, or serves each token's first request and 429s the rest gives a rule
nothing to stand on: no rule may pass or partially pass on it, and no rule may fail it for
something it did not do. ``EXPECTED_FAILURES`` lists, as data, the failures a target earns by what
it does (with the reason); every other failure, and every pass, is an offence. A target whose one
AI operation answers from a cache (``cached``) is otherwise the reference: there the fault rules
must leave that operation "not verified", and nothing may fail.

Every target is a real server on 127.0.0.1 (``degenerate_targets``), verified by ``contractkit
verify neuron`` in a child process with the per-rule JSON report, all targets at once. The test
lists every offending (rule, target) and fails when a rule is added to the registry without being
listed in ``MATRIX_RULES`` (look at its row of the matrix, then add it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from degenerate_targets import CachedAnswers, TokenOnce, answer_everything
from hostile_servers import HostileServer
from verify_helpers import run_cli

from contractkit.conformance.kinds import NEURON_CHECKS
from contractkit.reference.neuron import NeuronSettings, create_neuron_app
from contractkit.reference.provider_double import ProviderDouble
from contractkit.reference.stack import ReferenceStack
from contractkit.resources import neuron_spec_path
from contractkit.servers import BackgroundServer
from contractkit.spec.neuron import NeuronSpec

# the matrix is one module fixture: its tests share one worker under pytest-xdist, so it is computed once
pytestmark = [pytest.mark.xdist_group("neuron-degenerate-matrix"), pytest.mark.timeout(400)]

SECRET_ENV = "CONTRACTKIT_TEST_CLIENT_SECRET"
SEED = "1709"
SPEC = NeuronSpec.load(neuron_spec_path())
CACHED_OPERATION = "suggestNextAction"  # not the first AI operation: NEU-FB-003 drives that one

MATRIX_RULES = frozenset({
    "NEU-AUTH-001", "NEU-AUTH-002", "NEU-AUTH-003", "NEU-AUTH-004", "NEU-AUTH-005", "NEU-AUTH-006", "NEU-AUTH-007",
    "NEU-SCH-001", "NEU-SCH-002", "NEU-SCH-003", "NEU-SCH-004", "NEU-SCH-005", "NEU-SCH-006",
    "NEU-ERR-001", "NEU-ERR-002", "NEU-ERR-003", "NEU-ERR-004",
    "NEU-FB-001", "NEU-FB-002", "NEU-FB-003", "NEU-RL-001",
    "NEU-SSE-001", "NEU-SSE-002", "NEU-SSE-003", "NEU-USE-001", "NEU-USE-002",
    "NEU-WS-001", "NEU-WS-002", "NEU-WS-003",
})

# (rule, target) -> why failing it is right: the target did what the rule forbids. A target answering 200
# serves every request, bad ones included; nothing else earns a failure.
_SERVED_200 = {
    "NEU-AUTH-001": "it serves requests without a token",
    "NEU-AUTH-002": "it serves malformed tokens",
    "NEU-AUTH-003": "it serves forged and tampered tokens",
    "NEU-AUTH-004": "it serves expired tokens",
    "NEU-AUTH-005": "it serves tokens for another audience",
    "NEU-AUTH-006": "it serves tokens without the operation's scope",
    "NEU-ERR-004": "it answers 200 about an entity that does not exist",
    "NEU-SCH-001": "its 200 answers do not match the declared response schemas",
    "NEU-SCH-003": "it answers the SSE stream with application/json",
    "NEU-SCH-006": "it answers invalid requests as if valid",
    "NEU-SSE-001": "it answers the SSE stream with a JSON 200",
    "NEU-SSE-002": "its 200 stream carries no frame",
    "NEU-WS-002": "it accepts an authenticated WebSocket and closes it without answering the turn",
}
EXPECTED_FAILURES: dict[tuple[str, str], str] = {
    **{(rule, "200-object"): why for rule, why in _SERVED_200.items()},
    ("NEU-USE-001", "200-object"): "its 200 AI answers report no token count",
    **{(rule, "200-empty"): why for rule, why in _SERVED_200.items()},
    ("NEU-RL-001", "token-once"): "after the burst and the Retry-After wait, the valid request is still refused 429",
}

DEGENERATE = ("404", "401", "403", "429", "500", "200-object", "200-empty", "reset", "token-once")


@contextmanager
def degenerate(name: str, shared: ReferenceStack) -> Iterator[tuple[str, ReferenceStack]]:
    """(URL, the stack whose token issuer and provider double the run uses) of the target ``name``."""
    if name == "reset":
        with HostileServer("reset-after-health") as server:
            yield server.url, shared
        return
    if name in ("token-once", "cached"):
        holder: dict[str, ReferenceStack] = {}

        def build(settings: NeuronSettings) -> Any:
            app = create_neuron_app(settings)
            if name == "cached":
                return CachedAnswers(app, SPEC.operation(CACHED_OPERATION).path)
            return TokenOnce(app, holder["stack"].issuer.key.private_key.public_key(), SPEC.audiences)

        holder["stack"] = ReferenceStack(neuron_app_factory=build)
        with holder["stack"] as stack:
            yield stack.neuron_url, stack
        return
    status, body = {"200-object": (200, b"{}"), "200-empty": (200, b"")}.get(name) or (int(name), None)
    with BackgroundServer(answer_everything(status, body)) as server:
        yield server.url, shared


def verify(url: str, stack: ReferenceStack, double_url: str, report: Path) -> tuple[int, str, dict[str, Any]]:
    """``contractkit verify neuron`` on ``url`` with every rule; (exit code, output tail, rules by id)."""
    result = run_cli("verify", "neuron", "--neuron-url", url, "--profile", "quick", "--seed", SEED,
                     "--token-url", stack.token_url, "--client-id", stack.client_id,
                     "--client-secret-env", SECRET_ENV, "--other-audience", "crm-data-mcp",
                     "--provider-double", double_url, "--report-json", str(report),
                     env={SECRET_ENV: stack.client_secret}, timeout=300)
    tail = (result.stdout[-3000:] + result.stderr[-2000:])
    data = json.loads(report.read_text()) if report.exists() else {"rules": []}
    print(f"{url}: exit {result.returncode} in {data.get('duration_s', 0):.0f} s")  # shown with pytest -s
    return result.returncode, tail, {r["id"]: r for r in data["rules"]}


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, dict[str, Any]]]:
    """Every target verified at once: target -> (exit code, output tail, rules by id)."""
    out = tmp_path_factory.mktemp("degenerate")
    silent = ProviderDouble()  # no degenerate target calls it: a fault armed there reaches nobody
    with ExitStack() as stack:
        shared = stack.enter_context(ReferenceStack())
        double_url = stack.enter_context(BackgroundServer(silent.app)).url
        targets = {name: stack.enter_context(degenerate(name, shared)) for name in (*DEGENERATE, "cached")}
        with ThreadPoolExecutor(max_workers=len(targets)) as pool:
            futures = {name: pool.submit(verify, url, owner, owner.double_url if owner is not shared else double_url,
                                         out / f"{name}.json")
                       for name, (url, owner) in targets.items()}
            results = {name: future.result() for name, future in futures.items()}
    assert silent.requests == 0, "a degenerate target called the provider double"
    return results


def test_every_neuron_rule_is_in_the_matrix() -> None:
    """A new rule must be looked at against every degenerate target: list it in MATRIX_RULES."""
    assert {r.id for r in NEURON_CHECKS} == MATRIX_RULES


def _offences(target: str, rules: dict[str, Any]) -> list[str]:
    found = []
    for rule_id in sorted(MATRIX_RULES):
        rule = rules.get(rule_id)
        if rule is None:
            found.append(f"{rule_id} on {target}: not in the report")
            continue
        messages = " | ".join(f"{o['operation'] or '-'}: {o['message']}" for o in rule["outcomes"]
                              if o["status"] != "not_verified")[:400]
        expected = EXPECTED_FAILURES.get((rule_id, target))
        if any(o["status"] in ("passed", "warning") for o in rule["outcomes"]):
            found.append(f"{rule_id} on {target}: {rule['status']}{' (partial)' if rule['partial'] else ''} "
                         f"[{rule['examined']}] {messages}")
        elif rule["status"] == "failed" and expected is None:
            found.append(f"{rule_id} on {target}: failed for something it did not do: {messages}")
        elif expected is not None and rule["status"] != "failed":
            found.append(f"{rule_id} on {target}: expected to fail ({expected}) but {rule['status']}")
    return found


def test_no_rule_passes_or_wrongly_fails_on_a_degenerate_target(matrix) -> None:  # type: ignore[no-untyped-def]
    offences, broken = [], []
    for target in DEGENERATE:
        code, tail, rules = matrix[target]
        if code not in (0, 1, 2) or not rules:
            broken.append(f"{target}: exit {code}\n{tail}")
            continue
        offences += _offences(target, rules)
    assert not broken, "\n\n".join(broken)
    assert not offences, f"{len(offences)} offending (rule, target):\n" + "\n".join(offences)


def test_a_fault_that_never_reached_an_operation_is_not_verified_for_that_operation_only(matrix) -> None:  # type: ignore[no-untyped-def]
    """``cached``: the reference, but one AI operation answers a repeated question from its cache, so
    the provider faults the suite arms never reach it. The fault rules are not verified on that
    operation, with the reason, and pass on the others. The one failure it earns is its own doing:
    the cache answers in front of the rate limiter, so that operation serves past its limit (NEU-RL-001
    on that operation only)."""
    code, tail, rules = matrix["cached"]
    assert code in (0, 1) and rules, tail
    failed = [f"{r['id']} on {o['operation']}: {o['message']}" for r in rules.values() for o in r["outcomes"]
              if o["status"] == "failed" and not (r["id"] == "NEU-RL-001" and o["operation"] == CACHED_OPERATION)]
    assert not failed, failed
    for rule_id in ("NEU-FB-001", "NEU-FB-002"):
        by_operation = {o["operation"]: o for o in rules[rule_id]["outcomes"]}
        cached = by_operation[CACHED_OPERATION]
        assert cached["status"] == "not_verified", f"{rule_id}: {cached}"
        assert "no provider call" in cached["message"], cached["message"]
        others = [o for label, o in by_operation.items() if label != CACHED_OPERATION]
        assert others and all(o["status"] == "passed" for o in others), f"{rule_id}: {others}"
