"""OAS-056 lists, before the run, the rules a spec leaves not verified and the declaration each
lacks; OAS-057 resolves every pointer and name of the extensions. Each passes on the bundled and
the second neuron's spec and catches the variant it names."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_helpers import Edit, broken_copy, lint

from contractkit.loading import load_document

ROOT = Path(__file__).resolve().parents[2]
OAS = ROOT / "specs" / "neuron-api.yaml"
CHURN = ROOT / "tests" / "second_neuron" / "churn-api.yaml"


@pytest.mark.parametrize("spec", [OAS, CHURN])
def test_the_bundled_and_second_specs_declare_what_every_rule_needs(spec: Path) -> None:
    report = lint(spec, ["OAS-056", "OAS-057"])
    assert not report.errors and report.findings == [], [f.message for f in report.findings]


# (edits, rule, pointer, words the message must hold)
CAUGHT = {
    "no model tier": (
        [Edit("        default_model_tier: balanced\n", "", "/analyze-customer:"),
         Edit("          model_tier: /model_tier\n", "", "/analyze-customer:")],
        "OAS-056", "/paths/~1analyze-customer/post", ["model tier", "NEU-USE-001"]),
    "no WebSocket type_field": (
        [Edit("      type_field: /type\n", "")], "OAS-056", "/x-websockets/~1chat~1ws",
        ["x-stream.type_field", "NEU-WS-002", "NEU-WS-003"]),
    "no WebSocket close code": (
        [Edit("      failure_close_code: 1008\n", "")], "OAS-056", "/x-websockets/~1chat~1ws",
        ["auth.failure_close_code", "NEU-WS-001"]),
    "usage pointer to nothing": (
        [Edit("          cost_usd: /cost_usd\n", "          cost_usd: /usage/cost\n", "/assess-risk:")],
        "OAS-057", "/paths/~1assess-risk/post/x-ai-operation/usage/cost_usd", ["/usage/cost"]),
    "fallback marker to nothing": (
        [Edit("          marker: /fallback\n", "          marker: /degraded\n", "/analyze-customer:")],
        "OAS-057", "/paths/~1analyze-customer/post/x-ai-operation/fallback/marker", ["/degraded"]),
    "stream text to nothing": (
        [Edit("          text: /text\n", "          text: /txt\n", "/chat/stream:")], "OAS-057",
        "/paths/~1chat~1stream/post/responses/200/content/text~1event-stream/x-stream/text", ["/txt", "delta"]),
    "WebSocket index to nothing": (
        [Edit("      index: /index\n", "      index: /position\n")], "OAS-057",
        "/x-websockets/~1chat~1ws/x-stream/index", ["/position"]),
    "an end that is also an error": (
        [Edit("      errors: [error]\n", "      errors: [done]\n")], "OAS-057",
        "/x-websockets/~1chat~1ws/x-stream/errors/0", ["both an ending frame"]),
    "not_found_status not declared": (
        [Edit("          name: /customer_id\n", "          name: /customer_id\n          not_found_status: 410\n")],
        "OAS-057", "/paths/~1analyze-customer/post/x-ai-operation/subject/not_found_status", ["410"]),
    "readiness value its schema refuses": (
        [Edit("          status: 503\n", "          pointer: /status\n          values: [sick]\n")], "OAS-057",
        "/paths/~1ready/get/x-probe/degraded/values/0", ["'sick'"]),
    "readiness pointer to nothing": (
        [Edit("          status: 503\n", "          pointer: /state\n          values: [degraded]\n")], "OAS-057",
        "/paths/~1ready/get/x-probe/degraded/pointer", ["/state"]),
}


@pytest.mark.parametrize("case", sorted(CAUGHT))
def test_each_gap_is_caught_where_it_is(case: str, tmp_path: Path) -> None:
    edits, rule, pointer, words = CAUGHT[case]
    broken = broken_copy(OAS, tmp_path, *edits)
    report = lint(broken, ["OAS-056", "OAS-057"])
    hits = [f for f in report.findings if f.pointer == pointer and f.rule == rule]
    assert hits, [(f.rule, f.pointer, f.message) for f in report.findings]
    assert all(word in hits[0].message for word in words), hits[0].message
    assert (hits[0].line, hits[0].column) == load_document(broken).locate(pointer)
    assert hits[0].severity == ("warning" if rule == "OAS-056" else "error")


def test_a_spec_missing_half_the_declarations_is_told_every_gap(tmp_path: Path) -> None:
    """The issue's case: one finding is not enough; every rule left without its declaration is named."""
    spec = broken_copy(OAS, tmp_path, Edit("x-pricing:", "x-not-pricing:", "\nx-pricing:"),
                       Edit("        default_model_tier: balanced\n", "", "/analyze-customer:"),
                       Edit("      type_field: /type\n", ""), Edit("      failure_close_code: 1008\n", ""),
                       Edit("        deadline_ms: 8000\n", ""), Edit("        stream_of: chat\n", "", "/chat/stream:"))
    messages = " ".join(f.message for f in lint(spec, ["OAS-056"]).findings)
    for rule in ("NEU-USE-001", "NEU-WS-001", "NEU-WS-002", "NEU-FB-002", "NEU-USE-002"):
        assert rule in messages, (rule, messages)


def test_rules_with_nothing_to_check_on_are_told_too(tmp_path: Path) -> None:
    """A service without a WebSocket leaves the NEU-WS rules not verified; lint says so before the run."""
    spec = broken_copy(OAS, tmp_path, Edit("\nx-websockets:", "\nx-not-websockets:"))
    hits = [f.message for f in lint(spec, ["OAS-056"]).findings if "nothing to check them on" in f.message]
    assert len(hits) == 1 and "WebSocket endpoint" in hits[0], hits
    assert all(rule in hits[0] for rule in ("NEU-WS-001", "NEU-WS-002", "NEU-WS-003")), hits


def test_a_plain_openapi_description_gets_no_list(tmp_path: Path) -> None:
    spec = tmp_path / "plain.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: p, version: 1.0.0}\npaths:\n  /a:\n    get:\n"
                    "      responses: {'200': {description: ok}}\n")
    assert lint(spec, ["OAS-056", "OAS-057"]).findings == []


def test_a_pointer_through_all_of_and_one_of_branches_resolves(tmp_path: Path) -> None:
    spec = tmp_path / "n.yaml"
    spec.write_text("""openapi: 3.1.0
info: {title: n, version: 1.0.0}
paths:
  /a:
    post:
      x-ai-operation:
        deadline_ms: 100
        fallback: {mode: unavailable}
        usage: {token_count: /meta/usage/tokens, cost_usd: /cost, model_tier: /items/0/tier}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                allOf:
                  - $ref: '#/components/schemas/Base'
                  - oneOf:
                      - {type: object, properties: {cost: {type: number}}}
                      - {type: object, properties: {price: {type: number}}}
components:
  schemas:
    Base:
      type: object
      properties:
        meta: {type: object, properties: {usage: {$ref: '#/components/schemas/Usage'}}}
        items: {type: array, items: {type: object, properties: {tier: {type: string}}}}
    Usage: {type: object, properties: {tokens: {type: integer}}}
""")
    assert lint(spec, ["OAS-057"]).findings == []
    spec.write_text(spec.read_text().replace("/meta/usage/tokens", "/meta/usage/token"))
    assert [f.pointer for f in lint(spec, ["OAS-057"]).findings] == [
        "/paths/~1a/post/x-ai-operation/usage/token_count"]


def test_the_plan_names_the_same_gaps(tmp_path: Path) -> None:
    """``verify --plan`` reads the same table: the rule, the subject and the declaration to add."""
    import subprocess
    import sys

    spec = broken_copy(OAS, tmp_path, Edit("        deadline_ms: 8000\n", ""))
    result = subprocess.run([sys.executable, "-m", "contractkit", "verify", "neuron", "--neuron-url",
                             "http://127.0.0.1:9", "--spec", str(spec), "--plan", "--operation", "analyzeCustomer"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "NEU-FB-002" in result.stdout and "on analyzeCustomer: x-ai-operation.deadline_ms" in result.stdout
