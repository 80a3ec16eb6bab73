"""mcp-servers limits and duties: MCP-030 (rate limit) and MCP-031 (audit log)."""

from __future__ import annotations

from collections.abc import Iterator

from contractkit.lint.context import LintContext
from contractkit.lint.registry import LINT_RULES, Hit
from contractkit.lint.rules.mcp_format import server_label, servers
from contractkit.loading import pointer_join


@LINT_RULES.register(
    "MCP-030",
    "Every server declares its rate limit",
    clause="conventions 8.4 (per server: rate limit)",
    tags=("mcp-servers",),
)
def rate_limit_present(ctx: LintContext) -> Iterator[Hit]:
    """What it does: checks that every server has a `rate_limit` with positive `requests` and
    `window_seconds`.

    Why: an MCP server fronts engine/'s data for LLM agents, which loop; without a declared
    limit nobody can test that a runaway agent is stopped with 429.

    Example: a server entry with `tools` and `authentication` but no `rate_limit`.
    """
    for i, server, base in servers(ctx):
        limit = server.get("rate_limit")
        if not isinstance(limit, dict):
            yield Hit(base, f"{server_label(server, i)} declares no rate_limit")
            continue
        for key in ("requests", "window_seconds"):
            value = limit.get(key)
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                yield Hit(
                    pointer_join(base, "rate_limit"),
                    f"{server_label(server, i)}: rate_limit.{key} must be a positive number (got {value!r})",
                )


@LINT_RULES.register(
    "MCP-031",
    "Every server requires an audit log",
    clause="conventions 8.4 (per server: audit-log requirement, every tool call recorded once)",
    tags=("mcp-servers",),
)
def audit_log_required(ctx: LintContext) -> Iterator[Hit]:
    """What it does: checks that every server has an `audit_log` with `required: true`.

    Why: tool calls read customer data on behalf of an AI agent; the audit log is how a human
    finds out what the agent read, and the conformance suite checks each call appears in it.

    Example: `audit_log: {required: false}`, or no `audit_log` at all.
    """
    for i, server, base in servers(ctx):
        audit = server.get("audit_log")
        if not isinstance(audit, dict):
            yield Hit(base, f"{server_label(server, i)} declares no audit_log")
        elif audit.get("required") is not True:
            yield Hit(
                pointer_join(base, "audit_log", "required") if "required" in audit else pointer_join(base, "audit_log"),
                f"{server_label(server, i)}: audit_log.required must be true",
            )
