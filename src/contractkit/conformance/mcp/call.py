"""Tool-call checks: property-based valid calls against the declared returns, and invalid calls."""

from __future__ import annotations

import json
import re
from typing import Any

from contractkit.conformance.mcp.client import CallTimeout, SessionLost, error_code
from contractkit.conformance.mcp.schemas import return_problem
from contractkit.conformance.mcp.target import McpTarget
from contractkit.conformance.outcomes import Evidence, Examined, NotVerified, Violation
from contractkit.conformance.redaction import redact
from contractkit.conformance.registry import MCP_CHECKS
from contractkit.errors import TargetError
from contractkit.spec.mcp import ToolContract

INVALID_PARAMS = -32602
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|\bFile \"[^\"]+\", line \d+")


def _evidence(target: McpTarget, tool: str, arguments: Any, outcome: Any, *notes: str) -> Evidence:
    request = json.dumps({"method": "tools/call", "params": {"name": tool, "arguments": arguments}}, default=str)
    if hasattr(outcome, "model_dump"):
        shown = json.dumps(outcome.model_dump(mode="json", by_alias=True, exclude_none=True))
    else:
        shown = str(outcome)
    extra = list(notes)
    if not target.is_http and target._client is not None:
        tail = target._client.stderr_tail(800).strip()
        if tail:
            extra.append(f"server stderr (tail):\n{tail}")
    return Evidence(redact(request[:1500]), redact(shown[:1500]), "", [redact(n) for n in extra])


def _text(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in getattr(result, "content", None) or [])[:300]


def _call(target: McpTarget, tool: str, arguments: Any) -> tuple[str, Any]:
    """("result", r) | ("jsonrpc_error", exc) | ("timeout", msg) | ("lost", msg)."""
    try:
        return "result", target.client().call_tool(tool, arguments)
    except CallTimeout as exc:
        target.drop_client()
        return "timeout", str(exc)
    except SessionLost as exc:
        target.drop_client()
        return "lost", str(exc)
    except TargetError:
        raise
    except Exception as exc:
        if error_code(exc) is not None:
            return "jsonrpc_error", exc
        target.drop_client()
        return "lost", f"{type(exc).__name__}: {exc}"


def _call_all(target: McpTarget, tool: str, arguments: list[Any]) -> list[tuple[str, Any]]:
    """Every call in one batch on the shared session (dropped if the batch ended it)."""
    from contractkit.conformance.mcp.client import SessionLost

    try:
        outcomes = target.client().call_many(tool, arguments)
    except (CallTimeout, SessionLost) as exc:
        outcomes = [("lost", str(exc))]
    if outcomes and outcomes[-1][0] in ("timeout", "lost"):
        target.drop_client()
    return outcomes


@MCP_CHECKS.register(
    "MCP-CALL-001", "valid calls succeed with results that match the declared returns",
    clause="mcp-servers.yaml servers[].tools[].returns (structuredContent, or JSON text content)",
    tags=("calls",), applies="tool")
def check_valid_calls(target: McpTarget, tool: ToolContract) -> Examined:
    """What it does: calls the tool with the spec's examples and with arguments generated from the
    declared parameters (property-based). The examples must succeed; every successful result must
    validate against the declared ``returns`` (its ``structuredContent``, else its JSON text
    content, else its text). Generated calls may end in a tool error (an unknown id is not found),
    but never in a protocol error, a hang or a lost session.

    Why: callers parse results by the contract; a result of another shape fails them at run time.

    Example: ``get_customer`` returns ``status`` missing, or ``total`` as a string.
    """
    listed = target.listed(tool)
    from contractkit.conformance.mcp.schemas import incompatibilities

    if incompatibilities(tool.parameters, listed.input_schema, [dict(e) for e in tool.examples]):
        raise NotVerified(f"the inputSchema of {tool.name} is incompatible with the declared parameters "
                          "(see MCP-TOOLS-003), so calls by the contract are not judged here")
    arguments = target.valid_arguments(tool, target.profile.positive_examples)
    examples = len(tool.examples)
    checked = {"examples": 0, "generated": 0}
    tool_errors = 0
    outcomes = _call_all(target, tool.name, arguments)
    for index, (args, (kind, outcome)) in enumerate(zip(arguments, outcomes, strict=False)):
        label = "the spec's example" if index < examples else "generated valid arguments"
        if kind != "result":
            raise Violation(f"{label} got {kind.replace('_', ' ')}: {outcome}", operation=tool.name,
                            evidence=_evidence(target, tool.name, args, outcome))
        if outcome.is_error:
            if index < examples:
                raise Violation(f"{label} failed with a tool error: {_text(outcome)}", operation=tool.name,
                                evidence=_evidence(target, tool.name, args, outcome))
            tool_errors += 1
            continue
        problem = return_problem(tool.returns, outcome)
        if problem:
            raise Violation(f"result does not match the declared returns: {problem}", operation=tool.name,
                            evidence=_evidence(target, tool.name, args, outcome))
        checked["examples" if index < examples else "generated"] += 1
    total = checked["examples"] + checked["generated"]
    if total == 0:
        raise NotVerified(f"none of {len(arguments)} valid calls of {tool.name} succeeded, so no result "
                          "could be checked (add an example to the spec)")
    unanswered = len(arguments) - len(outcomes)
    return Examined(total, "tool results", f"{checked['examples']} from the examples, {checked['generated']} "
                    f"generated; {tool_errors} generated call(s) ended in a tool error and were not judged",
                    unchecked=f"{unanswered} call(s) not made" if unanswered > 0 else "")


@MCP_CHECKS.register(
    "MCP-CALL-002", "invalid arguments give a tool error or invalid-params, never a crash or a hang",
    clause="MCP tools: input validation errors; mcp-servers.yaml servers[].tools[].parameters",
    tags=("calls",), applies="tool")
def check_invalid_calls(target: McpTarget, tool: ToolContract) -> Examined:
    """What it does: calls the tool once with valid arguments (the positive control: it must be
    served), then with arguments the declared parameters reject (a required
    property left out, a wrong type, out-of-range, off-pattern, undeclared properties), one break
    at a time. Each must come back as a result with ``isError: true`` or a JSON-RPC
    ``-32602 invalid params`` error, promptly, without a stack trace, and the session must still
    answer a ``ping`` afterwards. Accepting the call as if it were valid fails too.

    Why: a model retries with what the error tells it; a crash, a hang or a dead session takes
    the whole agent down.
    """
    from contractkit.conformance.mcp.generate import invalid_arguments

    target.listed(tool)
    bases = [dict(e) for e in tool.examples] or target.valid_arguments(tool, 1)
    cases = invalid_arguments(tool.parameters, bases, target.profile.negative_examples)
    if not cases:
        raise NotVerified(f"the declared parameters of {tool.name} reject nothing the suite can construct")
    kind, outcome = _call(target, tool.name, bases[0])
    if kind != "result" or outcome.is_error:
        shown = _text(outcome) if kind == "result" else f"{kind.replace('_', ' ')}: {outcome}"
        raise NotVerified(f"positive control failed: a valid call of {tool.name} was not served ({shown[:200]}), "
                          "so refusing invalid ones proves nothing", evidence=_evidence(target, tool.name, bases[0],
                                                                                        outcome))
    for why, args in cases:
        kind, outcome = _call(target, tool.name, args)
        fail = None
        if kind == "timeout":
            fail = f"the server hung on {why}: {outcome}"
        elif kind == "lost":
            fail = f"the session died on {why}: {outcome}"
        elif kind == "jsonrpc_error":
            code = error_code(outcome)
            if code != INVALID_PARAMS:
                fail = f"{why} gave JSON-RPC error {code} ({outcome}), not a tool error or -32602"
        elif not outcome.is_error:
            fail = f"{why} was accepted as a valid call"
        elif _TRACEBACK.search(_text(outcome)):
            fail = f"{why} gave a tool error that carries a stack trace"
        if fail is None:
            try:
                target.client().ping()
            except TargetError:
                raise
            except Exception as exc:
                target.drop_client()
                fail = f"the session stopped answering ping after {why}: {type(exc).__name__}: {exc}"
        if fail:
            raise Violation(fail, operation=tool.name, evidence=_evidence(target, tool.name, args, outcome))
    return Examined(len(cases), "invalid calls", "each refused, the session answering ping afterwards; a valid "
                    "call was served first")
