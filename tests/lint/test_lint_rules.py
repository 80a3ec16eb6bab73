"""Every lint rule passes on the bundled specs and fails, with its id and the right place, on a
copy broken in exactly the way the rule names."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_helpers import Edit, broken_copy, lint

from contractkit.lint.registry import LINT_RULES
from contractkit.loading import load_document

OAS = "neuron-api.yaml"
MCP = "mcp-servers.yaml"

# rule id -> (spec, edits, JSON pointer the finding must carry)
BROKEN: dict[str, tuple[str, list[Edit], str]] = {
    "OAS-001": (OAS, [Edit("  title: neuron API\n", "")], "/info"),
    "OAS-002": (
        OAS,
        [Edit("'#/components/schemas/ChatDone'", "'#/components/schemas/ChatDon'")],
        "/x-websockets/~1chat~1ws/server_messages/oneOf/3/$ref",
    ),
    "OAS-003": (
        OAS,
        [
            Edit(
                "  schemas:\n",
                "  schemas:\n    LoopA:\n      allOf:\n        - $ref: '#/components/schemas/LoopB'\n"
                "    LoopB:\n      allOf:\n        - $ref: '#/components/schemas/LoopA'\n",
            )
        ],
        "/components/schemas/LoopA/allOf/0/$ref",
    ),
    "OAS-004": (OAS, [Edit("  version: 1.1.0\n", "  version: v1\n")], "/info/version"),
    "OAS-010": (OAS, [Edit("      operationId: assessRisk\n", "")], "/paths/~1assess-risk/post"),
    "OAS-011": (
        OAS,
        [Edit("operationId: assessRisk", "operationId: analyzeCustomer")],
        "/paths/~1assess-risk/post/operationId",
    ),
    "OAS-020": (
        OAS,
        [Edit("        '403':\n          $ref: '#/components/responses/Forbidden'\n", "", "  /chat:")],
        "/paths/~1chat/post/responses",
    ),
    "OAS-021": (
        OAS,
        [Edit("engineServiceToken: [neuron.risk]", "engineServiceToken: [neuron.risky]")],
        "/paths/~1assess-risk/post/security/0/engineServiceToken/0",
    ),
    "OAS-030": (
        OAS,
        [Edit("$ref: '#/components/schemas/Problem'", "type: object", "    CustomerNotFound:")],
        "/components/responses/CustomerNotFound/content/application~1problem+json/schema",
    ),
    "OAS-031": (
        OAS,
        [Edit("        Retry-After:\n          $ref: '#/components/headers/Retry-After'\n", "", "    RateLimited:")],
        "/components/responses/RateLimited",
    ),
    "OAS-040": (
        OAS,
        [
            Edit(
                "required: [reply, token_count, cost_usd, model_tier, fallback]",
                "required: [reply, cost_usd, model_tier, fallback]",
            )
        ],
        "/paths/~1chat/post/responses/200/content/application~1json/schema",
    ),
    "OAS-041": (
        OAS,
        [Edit("      maximum: 1\n", "      maximum: 100\n", "    Confidence:")],
        "/components/schemas/AnalyzeCustomerResponse/properties/confidence",
    ),
    "OAS-042": (
        OAS,
        [Edit("        '503':\n          $ref: '#/components/responses/Unavailable'\n", "", "  /assess-risk:")],
        "/paths/~1assess-risk/post/x-ai-operation",
    ),
    "OAS-050": (
        OAS,
        [Edit("x-sse-terminal-events: [done, error]", "x-sse-terminal-events: [done, failed]")],
        "/paths/~1chat~1stream/post/responses/200/content/text~1event-stream/x-sse-terminal-events/1",
    ),
    "OAS-051": (
        OAS,
        [Edit("failure_close_code: 1008", "failure_close_code: 4001")],
        "/x-websockets/~1chat~1ws/auth/failure_close_code",
    ),
    "OAS-052": (OAS, [Edit("    advanced: 0.015\n", "")], "/x-pricing/usd_per_1k_tokens"),
    "OAS-053": (OAS, [Edit("  header: X-Fault-Inject\n", "")], "/x-fault-injection"),
    "OAS-054": (
        OAS,
        [Edit("deadline_ms: 8000", 'deadline_ms: "8s"')],
        "/paths/~1analyze-customer/post/x-ai-operation/deadline_ms",
    ),
    "OAS-055": (
        OAS,
        [Edit("        stream_of: chat\n", "        stream_of: chatty\n")],
        "/paths/~1chat~1stream/post/x-ai-operation/stream_of",
    ),
    "OAS-056": (OAS, [Edit("        deadline_ms: 8000\n", "")], "/paths/~1analyze-customer/post"),
    "OAS-057": (
        OAS,
        [Edit("          token_count: /token_count\n", "          token_count: /tokens\n", "/analyze-customer:")],
        "/paths/~1analyze-customer/post/x-ai-operation/usage/token_count",
    ),
    "OAS-060": (
        OAS,
        [Edit("confidence: 0.82", "confidence: 1.82")],
        "/paths/~1analyze-customer/post/responses/200/content/application~1json/example",
    ),
    "OAS-070": (
        OAS,
        [Edit("          cost_usd: header:X-Usage-Cost-USD\n", "          cost_usd: header:X-Cost\n")],
        "/paths/~1account-reviews/post/x-ai-operation/usage/cost_usd",
    ),
    "OAS-071": (
        OAS,
        [Edit("          operation: getAccountReview\n", "          operation: startAccountReview\n")],
        "/paths/~1account-reviews/post/x-ai-operation/job/operation",
    ),
    "OAS-072": (
        OAS,
        [Edit("      connection: [session]\n", "      connection: [delta]\n")],
        "/x-websockets/~1chat~1ws/x-stream/connection/0",
    ),
    "OAS-073": (
        OAS,
        [Edit("        name: review_id\n        not_found_status", "        name: id\n        not_found_status")],
        "/paths/~1account-reviews~1{review_id}/get/x-subject/name",
    ),
    "MCP-001": (
        MCP,
        [Edit("protocol_versions: ['2025-06-18', '2025-11-25']", "protocol_versions: [june]")],
        "/servers/0/protocol_versions/0",
    ),
    "MCP-002": (MCP, [Edit("$ref: '#/$defs/Customer'", "$ref: '#/$defs/Customr'")], "/servers/0/tools/0/returns/$ref"),
    "MCP-003": (
        MCP,
        [
            Edit(
                "$defs:\n",
                "$defs:\n  LoopA:\n    allOf:\n      - $ref: '#/$defs/LoopB'\n"
                "  LoopB:\n    allOf:\n      - $ref: '#/$defs/LoopA'\n",
            )
        ],
        "/$defs/LoopA/allOf/0/$ref",
    ),
    "MCP-010": (MCP, [Edit("- name: get_document", "- name: search_documents")], "/servers/1/tools/1/name"),
    "MCP-011": (MCP, [Edit("- name: get_customer", "- name: getCustomer")], "/servers/0/tools/0/name"),
    "MCP-012": (
        MCP,
        [Edit("          type: object", "          type: objekt", "- name: get_customer")],
        "/servers/0/tools/0/parameters",
    ),
    "MCP-020": (MCP, [Edit("scope: crm.read", "scope: crm.reed")], "/servers/0/tools/0/scope"),
    "MCP-030": (
        MCP,
        [Edit("    rate_limit:\n      requests: 60\n      window_seconds: 2\n      key: client_id\n", "")],
        "/servers/0",
    ),
    "MCP-031": (MCP, [Edit("      required: true\n", "      required: false\n")], "/servers/0/audit_log/required"),
    "MCP-040": (MCP, [Edit("query: acme", "query: ''")], "/servers/0/tools/1/examples/0/arguments"),
}


def test_every_rule_has_a_broken_copy() -> None:
    assert set(BROKEN) == {rule.id for rule in LINT_RULES}


def test_every_rule_is_documented() -> None:
    for rule in LINT_RULES:
        assert rule.title and rule.clause and rule.tags, rule.id
        assert "What it does" in rule.doc and "Why" in rule.doc and "Example" in rule.doc, rule.id


@pytest.mark.parametrize("spec", [OAS, MCP])
def test_bundled_specs_pass_every_rule(specs_dir: Path, spec: str) -> None:
    report = lint(specs_dir / spec)
    assert report.files and not report.errors
    assert report.findings == [], [f"{f.rule} {f.message}" for f in report.findings]


@pytest.mark.parametrize("rule_id", sorted(BROKEN))
def test_rule_fails_on_its_broken_copy(rule_id: str, specs_dir: Path, tmp_path: Path) -> None:
    spec, edits, pointer = BROKEN[rule_id]
    broken = broken_copy(specs_dir / spec, tmp_path, *edits)
    report = lint(broken, [rule_id])
    mine = [f for f in report.findings if f.rule == rule_id]
    assert mine, f"{rule_id} found nothing"
    assert report.exit_code == (1 if LINT_RULES.get(rule_id).severity == "error" else 0)
    hit = next((f for f in mine if f.pointer == pointer), None)
    assert hit is not None, [(f.pointer, f.message) for f in mine]
    # file:line:column point at the node the pointer names.
    document = load_document(broken)
    assert (hit.line, hit.column) == document.locate(pointer)
    line_text = broken.read_text().splitlines()[hit.line - 1]
    last = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    if not last.isdigit():
        assert line_text[hit.column - 1 :].lstrip("'\"- ").startswith(last), (line_text, last)
    assert hit.file == str(broken)


def test_swagger_2_bodies_are_read_from_the_response(tmp_path: Path) -> None:
    spec = tmp_path / "swagger.yaml"
    spec.write_text(
        "swagger: '2.0'\ninfo: {title: s, version: 1.0.0}\n"
        "securityDefinitions:\n  oauth: {type: oauth2, flow: application, tokenUrl: 'https://x/t', scopes: {read: r}}\n"
        "security: [{oauth: [read]}]\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n"
        "        '200': {description: ok, schema: {type: object}}\n"
        "        '401': {description: no, schema: {$ref: '#/definitions/Err'}}\n"
        "        '403': {description: no, schema: {$ref: '#/definitions/Err'}}\n"
        "        '404': {description: no}\n"
        "definitions:\n  Err: {type: object, properties: {code: {type: string}}}\n"
    )
    report = lint(spec)
    assert [(f.rule, f.pointer, f.line) for f in report.findings] == [("OAS-030", "/paths/~1a/get/responses/404", 14)]
