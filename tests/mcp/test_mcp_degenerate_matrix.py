"""Degenerate MCP targets: every MCP rule is run against each, and none may pass for what it did not examine.

Four small servers on loopback, verified with every MCP rule under one spec that declares every
fact the rules need (bearer auth with a real token issuer, a rate limit, an audit log, scopes):

- ``refuse-401``: every request gets 401 with a Bearer challenge;
- ``limit-429``: every request gets 429 with ``Retry-After: 0``;
- ``is-error``: speaks MCP, and every tools/call is a tool error;
- ``no-validation``: speaks MCP, validates nothing, runs whatever arrives, and records it.

The expected status of every (rule, target) is data below, with its reason. On the two servers
that refuse everything nothing may pass, partially pass or warn; the two that speak MCP pass
only what they really do right (they list their tools), and fail only for what they did (serve
without a token, write no audit record, enforce no rate limit). The test lists every (rule,
target) whose status differs, and fails when a rule is registered without being listed here.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
from degenerate import Plain, tool
from hostile import refusing, serve
from mcp_helpers import verify

from contractkit.reference.token_issuer.clients import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

# one fixture computes the matrix (four runs, two at a time, about a minute); a busy machine gets room
pytestmark = [pytest.mark.xdist_group("mcp-degenerate-matrix"), pytest.mark.timeout(300)]

NV, FAILED, PASSED = "not_verified", "failed", "passed"

SPEC = """
format: contractkit/mcp-servers@1
version: 1.0.0
servers:
  - name: crm-data-mcp
    protocol_versions: ['2025-11-25']
    transports: {streamable_http: {path: /mcp}}
    authentication:
      type: bearer_token
      token_endpoint: TOKEN_URL
      audience: crm-data-mcp
      scopes: [crm.read, crm.write]
    rate_limit: {requests: 20, window_seconds: 5}
    audit_log:
      required: true
      format: jsonl
      fields: [time, caller, tool, outcome, arguments]
      redact: [password]
    tools:
      - name: lookup
        description: Look a key up.
        scope: crm.read
        read_only: true
        parameters: {type: object, required: [key], properties: {key: {type: string, maxLength: 20}}}
        returns: {type: string}
        examples: [{arguments: {key: k-1}}]
      - name: add_note
        description: Store a note.
        scope: crm.write
        parameters: {type: object, required: [key], properties: {key: {type: string, maxLength: 20}}}
        returns: {type: string}
        examples: [{arguments: {key: k-1}}]
"""

REFUSED = "every request is refused: the positive control (or the session) is not served, so nothing is judged"
LIMITED = "every request gets 429, which is no refusal and no answer: rate-limited, nothing is judged"
NO_SVC = "no engine double given: what the server sends engine/ is unseen"


def _all(status: str, reason: str) -> dict[str, tuple[str, str]]:
    from contractkit.conformance.kinds import MCP_CHECKS

    return {r.id: (status, reason) for r in MCP_CHECKS}


# (rule, target) -> (status, reason). A rule missing here fails the test (see test_every_rule_is_listed).
EXPECTED: dict[str, dict[str, tuple[str, str]]] = {
    "refuse-401": {**_all(NV, REFUSED),
                   "MCP-AUTH-002": (FAILED, "it serves no protected-resource metadata (the GET is refused with 401, "
                                            "a real answer, not a 429)")},
    "limit-429": _all(NV, LIMITED),
    "is-error": {
        **_all(NV, "no tools/call is ever served, so no call-based rule has a positive control"),
        "MCP-INIT-001": (PASSED, "it negotiates 2025-11-25 and answers 1999-01-01 with a real version: it does"),
        "MCP-INIT-002": (NV, "it does not offer the stateless revision"),
        "MCP-TOOLS-001": (PASSED, "it lists both declared tools: listing is not what it degenerates"),
        "MCP-TOOLS-002": (PASSED, "it offers no undeclared tool"),
        "MCP-TOOLS-003": (PASSED, "its inputSchema matches the declared parameters"),
        "MCP-CALL-001": (FAILED, "the spec's example of lookup fails with a tool error: it does that"),
        "MCP-CALL-002": (NV, "the positive control (a valid call of lookup) is a tool error; add_note may not be "
                             "called"),
        "MCP-AUTH-001": (FAILED, "it serves initialize without a token: it does that"),
        "MCP-AUTH-002": (FAILED, "it serves no protected-resource metadata"),
        "MCP-AUTH-003": (FAILED, "it serves a token that is not a JWT"),
        "MCP-AUTH-004": (NV, "the issuer gives the suite's client no token for another audience"),
        "MCP-AUTH-005": (FAILED, "it serves a token passed in the query string"),
        "MCP-AUTH-006": (FAILED, "it serves lookup to a token without crm.read: it does that (add_note: no call)"),
        "MCP-AUTH-007": (FAILED, "it serves a foreign Origin"),
        "MCP-AUTH-008": (NV, "it sends no 401 to inspect"),
        "MCP-RATE-001": (FAILED, "a burst past the declared limit is all served"),
        "MCP-AUDIT-001": (FAILED, "its calls leave no audit record"),
        "MCP-SVC-001": (NV, NO_SVC),
    },
}
EXPECTED["no-validation"] = {
    **EXPECTED["is-error"],
    "MCP-CALL-001": (f"partial {PASSED}", "lookup's valid calls are answered with a string, as declared: it does "
                                          "that; add_note may not be called, so the pass is partial"),
    "MCP-CALL-002": ("partial warning", "it accepts every invalid argument of lookup: a warning (more lenient than its "
                                "contract), never a pass"),
}

WRITER = "add_note"


def _targets() -> dict[str, object]:
    listed = [tool("lookup"), tool(WRITER)]
    return {"refuse-401": refusing(401), "limit-429": refusing(429),
            "is-error": Plain(listed, is_error=True), "no-validation": Plain(listed)}


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> dict[str, tuple[dict, object]]:
    from contractkit.reference.token_issuer.issuer import TokenIssuer

    targets = _targets()
    with ExitStack() as stack:
        issuer = stack.enter_context(serve(TokenIssuer().app))
        token_url = issuer.url + "/api/auth/service-token"
        urls = {name: stack.enter_context(serve(app)).url + "/mcp" for name, app in targets.items()}

        def run(name: str) -> dict:
            folder = tmp_path_factory.mktemp(name)
            spec = folder / "mcp-servers.yaml"
            spec.write_text(SPEC.replace("TOKEN_URL", token_url))
            audit = folder / "audit.jsonl"
            audit.write_text("")
            proc, rules = verify(folder, "--spec", str(spec), "--server", "crm-data-mcp", "--url", urls[name],
                                 "--client-id", DEMO_CLIENT_ID, "--audit-log", str(audit), "--timeout", "3",
                                 env={"CONTRACTKIT_CLIENT_SECRET": DEMO_CLIENT_SECRET}, timeout=120)
            assert rules, f"{name}: no report (exit {proc.returncode}): {proc.stdout[-1500:]} {proc.stderr[-1500:]}"
            return rules

        with ThreadPoolExecutor(max_workers=2) as pool:
            reports = dict(zip(targets, pool.map(run, targets), strict=True))
    return {name: (reports[name], targets[name]) for name in targets}


def test_every_rule_is_listed_for_every_degenerate_target():
    from contractkit.conformance.kinds import MCP_CHECKS

    rules = {r.id for r in MCP_CHECKS}
    unlisted = sorted((rule, target) for target in EXPECTED for rule in rules - set(EXPECTED[target]))
    assert unlisted == [], f"MCP rules not run through the degenerate matrix: {unlisted}"
    assert set(EXPECTED) == set(_targets())


def test_no_rule_passes_or_fails_a_degenerate_target_for_what_it_did_not_do(matrix):
    offending = []
    for target, (rules, _) in matrix.items():
        for rule_id, (status, reason) in EXPECTED[target].items():
            got = rules.get(rule_id, {})
            actual = got.get("status")
            if got.get("partial") and actual in (PASSED, "warning"):
                actual = f"partial {actual}"
            if actual != status:
                said = " | ".join(o.get("message") or "" for o in got.get("outcomes", []))[:300]
                offending.append(f"({rule_id}, {target}): {actual}, expected {status} ({reason}); it said: {said}")
    assert offending == [], "\n".join(offending)


def test_servers_that_refuse_everything_pass_no_rule(matrix):
    for target in ("refuse-401", "limit-429"):
        rules, _ = matrix[target]
        wrong = sorted(r for r, v in rules.items() if v["status"] in (PASSED, "warning") or v.get("partial"))
        assert wrong == [], f"{target}: {wrong}"


def test_the_tool_the_policy_forbids_gets_no_call_of_any_kind(matrix):
    for target in ("is-error", "no-validation"):
        _, server = matrix[target]
        assert server.calls, f"{target}: the read-only tool was never called"
        assert [c for c in server.calls if c[0] == WRITER] == [], f"{target}: {WRITER} was called"


def test_the_secret_is_not_in_this_process_environment():
    # the child gets the demo secret by env; this process must not leak it to other tests
    assert os.environ.get("CONTRACTKIT_CLIENT_SECRET") != DEMO_CLIENT_SECRET
