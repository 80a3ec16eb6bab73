"""Tool-call checks: property-based valid calls against the declared returns, and invalid calls.

Both run under the safety policy (``policy.py``): valid arguments go only to tools the suite may
call, within their budget. Each pass says how many calls were judged, from which source (the
spec's examples, generated) and how many the server refused. A call is waited for as long as
``--timeout`` or the tool's declared ``max_duration_seconds``, whichever is longer; past that, a
call is "slow or hung" (not verified) unless the tool declared its duration (then it fails). An
answer stream that carries other messages but no result is one transport failure within the
same deadline. An HTTP error status on a call is the server's answer only once a fresh
``initialize`` is still served (else the target turned, and the run ends, exit 2): a 5xx fails,
a 429 or a 401/403/404 leaves the call unjudged.
"""

from __future__ import annotations

import json
import re
from typing import Any

from contractkit.conformance.mcp import refusal
from contractkit.conformance.mcp.client import CallTimeout, HttpRefused, SessionLost, error_code
from contractkit.conformance.mcp.generate import invalid_arguments
from contractkit.conformance.mcp.schemas import incompatibilities, return_problem
from contractkit.conformance.mcp.target import McpTarget
from contractkit.conformance.outcomes import Evidence, Examined, NotVerified, RuleWarning, Violation
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


def deadline_of(target: McpTarget, tool: ToolContract) -> float:
    """How long one call of the tool may take: --timeout, or the tool's declared duration if longer."""
    return max(target.timeout, tool.max_duration_s or 0.0)


def _waited(target: McpTarget, tool: ToolContract) -> str:
    if tool.max_duration_s and tool.max_duration_s >= target.timeout:
        return f"its declared max_duration_seconds ({tool.max_duration_s:g} s)"
    return f"--timeout ({target.timeout:g} s; the spec declares no max_duration_seconds for {tool.name})"


def _call(target: McpTarget, tool: str, arguments: Any, timeout: float | None = None) -> tuple[str, Any]:
    """("result", r) | ("jsonrpc_error", exc) | ("timeout", msg) | ("lost", msg) | ("http", status).

    A call the policy or the budget forbids raises ``CallNotAllowed`` (not verified): never sent."""
    try:
        return "result", target.client().call_tool(tool, arguments, timeout=timeout)
    except CallTimeout as exc:
        target.drop_client()
        return "timeout", str(exc)
    except SessionLost as exc:
        target.drop_client()
        return "lost", str(exc)
    except HttpRefused as exc:
        return _http(target, tool, exc.status)
    except TargetError:
        raise
    except Exception as exc:
        if error_code(exc) is not None:
            return "jsonrpc_error", exc
        target.drop_client()
        return "lost", f"{type(exc).__name__}: {exc}"


def _http(target: McpTarget, tool: str, status: int) -> tuple[str, Any]:
    """A call answered with an HTTP error status: the run ends if the target turned (exit 2);
    else ("http", status) for the check to judge."""
    target.drop_client()
    if status != 429:
        target.check_status(f"a tools/call of {tool} got HTTP {status}")
    return "http", status


def _unjudged(status: int, label: str) -> NotVerified:
    """The not-verified reason of a call the server answered with an HTTP status that judges nothing."""
    if status == 429:
        return NotVerified(f"rate-limited: {label} got HTTP 429, which judges nothing")
    return NotVerified(f"unjudged: {label} was refused with HTTP {status} (not a tool result: the suite's token "
                       "or session was not accepted for this call)")


def _call_all(target: McpTarget, tool: str, arguments: list[Any], timeout: float) -> list[tuple[str, Any]]:
    """Every call in one batch on the shared session (dropped if the batch ended it)."""
    try:
        outcomes = target.client().call_many(tool, arguments, timeout=timeout)
    except (CallTimeout, SessionLost) as exc:
        outcomes = [("lost", str(exc))]
    if outcomes and outcomes[-1][0] in ("timeout", "lost"):
        target.drop_client()
    if outcomes and outcomes[-1][0] == "http":
        outcomes[-1] = _http(target, tool, outcomes[-1][1])
    return outcomes


@MCP_CHECKS.register(
    "MCP-CALL-001", "valid calls succeed with results that match the declared returns",
    kind="observation", clause="mcp-servers.yaml servers[].tools[].returns (structuredContent, or JSON text content)",
    tags=("calls",), applies="tool")
def check_valid_calls(target: McpTarget, tool: ToolContract) -> Examined:
    """What it does: if the safety policy lets the suite call the tool, calls it with the spec's
    examples and with arguments generated from the declared parameters (property-based), within
    the tool's call budget. The examples must succeed; every successful result must validate
    against the declared ``returns`` (its ``structuredContent``, else its JSON text content,
    else its text). Generated calls the server refuses (a tool error: an unknown id is not found;
    or -32602) are counted and reported, not judged; a protocol error or a lost session fails.

    Why: callers parse results by the contract; a result of another shape fails them at run time.

    Example: ``get_customer`` returns ``status`` missing, or ``total`` as a string.
    """
    listed = target.listed(tool)
    policy = target.policy(tool)
    if not policy.may_call:
        raise NotVerified(policy.refusal())

    if incompatibilities(tool.parameters, listed.input_schema, [dict(e) for e in tool.examples]):
        raise NotVerified(f"the inputSchema of {tool.name} is incompatible with the declared parameters "
                          "(see MCP-TOOLS-003), so calls by the contract are not judged here")
    arguments = target.valid_arguments(tool, target.profile.positive_examples)
    allowed = min(len(arguments), target.remaining(tool.name))
    if allowed == 0:
        raise NotVerified(f"the call budget of {tool.name} ({policy.budget}) was spent by earlier rules")
    skipped_by_budget = len(arguments) - allowed
    arguments = arguments[:allowed]
    examples = min(len(tool.examples), len(arguments))
    checked = {"examples": 0, "generated": 0}
    refused: list[str] = []
    deadline = deadline_of(target, tool)
    outcomes = _call_all(target, tool.name, arguments, deadline)
    for index, (args, (kind, outcome)) in enumerate(zip(arguments, outcomes, strict=False)):
        source = "examples" if index < examples else "generated"
        label = "the spec's example" if source == "examples" else "generated valid arguments"
        if kind == "not_allowed":
            break
        if kind == "http":
            if outcome >= 500:
                raise Violation(f"{label} got HTTP {outcome}", operation=tool.name,
                                evidence=_evidence(target, tool.name, args, f"HTTP {outcome}"))
            raise _unjudged(outcome, label)
        if kind == "timeout":
            if tool.max_duration_s:
                raise Violation(f"{label} got no result within {_waited(target, tool)}: {outcome}",
                                operation=tool.name, evidence=_evidence(target, tool.name, args, outcome))
            raise NotVerified(f"{label} got no result within {_waited(target, tool)} ({outcome}): a slow tool or a "
                              "hang, or a stream without a result (declare max_duration_seconds on the tool, or "
                              "raise --timeout)")
        if kind == "lost":
            raise Violation(f"{label}: the session died ({outcome})", operation=tool.name,
                            evidence=_evidence(target, tool.name, args, outcome))
        if kind == "jsonrpc_error":
            code = error_code(outcome)
            if source == "examples" or code != INVALID_PARAMS:
                raise Violation(f"{label} got JSON-RPC error {code} ({outcome})", operation=tool.name,
                                evidence=_evidence(target, tool.name, args, outcome))
            refused.append(f"-32602 {str(outcome)[:80]}")
            continue
        if outcome.is_error:
            if source == "examples":
                raise Violation(f"{label} failed with a tool error: {_text(outcome)}", operation=tool.name,
                                evidence=_evidence(target, tool.name, args, outcome))
            refused.append(_text(outcome)[:80])
            continue
        problem = return_problem(tool.returns, outcome)
        if problem:
            raise Violation(f"result does not match the declared returns: {problem}", operation=tool.name,
                            evidence=_evidence(target, tool.name, args, outcome))
        checked[source] += 1
    total = checked["examples"] + checked["generated"]
    if total == 0:
        raise NotVerified(f"none of {len(arguments)} valid calls of {tool.name} succeeded ({len(refused)} refused "
                          f"by the server, e.g. {refused[0] if refused else '-'!r}), so no result could be checked "
                          "(add an example to the spec)")
    detail = f"{checked['examples']} from the examples, {checked['generated']} generated"
    if refused:
        detail += f"; {len(refused)} generated call(s) refused by the server and not judged (e.g. {refused[0]!r})"
    unchecked = []
    made = sum(1 for kind, _ in outcomes if kind != "not_allowed")
    if made < len(arguments):
        unchecked.append(f"{len(arguments) - made} call(s) not made")
    if skipped_by_budget:
        unchecked.append(f"{skipped_by_budget} call(s) beyond its budget (max_calls: {policy.budget})")
    said = f"{tool.name}: " + "; ".join(unchecked) if unchecked else ""
    return Examined(total, "tool results", detail, unchecked=said)


@MCP_CHECKS.register(
    "MCP-CALL-002", "invalid arguments give a tool error or invalid-params, never a crash or a hang",
    kind="refusal", clause="MCP tools: input validation errors; mcp-servers.yaml servers[].tools[].parameters",
    tags=("calls",), applies="tool")
def check_invalid_calls(target: McpTarget, tool: ToolContract) -> Examined:
    """What it does: calls the tool once with valid arguments (the positive control: it must be
    served), then with arguments the declared parameters reject (a required property left out, a
    wrong type, out-of-range, off-pattern, undeclared properties), one break at a time. Each must
    come back as a result with ``isError: true`` or a JSON-RPC ``-32602 invalid params`` error,
    within the tool's deadline, without a stack trace, and the session must still answer
    ``ping`` afterwards. A call the server accepts is a warning: a server may be more lenient
    than its contract. A tool the safety policy does not let the suite call gets no call at all,
    invalid arguments included (a server that does not validate would run them): the rule is
    then not verified for it. A call that gets no answer within the tool's deadline fails only
    when the tool declares ``max_duration_seconds`` (else slow and hung cannot be told apart).

    Why: a model retries with what the error tells it; a crash, a hang or a dead session takes
    the whole agent down.
    """

    target.listed(tool)
    policy = target.policy(tool)
    if not policy.may_call:
        raise NotVerified(policy.refusal())
    budget = target.remaining(tool.name)
    if budget < 2:
        raise NotVerified(f"the call budget of {tool.name} (max_calls: {policy.budget}) leaves {budget} call(s): a "
                          "valid call and an invalid one need two")
    bases = [dict(e) for e in tool.examples] or target.valid_arguments(tool, 1)
    cases = invalid_arguments(tool.parameters, bases, min(target.profile.negative_examples, budget - 1))
    if not cases:
        raise NotVerified(f"the declared parameters of {tool.name} reject nothing the suite can construct")
    deadline = deadline_of(target, tool)
    kind, outcome = _call(target, tool.name, bases[0], deadline)
    if kind != "result" or outcome.is_error:
        shown = _text(outcome) if kind == "result" else f"{kind.replace('_', ' ')}: {outcome}"
        raise NotVerified(f"positive control failed: a valid call of {tool.name} was not served ({shown[:200]}), "
                          "so refusing invalid ones proves nothing",
                          evidence=_evidence(target, tool.name, bases[0], outcome))
    refusal.control(target, outcome, subject=tool.name, method=refusal.CALL, ok=True)
    refusals = {"tool error": 0, "-32602": 0}
    accepted: list[str] = []
    for why, args in cases:
        kind, outcome = _call(target, tool.name, args, deadline)
        fail = None
        if kind == "timeout":
            if not tool.max_duration_s:
                raise NotVerified(f"{why} got no answer within {_waited(target, tool)} ({outcome}): slow or hung "
                                  "cannot be told apart without a declared max_duration_seconds")
            fail = f"{why} got no answer within {_waited(target, tool)}: {outcome}"
        elif kind == "http":
            if outcome < 500:
                raise _unjudged(outcome, why)
            fail = f"{why} got HTTP {outcome}: the server failed instead of refusing the arguments"
        elif kind == "lost":
            fail = f"the session died on {why}: {outcome}"
        elif kind == "jsonrpc_error":
            code = error_code(outcome)
            if code != INVALID_PARAMS:
                fail = f"{why} gave JSON-RPC error {code} ({outcome}), not a tool error or -32602"
            else:
                refusals["-32602"] += 1
                refusal.refused_call(tool.name, outcome, "-32602")
        elif not outcome.is_error:
            accepted.append(why)
        elif _TRACEBACK.search(_text(outcome)):
            fail = f"{why} gave a tool error that carries a stack trace"
        else:
            refusals["tool error"] += 1
            refusal.refused_call(tool.name, outcome, "tool error")
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
    if accepted:
        raise RuleWarning(f"{tool.name} accepted {len(accepted)} of {len(cases)} call(s) its declared parameters "
                          f"reject ({'; '.join(accepted[:3])}): more lenient than its contract", operation=tool.name)
    return Examined(len(cases), "invalid calls", f"{refusals['tool error']} refused with a tool error, "
                    f"{refusals['-32602']} with -32602; the session answered ping after each; a valid call was "
                    "served first")
