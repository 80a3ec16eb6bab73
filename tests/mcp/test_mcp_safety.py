"""The safety policy: by default the suite calls with valid arguments only read-only tools.

A memory server with one write tool and one read-only tool is verified; its store is read
afterwards, so a write the policy should have prevented shows up as a record.
"""

from __future__ import annotations

from typing import Any

from hostile import serve
from mcp.server.mcpserver import MCPServer
from mcp_helpers import verify
from mcp_types import ToolAnnotations

SPEC = """
format: contractkit/mcp-servers@1
version: 1.0.0
servers:
  - name: memory-mcp
    transports: {streamable_http: {path: /mcp}}
    authentication: {type: none}
    tools:
      - name: remember
        description: Store a note.
        parameters: {type: object, required: [note], properties: {note: {type: string, maxLength: 50}}}
        returns: {type: string}
        examples: [{arguments: {note: hello}}]
      - name: recall
        description: Count the notes.
        parameters: {type: object, properties: {}}
        returns: {type: string}
"""


def memory_server() -> tuple[Any, list[str], dict[str, int]]:
    """A server whose ``remember`` writes (annotated so) and whose ``recall`` only reads."""
    server = MCPServer("memory-mcp", log_level="ERROR")
    notes: list[str] = []
    called = {"remember": 0, "recall": 0}

    @server.tool(description="Store a note.",
                 annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False))
    async def remember(note: str) -> str:
        called["remember"] += 1
        notes.append(note)
        return "stored"

    @server.tool(description="Count the notes.",
                 annotations=ToolAnnotations(read_only_hint=True, open_world_hint=False))
    async def recall() -> str:
        called["recall"] += 1
        return str(len(notes))

    return server.streamable_http_app(), notes, called


def run(tmp_path, spec_text: str, *extra: str):
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text)
    app, notes, called = memory_server()
    with serve(app) as server:
        proc, rules = verify(tmp_path, "--spec", str(spec), "--server", "memory-mcp", "--url", server.url + "/mcp",
                             *extra)
    return proc, rules, notes, called


def test_by_default_only_read_only_tools_are_called_and_the_policy_is_printed_first(tmp_path):
    proc, rules, notes, called = run(tmp_path, SPEC)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert notes == [], f"the suite wrote {len(notes)} note(s) into the server"
    assert called["recall"] > 0
    assert "1 of 2 declared tool(s) may be called" in proc.stderr
    assert "remember  no calls: it may have side effects" in proc.stderr
    call_001 = {o["operation"]: o for o in rules["MCP-CALL-001"]["outcomes"]}
    assert call_001["remember"]["status"] == "not_verified"
    assert "safety policy" in call_001["remember"]["message"]
    assert call_001["recall"]["status"] == "passed"
    # the write tool still gets the protocol checks (listing, schema), and no tools/call of any kind
    assert rules["MCP-TOOLS-003"]["status"] == "passed"
    call_002 = {o["operation"]: o for o in rules["MCP-CALL-002"]["outcomes"]}
    assert call_002["remember"]["status"] == "not_verified"
    assert called["remember"] == 0


def test_allow_side_effects_opts_in(tmp_path):
    proc, rules, notes, _ = run(tmp_path, SPEC, "--allow-side-effects")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert notes, "with --allow-side-effects the write tool is called"
    assert "hello" in notes  # the spec's example
    assert rules["MCP-CALL-001"]["status"] == "passed" and not rules["MCP-CALL-001"]["partial"]


def test_a_per_tool_opt_in_in_the_spec_keeps_to_its_budget(tmp_path):
    spec = SPEC.replace("        examples: [{arguments: {note: hello}}]",
                        "        examples: [{arguments: {note: hello}}]\n"
                        "        verify_calls: {allow: true, max_calls: 3}")
    proc, rules, notes, _ = run(tmp_path, spec)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 1 <= len(notes) <= 3, notes
    call_001 = {o["operation"]: o for o in rules["MCP-CALL-001"]["outcomes"]}
    assert "beyond its budget (max_calls: 3)" in call_001["remember"]["examined"]["unchecked"]


def test_the_spec_can_say_a_tool_is_read_only(tmp_path):
    spec = SPEC.replace("        description: Store a note.\n", "        description: Store a note.\n"
                        "        read_only: true\n")
    proc, _, notes, _ = run(tmp_path, spec)
    assert proc.returncode == 0 and notes  # the user vouched for it: it is called


def test_dry_run_lists_what_would_be_called_and_calls_nothing(tmp_path):
    proc, rules, notes, called = run(tmp_path, SPEC, "--dry-run")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert called == {"remember": 0, "recall": 0} and notes == []
    out = proc.stdout
    assert "--dry-run: tools listed by initialize and tools/list; no tool was called" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ") and "with valid" in line}
    assert lines["remember"].split()[1] == "0", lines["remember"]  # no valid call for the write tool
    assert int(lines["recall"].split()[1]) > 0
    assert rules == {}, "a dry run writes no verdicts"
