"""``verify mcp --plan --dry-run``: what a run would call and how often, tool by tool, after listing
the tools (no tool is called), so that an engineer can judge a run against staging before it starts."""

from __future__ import annotations

from typing import Any

from contractkit.conformance.mcp.policy import decide_all, estimate, render
from contractkit.conformance.mcp.preflight import list_tools, load_server_contract
from contractkit.conformance.registry import MCP_CHECKS
from contractkit.errors import ContractkitError


def render_dry_run(options: Any) -> list[str]:
    """What a run would call and how often, after listing the tools (no tool is called)."""
    contract = load_server_contract(options)
    try:
        listed, how = list_tools(options)
    except ContractkitError as exc:
        listed, how = None, f"the tools could not be listed ({exc.one_line()})"
    policies = decide_all(contract, listed, allow_side_effects=bool(getattr(options, "allow_side_effects", False)))
    rule_ids = {r.id for r in MCP_CHECKS.select(options.rules or None, options.skip or None)}
    rows = estimate(contract, policies, options, rule_ids)
    lines = ["", f"--dry-run: {how}; no tool was called", *render(policies, "safety policy"), "",
             "calls a run would make (about; the profile and the checks decide at run time):"]
    width = max((len(r[0]) for r in rows), default=4)
    for name, valid, invalid, rules in rows:
        lines.append(f"  {name:<{width}}  {valid:>4} with valid arguments, {invalid:>4} with invalid ones"
                     + (f"  ({', '.join(rules)})" if rules else ""))
    total_valid = sum(r[1] for r in rows)
    total_invalid = sum(r[2] for r in rows)
    lines.append(f"  {'total':<{width}}  {total_valid:>4} with valid arguments, {total_invalid:>4} with invalid ones")
    return lines
