"""The safety policy of tool calls: which declared tools the suite may call with valid arguments.

The suite is a guest on the server it verifies. Calling every tool 25 times with generated
arguments writes junk into a memory server, files into a filesystem server and makes a fetch
server reach out, so by default a tool is called with valid arguments (the spec's examples and
generated ones) only when it is read-only:

- the spec says so (``read_only: true`` on the tool), unless the server annotates the tool
  ``destructiveHint: true``: the server's own word about destruction wins over the spec's, or
- the server's annotations say so: ``readOnlyHint: true`` *and* ``openWorldHint: false`` (the
  MCP default of ``openWorldHint`` is true: a read-only tool may still reach outside).

Any other tool gets no ``tools/call`` at all, valid or invalid arguments (a server that does not
validate runs whatever arrives): the protocol-level checks only (listing, schema, initialize-level
auth), and its call rules are not verified, with the reason. ``--allow-side-effects`` opts in for
every tool (with a printed warning for each tool the server calls destructive),
``verify_calls: {allow: true, max_calls: N}`` for one tool with a budget that counts every call
of every rule. The policy is decided before the first call, printed, and recorded in the report;
``--dry-run`` prints it with the calls each tool would get, after listing the tools
(``initialize`` and ``tools/list`` only: no tool is called).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from contractkit.spec.mcp import ServerContract, ToolContract

OPT_IN = "--allow-side-effects, or verify_calls: {allow: true, max_calls: N} on the tool in the spec"


@dataclass(frozen=True)
class ToolPolicy:
    """Whether the suite may call one tool with valid arguments, why, and how often at most."""

    name: str
    may_call: bool
    why: str
    budget: int | None = None  # None: as many as the profile asks
    warning: str = ""  # printed before the run: a destructive tool (by its annotation) the user opted in to call

    def refusal(self) -> str:
        """The not-verified reason of a call rule this policy rules out."""
        return f"{self.name} is not called under the safety policy: {self.why} (opt in: {OPT_IN})"


def annotations_of(listed: Any) -> dict[str, Any]:
    """The MCP tool annotations a server advertised (from an SDK ``Tool`` or a raw tools/list dict)."""
    if listed is None:
        return {}
    if isinstance(listed, dict):
        found = listed.get("annotations")
        return dict(found) if isinstance(found, dict) else {}
    found = getattr(listed, "annotations", None)
    if found is None:
        return {}
    return {k: v for k, v in found.model_dump(by_alias=True, exclude_none=True).items()}


def decide(tool: ToolContract, listed: Any, *, allow_side_effects: bool, listing_known: bool = True) -> ToolPolicy:
    """The policy of one declared tool, from the spec's statement, the opt-ins and the annotations."""
    hints = annotations_of(listed)
    destructive = hints.get("destructiveHint") is True and hints.get("readOnlyHint") is not True
    if allow_side_effects:
        warning = (f"warning: {tool.name} is called although the server annotates it destructiveHint: true "
                   "(--allow-side-effects)") if destructive else ""
        return ToolPolicy(tool.name, True, "--allow-side-effects was given", tool.max_calls, warning)
    if tool.allow_calls:
        budget = f", at most {tool.max_calls} call(s)" if tool.max_calls else ""
        warning = (f"warning: {tool.name} is called although the server annotates it destructiveHint: true "
                   "(verify_calls in the spec)") if destructive else ""
        return ToolPolicy(tool.name, True, f"opted in by the spec (verify_calls{budget})", tool.max_calls, warning)
    if tool.read_only is True and destructive:
        return ToolPolicy(tool.name, False, "the spec says read_only: true, but the server annotates it "
                          "destructiveHint: true, which wins")
    if tool.read_only is True:
        return ToolPolicy(tool.name, True, "read-only by the spec (read_only: true)", tool.max_calls)
    if tool.read_only is False:
        return ToolPolicy(tool.name, False, "the spec says it is not read-only (read_only: false)")
    read_only, open_world = hints.get("readOnlyHint"), hints.get("openWorldHint")
    if read_only is True and open_world is False:
        return ToolPolicy(tool.name, True, "read-only and closed-world by the server's annotations")
    if read_only is True:
        said = "openWorldHint: true" if open_world is True else "no openWorldHint, which defaults to true"
        return ToolPolicy(tool.name, False, f"read-only by annotation, but open-world ({said}): it may reach outside")
    if listed is None:
        why = ("the server's annotations could not be read" if not listing_known
               else "the server does not offer it")
        return ToolPolicy(tool.name, False, f"{why}, and the spec does not say it is read-only")
    shown = ", ".join(f"{k}: {str(v).lower()}" for k, v in sorted(hints.items()) if k.endswith("Hint"))
    return ToolPolicy(tool.name, False, "it may have side effects: "
                      + (f"annotations {shown}" if shown else "no readOnlyHint, and the spec does not say it is "
                                                              "read-only"))


def decide_all(contract: ServerContract, listed: Iterable[Any] | None, *,
               allow_side_effects: bool) -> dict[str, ToolPolicy]:
    """Every declared tool's policy; ``listed`` None when the server's tools could not be listed."""
    by_name = {(t.get("name") if isinstance(t, dict) else getattr(t, "name", None)): t for t in listed or ()}
    return {t.name: decide(t, by_name.get(t.name), allow_side_effects=allow_side_effects,
                           listing_known=listed is not None) for t in contract.tools}


def render(policies: dict[str, ToolPolicy], where: str) -> list[str]:
    """The policy as the run prints it before the first call."""
    allowed = [p for p in policies.values() if p.may_call]
    lines = [f"contractkit: tool calls ({where}): {len(allowed)} of {len(policies)} declared tool(s) may be called; "
             "the others get no tools/call at all (protocol checks only)"]
    width = max((len(n) for n in policies), default=4)
    for policy in policies.values():
        verdict = "call" if policy.may_call else "no calls"
        budget = f" (at most {policy.budget})" if policy.budget else ""
        lines.append(f"  {policy.name:<{width}}  {verdict}{budget}: {policy.why}")
    if len(allowed) < len(policies):
        lines.append(f"  opt in: {OPT_IN}")
    lines += [f"contractkit: {p.warning}" for p in policies.values() if p.warning]
    return lines


def announce(policies: dict[str, ToolPolicy], where: str) -> None:
    """Print the policy on stderr (stdout carries pytest's own report and the self-test's JSON)."""
    print("\n".join(render(policies, where)), file=sys.stderr, flush=True)


# -- the dry run -----------------------------------------------------------------------------

def estimate(contract: ServerContract, policies: dict[str, ToolPolicy], options: Any,
             rule_ids: set[str]) -> list[tuple[str, int, int, list[str]]]:
    """Per tool: (name, calls with valid arguments, calls with invalid ones, the rules calling it)."""
    profile = options.profile
    http_bearer = bool(options.mcp_url) and contract.auth_type == "bearer_token"
    rows = []
    first_allowed = next((n for n, p in policies.items() if p.may_call), None)
    for tool in contract.tools:
        policy = policies[tool.name]
        valid = invalid = 0
        rules: list[str] = []
        if not policy.may_call:  # no tools/call of any kind
            rows.append((tool.name, 0, 0, rules))
            continue
        if "MCP-CALL-001" in rule_ids:
            valid += len(tool.examples) + profile.positive_examples
            rules.append("MCP-CALL-001")
        if "MCP-CALL-002" in rule_ids:
            valid += 1
            invalid += profile.negative_examples
            rules.append("MCP-CALL-002")
        if http_bearer and tool.scope and "MCP-AUTH-006" in rule_ids:
            valid += 3
            rules.append("MCP-AUTH-006")
        for rule in ("MCP-SVC-001", "MCP-SVC-002"):
            if rule in rule_ids and contract.service_token_scopes is not None:
                valid += 1
                rules.append(rule)
        if tool.name == first_allowed:
            for rule, good, bad in (("MCP-AUDIT-001", 1, 1), ("MCP-AUDIT-002", 1, 0)):
                if rule in rule_ids and (contract.audit or {}).get("required"):
                    valid += good
                    invalid += bad
                    rules.append(rule)
        if policy.budget is not None:  # the budget counts every call, valid first
            valid = min(valid, policy.budget)
            invalid = min(invalid, policy.budget - valid)
        rows.append((tool.name, valid, invalid, rules))
    return rows
