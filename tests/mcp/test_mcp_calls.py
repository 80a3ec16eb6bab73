"""The CALL rules judge with evidence: what was checked and refused, slow versus hung, lenient versus
wrong; and spec schemas with their own $defs resolve (or fail with a location).
"""

from __future__ import annotations

import time

import anyio
import pytest
from hostile import serve
from mcp.server.mcpserver import MCPServer
from mcp_helpers import message, verify

from contractkit.errors import RefError
from contractkit.spec.mcp import load_contract

TOOL = """
      - name: {name}
        description: A tool.
        read_only: true
        parameters: {{type: object, required: [key], properties: {{key: {{type: string, pattern: '^k-[0-9]+$'}}}}}}
        returns: {{type: string}}
        examples: [{{arguments: {{key: k-1}}}}]{extra}"""
SPEC_HEAD = """
format: contractkit/mcp-servers@1
version: 1.0.0
servers:
  - name: calls-mcp
    transports: {streamable_http: {path: /mcp}}
    authentication: {type: none}
    tools:"""


def spec_of(**tools: str) -> str:
    return SPEC_HEAD + "".join(TOOL.format(name=name, extra=extra) for name, extra in tools.items()) + "\n"


def calls_server():
    """Tools that are lenient, picky, refuse everything, or take 1.2 s (the server's own pace)."""
    server = MCPServer("calls-mcp", log_level="ERROR")

    @server.tool(description="Accepts any key (its contract wants k-<digits>).")
    async def lenient(key: str) -> str:
        return f"value of {key}"

    @server.tool(description="Knows only k-1.")
    async def picky(key: str) -> str:
        if key != "k-1":
            raise ValueError(f"unknown key {key}")
        return "value of k-1"

    @server.tool(description="Refuses every call.")
    async def refuser(key: str) -> str:
        raise ValueError("not today")

    @server.tool(description="Takes its time.")
    async def slow(key: str) -> str:
        await anyio.sleep(1.2)
        return f"value of {key}"

    return server.streamable_http_app()


def run(tmp_path, spec_text: str, *extra: str):
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text)
    with serve(calls_server()) as server:
        return verify(tmp_path, "--spec", str(spec), "--server", "calls-mcp", "--url", server.url + "/mcp",
                      "--rule", "MCP-CALL-*", *extra)


def outcome(rules: dict, rule_id: str, tool: str) -> dict:
    return next(o for o in rules[rule_id]["outcomes"] if o["operation"] == tool)


def test_lenient_is_a_warning_refusals_are_counted_and_refusing_everything_is_not_verified(tmp_path):
    proc, rules = run(tmp_path, spec_of(lenient="", picky="", refuser=""))
    assert proc.returncode == 1, proc.stdout[-3000:]  # the refuser's example fails CALL-001
    lenient = outcome(rules, "MCP-CALL-002", "lenient")
    assert lenient["status"] == "warning" and "more lenient than its contract" in lenient["message"]
    picky = outcome(rules, "MCP-CALL-001", "picky")
    assert picky["status"] == "passed", picky
    detail = picky["examined"]["detail"]  # "1 from the examples, N generated; M generated call(s) refused ..."
    judged = int(detail.split(", ")[1].split()[0])
    refused = int(detail.split("; ")[1].split()[0])
    assert detail.startswith("1 from the examples") and refused >= 1
    assert picky["examined"]["count"] == 1 + judged
    refuser = outcome(rules, "MCP-CALL-002", "refuser")
    assert refuser["status"] == "not_verified" and "positive control failed" in refuser["message"]
    assert outcome(rules, "MCP-CALL-001", "refuser")["status"] == "failed"
    assert "Traceback" not in proc.stdout + proc.stderr


def test_a_slow_tool_is_not_called_hung_when_it_declares_its_duration(tmp_path):
    budget = "\n        verify_calls: {allow: true, max_calls: 2}"
    declared = spec_of(slow=budget + "\n        max_duration_seconds: 4")
    started = time.monotonic()
    _, rules = run(tmp_path, declared, "--timeout", "1", "--rule", "MCP-CALL-001")
    slow = outcome(rules, "MCP-CALL-001", "slow")
    assert slow["status"] == "passed", slow
    _, rules = run(tmp_path, spec_of(slow=budget), "--timeout", "1", "--rule", "MCP-CALL-001")
    slow = outcome(rules, "MCP-CALL-001", "slow")
    assert slow["status"] == "not_verified", slow
    assert "a slow tool or a hang" in slow["message"] and "max_duration_seconds" in slow["message"]
    assert time.monotonic() - started < 90  # bounded, with room for a busy machine


def test_a_schema_with_its_own_defs_resolves_and_a_dangling_ref_is_located(tmp_path):
    own_defs = ("\n        returns: {type: object, $defs: {Item: {type: string}}, "
                "properties: {item: {$ref: '#/$defs/Item'}}}")
    text = spec_of(lenient="").replace("\n        returns: {type: string}", own_defs)
    path = tmp_path / "own-defs.yaml"
    path.write_text(text)
    tool = load_contract(path).server("calls-mcp").tools[0]
    assert tool.returns["properties"]["item"] == {"type": "string"}
    path.write_text(text.replace("'#/$defs/Item'", "'#/$defs/Missing'"))
    with pytest.raises(RefError) as caught:
        load_contract(path).server("calls-mcp")
    assert "/servers/0/tools/0/returns" in caught.value.one_line()
    assert "Missing" in message({"r": {"outcomes": [{"message": caught.value.one_line()}]}}, "r")


def test_headers_given_with_h_reach_every_request_and_stay_secret(tmp_path):
    """A gateway in front of the server wants a key: -H NAME:$VAR sends it on the probe, the SDK
    session and the raw requests, and its value never shows."""
    inner = calls_server()
    key = "gw-secret-7f3a"

    async def gateway(scope, receive, send):
        if scope["type"] == "http" and (b"x-gateway-key", key.encode()) not in scope["headers"]:
            await send({"type": "http.response.start", "status": 403, "headers": []})
            await send({"type": "http.response.body", "body": b"no key"})
            return
        await inner(scope, receive, send)

    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_of(lenient=""))
    with serve(gateway) as server:
        common = ["--spec", str(spec), "--server", "calls-mcp", "--url", server.url + "/mcp", "--rule", "MCP-INIT-*",
                  "--rule", "MCP-CALL-001"]
        proc, rules = verify(tmp_path, *common)
        # the gateway refuses everything: that judges no version negotiation (not verified, naming the status)
        assert rules["MCP-INIT-001"]["status"] == "not_verified", proc.stdout[-3000:]
        assert "403" in rules["MCP-INIT-001"]["outcomes"][0]["message"]
        proc, rules = verify(tmp_path, *common, "-H", "X-Gateway-Key:$GATEWAY_KEY", env={"GATEWAY_KEY": key})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]
    assert rules["MCP-INIT-001"]["status"] == "passed" and rules["MCP-CALL-001"]["status"] == "passed"
    assert key not in proc.stdout + proc.stderr
