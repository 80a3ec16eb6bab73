"""The evidence ledger and the rule kinds: a pass the framework would not accept, whatever the check says.

Each test runs a real check function through the plugin's ``RuleCase`` (the path every live case
takes), with exchanges built as the client builds them, and looks at what the plugin makes of it.
"""

from __future__ import annotations

import os

import pytest
from verify_helpers import run_cli

from contractkit.conformance.http import Exchange
from contractkit.conformance.kinds import MCP_CHECKS, NEURON_CHECKS
from contractkit.conformance.ledger import LEDGER, STRICT_ENV, EvidenceError, Verdict, examined_of
from contractkit.conformance.outcomes import Examined, NotVerified
from contractkit.conformance.plugin import RuleCase
from contractkit.conformance.registry import RULE_KINDS
from contractkit.registry import Registry, RuleInfo


def exchange(status: int | None, operation: str = "op", error: str | None = None) -> Exchange:
    return Exchange("POST", "http://127.0.0.1:1/x", {}, b"{}", status=status, error=error, operation=operation)


def case(kind: str, func, subject: str = "op") -> RuleCase:  # type: ignore[no-untyped-def]
    info = RuleInfo("NEU-AUTH-001", "t", "error", "c", func=lambda target, _subject: func(), applies="x", kind=kind)
    return RuleCase(info, subject)


@pytest.fixture(autouse=True)
def fresh_ledger(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    LEDGER.reset()
    monkeypatch.setenv(STRICT_ENV, "1")
    yield
    LEDGER.reset()


def test_every_live_rule_declares_a_known_kind() -> None:
    for rule in [*NEURON_CHECKS, *MCP_CHECKS]:
        assert rule.kind in RULE_KINDS, rule.id


def test_a_rule_without_a_kind_cannot_be_registered() -> None:
    registry = Registry("neuron", RULE_KINDS)
    with pytest.raises(ValueError, match="NEU-NEW-001"):
        registry.register("NEU-NEW-001", "new", clause="c")(lambda target: None)


def test_a_refusal_without_its_control_is_an_internal_error_under_strict() -> None:
    def check() -> Examined:
        LEDGER.refused("op", "http", exchange(401), {401})
        return Examined(1, "refused requests")

    with pytest.raises(EvidenceError, match="positive control"):
        case("refusal", check).run(None)


def test_a_refusal_without_its_control_is_not_verified_in_a_user_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STRICT_ENV)

    def check() -> Examined:
        LEDGER.refused("op", "http", exchange(401), {401})
        return Examined(1, "refused requests")

    with pytest.raises(NotVerified, match="without the evidence"):
        case("refusal", check).run(None)


def test_a_control_for_another_subject_or_method_does_not_count() -> None:
    LEDGER.control("other", "http", exchange(200))
    LEDGER.control("op", "ws:header", exchange(200), ok=True)

    def check() -> Examined:
        LEDGER.refused("op", "http", exchange(401), {401})
        return Examined(1, "refused requests")

    with pytest.raises(EvidenceError):
        case("refusal", check).run(None)


def test_a_failed_control_records_nothing() -> None:
    assert not LEDGER.control("op", "http", exchange(404))
    assert not LEDGER.control("op", "http", exchange(None, error="reset"))
    assert not LEDGER.has_control("op")


def test_refusals_count_distinct_exchanges_after_a_control() -> None:
    LEDGER.control("op", "http", exchange(200))
    refused = exchange(401)

    def check() -> Examined:
        for _ in range(3):  # the same answer judged three times is one exchange
            LEDGER.refused("op", "http", refused, {401})
        LEDGER.refused("op", "http", exchange(429), {401})
        return Examined(9, "refused requests")

    examined = case("refusal", check).run(None)
    assert examined.count == 1
    assert "rate-limited/unanswered" in examined.unchecked  # the 429: partial, never a refusal


@pytest.mark.parametrize("got", [exchange(429), exchange(None, error="ConnectError: reset")])
def test_a_429_or_no_answer_is_neither_a_refusal_nor_a_failure(got: Exchange) -> None:
    LEDGER.control("op", "http", exchange(200))
    assert LEDGER.refused("op", "http", got, {401}) is Verdict.UNANSWERED

    def check() -> Examined:
        LEDGER.refused("op", "http", got, {401})
        return Examined(1, "refused requests")

    with pytest.raises(NotVerified, match="rate-limited/unanswered"):
        case("refusal", check).run(None)


def test_a_refusal_rule_that_passes_past_another_status_is_an_internal_error() -> None:
    LEDGER.control("op", "http", exchange(200))

    def check() -> Examined:
        LEDGER.refused("op", "http", exchange(200), {401})
        return Examined(1, "refused requests")

    with pytest.raises(EvidenceError, match="got 200"):
        case("refusal", check).run(None)


def test_a_refusal_rule_that_recorded_nothing_is_an_internal_error() -> None:
    with pytest.raises(EvidenceError, match="without recording a refusal"):
        case("refusal", lambda: Examined(1, "refused requests")).run(None)


def test_a_fault_rule_counts_only_answers_a_fault_reached() -> None:
    reached, cached = exchange(503), exchange(200)
    LEDGER.fault(reached, "provider_error")

    def check(*answers: Exchange):  # type: ignore[no-untyped-def]
        def run() -> Examined:
            for answer in answers:
                LEDGER.count(answer)
            return Examined(1, "answers under provider faults")  # the check's own claim
        return run

    assert case("fault", check(reached)).run(None).count == 1
    with pytest.raises(EvidenceError, match="no fault attributed"):
        case("fault", check(reached, cached)).run(None)
    with pytest.raises(EvidenceError, match="without counting"):
        case("fault", check()).run(None)


def test_an_audit_needs_its_subject_served_once() -> None:
    with pytest.raises(EvidenceError, match="positive control"):
        case("audit", lambda: Examined(1, "error answers")).run(None)
    LEDGER.control("op", "served", exchange(200))
    assert case("audit", lambda: Examined(1, "error answers")).run(None).count == 1


def test_examined_counts_each_exchange_once() -> None:
    one, two = exchange(400), exchange(400)
    assert examined_of([one, two, one, two, one], "error answers").count == 2


FORGETFUL_CHECK = '''
from contractkit.conformance.outcomes import Examined
from contractkit.conformance.registry import NEURON_CHECKS


@NEURON_CHECKS.register("NEU-ZZZ-999", "A refusal check that forgot its control", kind="refusal", clause="none")
def forgetful(neuron):
    """Sends nothing and claims a pass."""
    return Examined(1, "refused requests")
'''


@pytest.mark.parametrize(("strict", "code", "says"), [("1", 3, "a check passed without its evidence"),
                                                      ("", 0, "without the evidence its rule needs")])
def test_a_check_that_forgets_its_evidence_cannot_pass_a_run(tmp_path, stack, strict: str, code: int,
                                                             says: str) -> None:
    """End to end: a new check registered (here through ``sitecustomize``, imported by every process of
    the run) that claims a pass without a refusal or a control. Strict: exit 3; a user's run: not verified."""
    (tmp_path / "sitecustomize.py").write_text(FORGETFUL_CHECK)
    result = run_cli("verify", "neuron", "--neuron-url", stack.neuron_url, "--rule", "NEU-ZZZ-999",
                     env={STRICT_ENV: strict,
                          "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))})
    output = result.stdout + result.stderr
    assert result.returncode == code, output[-3000:]
    assert says in output, output[-3000:]
    assert "PASS  NEU-ZZZ-999" not in output
