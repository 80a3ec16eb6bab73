"""The reference servers' parts against real sockets: engine double, service tokens, guard, audit log."""

from __future__ import annotations

import json
import time

import httpx
import jwt
import pytest
from mcp_helpers import mint

from contractkit.reference.engine_double import token_fingerprint
from contractkit.reference.mcp.audit import AuditLog, redact
from contractkit.reference.mcp.resource_server import RateLimiter
from contractkit.reference.mcp.service_token import ServiceTokenClient
from contractkit.reference.token_issuer.clients import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from contractkit.reference.token_issuer.issuer import TokenIssuer
from contractkit.servers import serving

ACME = "3f2b8c1e-5d4a-4c6b-9e2f-7a1d0c9b8e21"
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
ACCEPT = {"accept": "application/json, text/event-stream"}


def test_engine_double_requires_scoped_service_tokens_and_records_fingerprints(mcp_stack):
    engine = mcp_stack.engine_url
    assert httpx.get(f"{engine}/api/customers/{ACME}").status_code == 401
    docs_only = mint(mcp_stack, "engine.documents.read", "engine-internal",
                     ("document-retrieval-mcp", "document-retrieval-mcp-secret"))
    assert httpx.get(f"{engine}/api/customers/{ACME}", headers={"authorization": f"Bearer {docs_only}"}
                     ).status_code == 403
    wrong_audience = mint(mcp_stack, "crm.read", "crm-data-mcp", (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
    assert httpx.get(f"{engine}/api/documents", headers={"authorization": f"Bearer {wrong_audience}"}
                     ).status_code == 401
    ok = httpx.get(f"{engine}/api/documents", params={"q": "renewal"}, headers={"authorization": f"Bearer {docs_only}"})
    assert ok.status_code == 200 and ok.json()["documents"][0]["id"] == "doc-acme-renewal-2026"
    receipts = httpx.get(f"{engine}/_double/received").json()["receipts"]
    assert receipts[-1]["token_sha256"] == token_fingerprint(docs_only)
    assert docs_only not in json.dumps(receipts)


def test_service_token_has_exactly_the_asked_scopes_and_is_refreshed_before_expiry():
    import anyio

    issuer = TokenIssuer(lifetime_s=2)
    with serving(issuer.app) as server:
        client = ServiceTokenClient(server.url + "/api/auth/service-token", "crm-data-mcp", "crm-data-mcp-secret",
                                    scopes=("engine.customers.read",), audience="engine-internal")
        first = anyio.run(client.token)
        claims = jwt.decode(first, options={"verify_signature": False})
        assert claims["scope"] == "engine.customers.read" and claims["aud"] == "engine-internal"
        assert anyio.run(client.token) == first and client.fetches == 1
        time.sleep(1.7)  # 80% of the 2 s lifetime has passed: renewed while the old one is still valid
        assert anyio.run(client.token) != first and client.fetches == 2


def test_rate_limiter_is_a_sliding_window():
    limiter = RateLimiter(3, 0.3)
    assert [limiter.admit("a") for _ in range(3)] == [None, None, None]
    wait = limiter.admit("a")
    assert wait is not None and 0 < wait <= 0.3
    assert limiter.admit("b") is None
    time.sleep(0.35)
    assert limiter.admit("a") is None


def test_audit_log_redacts_secret_keys_at_any_depth(tmp_path):
    log = AuditLog(tmp_path / "a.jsonl", server="s", redact_words=("token", "password"))
    log.record(caller="c", tool="t", outcome="ok", started=time.perf_counter(),
               arguments={"q": "x", "api_token": "sekrit", "nested": [{"Password": "p"}]})
    record = json.loads((tmp_path / "a.jsonl").read_text())
    assert record["arguments"] == {"q": "x", "api_token": "[REDACTED]", "nested": [{"Password": "[REDACTED]"}]}
    assert set(record) >= {"time", "caller", "server", "tool", "outcome", "duration_ms", "arguments"}
    assert redact({"authorization": "Bearer x"}, ["authorization"]) == {"authorization": "[REDACTED]"}


def test_guard_challenges_and_metadata(mcp_stack, demo_token):
    url = mcp_stack.url("crm-data-mcp")
    anonymous = httpx.post(url, json=INIT, headers=ACCEPT)
    challenge = anonymous.headers["www-authenticate"]
    assert anonymous.status_code == 401 and challenge.startswith("Bearer ")
    assert 'scope="crm.read crm.write"' in challenge and "error=" not in challenge  # no token: no error code
    metadata_url = challenge.split('resource_metadata="')[1].split('"')[0]
    doc = httpx.get(metadata_url).json()
    assert doc["resource"] == url and doc["authorization_servers"] == [mcp_stack.issuer_url]
    bad = httpx.post(url, json=INIT, headers={**ACCEPT, "authorization": "Bearer not-a-jwt"})
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["www-authenticate"]
    query = httpx.post(url + f"?access_token={demo_token}", json=INIT, headers=ACCEPT)
    assert query.status_code == 400
    rebinding = httpx.post(url, json=INIT, headers={**ACCEPT, "authorization": f"Bearer {demo_token}",
                                                    "host": "evil.example"})
    assert rebinding.status_code == 421


def test_tool_scope_is_enforced_per_call_and_audited(mcp_stack):
    url = mcp_stack.url("crm-data-mcp")
    write_only = mint(mcp_stack, "crm.write", "crm-data-mcp", (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
    headers = {**ACCEPT, "authorization": f"Bearer {write_only}"}
    init = httpx.post(url, json=INIT, headers=headers)
    assert init.status_code == 200
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "get_customer", "arguments": {"customer_id": ACME, "secret_note": "hush"}}}
    denied = httpx.post(url, json=call, headers={**headers, "mcp-session-id": init.headers["mcp-session-id"],
                                                 "mcp-protocol-version": "2025-11-25"})
    assert denied.status_code == 403
    assert 'error="insufficient_scope"' in denied.headers["www-authenticate"]
    assert 'scope="crm.read"' in denied.headers["www-authenticate"]
    last = json.loads(mcp_stack.audit_path("crm-data-mcp").read_text().splitlines()[-1])
    assert last["outcome"] == "denied" and last["caller"] == DEMO_CLIENT_ID
    assert last["arguments"]["secret_note"] == "[REDACTED]"


@pytest.mark.parametrize("name", ["tool-missing", "no-such-variant"])
def test_variant_names_are_checked(name):
    from contractkit.selftest.mcp_variants import variant

    if name == "no-such-variant":
        with pytest.raises(KeyError):
            variant(name)
    else:
        assert variant(name).expected == "MCP-TOOLS-001"
