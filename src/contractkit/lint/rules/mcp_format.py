"""mcp-servers documents: MCP-001 (the format's schema), MCP-002/003 (refs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from contractkit.lint.context import LintContext
from contractkit.lint.registry import LINT_RULES, Hit, documented
from contractkit.lint.rules.openapi_refs import _CYCLE_DOC, _RESOLVE_DOC, _cycles, _unresolved_refs
from contractkit.loading import pointer_join

MAX_SCHEMA_FINDINGS = 100


@cache
def _format_schema() -> dict[str, Any]:
    from contractkit.resources import mcp_schema_path

    return json.loads(mcp_schema_path().read_text(encoding="utf-8"))


def servers(ctx: LintContext) -> Iterator[tuple[int, dict[str, Any], str]]:
    items = ctx.data.get("servers")
    for i, server in enumerate(items if isinstance(items, list) else []):
        if isinstance(server, dict):
            yield i, server, pointer_join("/servers", i)


def server_label(server: dict[str, Any], i: int) -> str:
    return f"server {server.get('name', i)!r}"


@LINT_RULES.register(
    "MCP-001",
    "The document is valid against mcp-servers.schema.json",
    clause="specs/mcp-servers.schema.json (JSON Schema 2020-12), the format's definition",
    tags=("mcp-servers",),
)
def valid_format(ctx: LintContext) -> Iterator[Hit]:
    """What it does: validates the document with jsonschema against the shipped format schema
    `mcp-servers.schema.json` (required fields, types, name patterns, transports, auth).

    Why: the format is the contract between neuron/ and its MCP servers; the reference servers,
    the conformance suite and reviewers all read it, and all assume it is well-formed.

    Example: a server without `authentication`; `rate_limit: {requests: 0}`.
    """
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(_format_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(ctx.data), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors[:MAX_SCHEMA_FINDINGS]:
        pointer = pointer_join("", *error.absolute_path)
        message = " ".join(str(error.message).split())
        yield Hit(pointer, message if len(message) <= 300 else message[:297] + "...")
    if len(errors) > MAX_SCHEMA_FINDINGS:
        yield Hit("", f"... and {len(errors) - MAX_SCHEMA_FINDINGS} more format errors")


@LINT_RULES.register(
    "MCP-002",
    "Every $ref resolves, inside the spec's folder",
    clause="conventions 7.1 (refs in tool schemas: local and relative files; remote and outside refused)",
    tags=("mcp-servers",),
)
@documented(_RESOLVE_DOC)
def mcp_refs_resolve(ctx: LintContext) -> Iterator[Hit]:
    yield from _unresolved_refs(ctx)


@LINT_RULES.register(
    "MCP-003",
    "No $ref or allOf/anyOf/oneOf loop without progress",
    clause="conventions 7.2 ($ref cycles in tool schemas)",
    tags=("mcp-servers",),
)
@documented(_CYCLE_DOC)
def mcp_no_ref_cycles(ctx: LintContext) -> Iterator[Hit]:
    yield from _cycles(ctx)
