"""contractkit's OpenAPI extensions: OAS-050 (x-sse-events) and OAS-051 (x-websockets)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contractkit.lint.context import LintContext
from contractkit.lint.registry import LINT_RULES, Hit
from contractkit.lint.schemas import check_schema, error_text
from contractkit.loading import pointer_join


def _schema_problem(ctx: LintContext, schema: Any) -> str | None:
    resolved = ctx.deref(schema) if isinstance(schema, dict) and "$ref" in schema else schema
    if resolved is None:
        return "its $ref does not resolve (see OAS-002)"
    if not isinstance(resolved, dict | bool):
        return f"a schema must be an object, not {type(resolved).__name__}"
    problem = check_schema(ctx, resolved)
    return f"is not a valid JSON Schema: {problem}" if problem else None


@LINT_RULES.register(
    "OAS-050",
    "x-sse-events declares a valid schema per event, on text/event-stream",
    clause="issue 2 section 2 (a streaming chat over SSE, with every event type's schema)",
    tags=("openapi",),
)
def sse_events_valid(ctx: LintContext) -> Iterator[Hit]:
    """What it does: for every media type carrying `x-sse-events`, checks that the media type is
    `text/event-stream`, that `x-sse-events` maps at least one event name to a valid JSON Schema,
    and that every name in `x-sse-terminal-events` is a declared event.

    Why: a stream's frames are the contract of a streaming endpoint; OpenAPI has no words for
    them, so this extension is all a client (and the conformance suite) has to check frames.

    Example: `x-sse-terminal-events: [done, failed]` where only `start`, `delta`, `done` exist.
    """
    for node in ctx.nodes:
        if "x-sse-events" not in node.value:
            continue
        events = node.value["x-sse-events"]
        pointer = pointer_join(node.pointer, "x-sse-events")
        media = node.key if node.parent_key == "content" else ""
        if media and not media.lower().startswith("text/event-stream"):
            yield Hit(pointer, f"x-sse-events on {media!r}; it belongs on text/event-stream")
        if not isinstance(events, dict) or not events:
            yield Hit(pointer, "x-sse-events must map each event name to its data schema")
            continue
        for name, schema in events.items():
            problem = _schema_problem(ctx, schema)
            if problem:
                yield Hit(pointer_join(pointer, name), f"SSE event {name!r}: {problem}")
        terminal = node.value.get("x-sse-terminal-events")
        if terminal is None:
            continue
        tpointer = pointer_join(node.pointer, "x-sse-terminal-events")
        if not isinstance(terminal, list) or not terminal:
            yield Hit(tpointer, "x-sse-terminal-events must be a non-empty list of event names")
            continue
        for i, name in enumerate(terminal):
            if name not in events:
                yield Hit(pointer_join(tpointer, i), f"terminal event {name!r} is not declared in x-sse-events")


def _message_types(ctx: LintContext, schema: Any) -> set[str]:
    """The `type` constants of a oneOf of message schemas."""
    resolved = ctx.deref(schema)
    types: set[str] = set()
    branches = resolved.get("oneOf", resolved.get("anyOf", [resolved])) if isinstance(resolved, dict) else []
    for branch in branches if isinstance(branches, list) else []:
        branch = ctx.deref(branch)
        prop = branch.get("properties", {}).get("type") if isinstance(branch, dict) else None
        prop = ctx.deref(prop) if isinstance(prop, dict) else None
        if isinstance(prop, dict):
            if "const" in prop:
                types.add(str(prop["const"]))
            elif isinstance(prop.get("enum"), list):
                types.update(str(v) for v in prop["enum"])
    return types


@LINT_RULES.register(
    "OAS-051",
    "x-websockets entries are well-formed",
    clause="issue 2 section 2 (WebSocket: URL, auth, client and server message schemas, close codes)",
    tags=("openapi",),
)
def websockets_well_formed(ctx: LintContext) -> Iterator[Hit]:
    """What it does: checks each `x-websockets` entry: its key is a path starting with `/`;
    `client_messages` and `server_messages` are valid JSON Schemas; `close_codes` keys are
    WebSocket close codes (1000-4999); `auth.failure_close_code` is one of them;
    `terminal_messages` are server message types; the entry's examples validate against the
    message schemas.

    Why: OpenAPI cannot describe a WebSocket, so this extension is the whole contract of the
    socket; a typo in it is invisible to every other tool.

    Example: `close_codes: {'1008': ...}` with `auth: {failure_close_code: 4001}`.
    """
    sockets = ctx.data.get("x-websockets")
    if sockets is None:
        return
    if not isinstance(sockets, dict):
        yield Hit("/x-websockets", "x-websockets must map paths to WebSocket descriptions")
        return
    for path, entry in sockets.items():
        base = pointer_join("/x-websockets", path)
        if not str(path).startswith("/"):
            yield Hit(base, f"x-websockets key {path!r} is not a path starting with '/'")
        if not isinstance(entry, dict):
            yield Hit(base, "a WebSocket description must be an object")
            continue
        for key in ("client_messages", "server_messages"):
            if key not in entry:
                yield Hit(base, f"{path}: {key} (the schema of its messages) is missing")
                continue
            problem = _schema_problem(ctx, entry[key])
            if problem:
                yield Hit(pointer_join(base, key), f"{path}: {key} {problem}")
        codes = entry.get("close_codes", {})
        if not isinstance(codes, dict):
            yield Hit(pointer_join(base, "close_codes"), "close_codes must map close codes to their meaning")
            codes = {}
        for code in codes:
            if not str(code).isdigit() or not 1000 <= int(code) <= 4999:
                yield Hit(
                    pointer_join(base, "close_codes", code), f"{code!r} is not a WebSocket close code (1000-4999)"
                )
        auth = entry.get("auth")
        failure = auth.get("failure_close_code") if isinstance(auth, dict) else None
        if failure is not None and str(failure) not in {str(c) for c in codes}:
            yield Hit(
                pointer_join(base, "auth", "failure_close_code"),
                f"failure_close_code {failure} is not listed in close_codes",
            )
        server_types = _message_types(ctx, entry.get("server_messages"))
        terminal = entry.get("terminal_messages", [])
        for i, name in enumerate(terminal if isinstance(terminal, list) else []):
            if server_types and str(name) not in server_types:
                yield Hit(
                    pointer_join(base, "terminal_messages", i),
                    f"terminal message {name!r} is not a server message type ({', '.join(sorted(server_types))})",
                )
        yield from _examples(ctx, entry, base)


def _examples(ctx: LintContext, entry: dict[str, Any], base: str) -> Iterator[Hit]:
    examples = entry.get("examples")
    if not isinstance(examples, dict):
        return
    for side, key in (("client", "client_messages"), ("server", "server_messages")):
        items = examples.get(side)
        if not isinstance(items, list) or key not in entry or _schema_problem(ctx, entry[key]):
            continue
        validator = ctx.schema_validator(pointer_join(base, key))
        for i, item in enumerate(items):
            try:
                error = next(iter(validator.iter_errors(item)), None)
            except Exception as exc:  # unresolvable refs inside the schema
                yield Hit(pointer_join(base, key), f"cannot check examples: {type(exc).__name__}")
                return
            if error is not None:
                yield Hit(
                    pointer_join(base, "examples", side, i), f"{side} example does not match {key}: {error_text(error)}"
                )
