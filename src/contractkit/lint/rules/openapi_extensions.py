"""contractkit's OpenAPI extensions: OAS-050 (x-sse-events), OAS-051 (x-websockets), OAS-054 (every
extension against its published schema) and OAS-055 (extensions name things that exist)."""

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
    clause="conventions 5.1 (a streaming operation over SSE, with every event type's schema)",
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
    clause="conventions 5.2 (WebSocket: URL, auth, client and server message schemas, close codes)",
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


# Where each extension may stand: "root", "operation", "media" (a media type object), "scheme"
# (a security scheme), "websocket" (an x-websockets entry). Extensions in other places are not read.
_PLACES = {
    "x-pricing": "root",
    "x-fault-injection": "root",
    "x-websockets": "root",
    "x-ai-operation": "operation",
    "x-rate-limit": "operation",
    "x-probe": "operation",
    "x-subject": "operation",
    "x-sse-events": "media",
    "x-sse-terminal-events": "media",
    "x-stream": "media",
    "x-audience": "scheme",
    "x-token-request": "scheme",
    "x-foreign-audience": "scheme",
    "x-clock-skew-seconds": "scheme",
}


def _extension_validator(name: str) -> Any:
    """A compiled 2020-12 validator for one extension, built once per process."""
    cached = _VALIDATORS.get(name)
    if cached is None:
        import json

        import jsonschema

        from contractkit.resources import neuron_extensions_schema_path

        schema = json.loads(neuron_extensions_schema_path().read_text())
        cached = jsonschema.Draft202012Validator({**schema, "$ref": f"#/$defs/{name}"})
        _VALIDATORS[name] = cached
    return cached


_VALIDATORS: dict[str, Any] = {}


def _place_of(node: Any) -> str:
    if node.pointer == "":
        return "root"
    parts = node.pointer.split("/")
    if len(parts) == 4 and parts[1] == "paths":
        return "operation"
    if node.parent_key == "content":
        return "media"
    if len(parts) == 4 and parts[1:3] == ["components", "securitySchemes"]:
        return "scheme"
    return ""


@LINT_RULES.register(
    "OAS-054",
    "Every extension the kit reads matches its published schema",
    clause="docs/extensions.md; specs/neuron-extensions.schema.json",
    tags=("openapi",),
)
def extensions_match_schema(ctx: LintContext) -> Iterator[Hit]:
    """What it does: validates every `x-` extension that contractkit reads (`x-ai-operation`,
    `x-rate-limit`, `x-probe`, `x-stream`, `x-sse-events`, `x-websockets`, `x-pricing`,
    `x-fault-injection`, `x-audience`, `x-token-request`, `x-foreign-audience`,
    `x-clock-skew-seconds`) against its JSON Schema in
    `specs/neuron-extensions.schema.json`, where it stands.

    Why: the live suite takes every fact it needs from these extensions; a spec it cannot use
    should fail here, with a line number, rather than make `contractkit verify` report false
    findings.

    Example: `x-ai-operation: {deadline_ms: "8s"}` (a number of milliseconds is expected).
    """
    for node in ctx.nodes:
        place = _place_of(node)
        if not place:
            continue
        for key, value in node.value.items():
            if _PLACES.get(key) != place:
                continue
            for error in _extension_validator(key).iter_errors(value):
                where = pointer_join(node.pointer, key, *[str(p) for p in error.absolute_path])
                yield Hit(where, f"{key}: {error_text(error)}")
                break


@LINT_RULES.register(
    "OAS-055",
    "Extensions name things that exist: stream frames, twin operations, subject parameters",
    clause="docs/extensions.md (x-stream, x-ai-operation.stream_of, x-ai-operation.subject)",
    tags=("openapi",),
)
def extensions_resolve(ctx: LintContext) -> Iterator[Hit]:
    """What it does: checks that an `x-stream` on `text/event-stream` names only events declared
    in `x-sse-events`; that `x-ai-operation.stream_of` names an operationId of the spec; and that
    a subject `in: path` or `in: query` is a parameter the operation declares.

    Why: a name that points at nothing makes the live suite unable to drive or judge the
    operation; lint says so with the line instead.

    Example: `x-stream: {ends: [complete]}` where the events are `open`, `token`, `done`.
    """
    ids = {
        op.get("operationId")
        for item in (ctx.data.get("paths") or {}).values()
        if isinstance(item, dict)
        for op in item.values()
        if isinstance(op, dict)
    }
    for node in ctx.nodes:
        place = _place_of(node)
        if (
            place == "media"
            and isinstance(node.value.get("x-stream"), dict)
            and isinstance(node.value.get("x-sse-events"), dict)
        ):
            events = node.value["x-sse-events"]
            for role in ("opens", "deltas", "ends", "errors"):
                for i, name in enumerate(node.value["x-stream"].get(role) or []):
                    if name not in events:
                        yield Hit(
                            pointer_join(node.pointer, "x-stream", role, i),
                            f"x-stream {role}: {name!r} is not an event of x-sse-events",
                        )
        if place != "operation" or not isinstance(node.value.get("x-ai-operation"), dict):
            continue
        ai = node.value["x-ai-operation"]
        base = pointer_join(node.pointer, "x-ai-operation")
        if isinstance(ai.get("stream_of"), str) and ai["stream_of"] not in ids:
            yield Hit(pointer_join(base, "stream_of"), f"stream_of: no operation has the id {ai['stream_of']!r}")
        subject = ai.get("subject")
        if isinstance(subject, dict) and subject.get("in") in ("path", "query", "header"):
            declared = _parameter_names(ctx, node)
            if (subject["in"], str(subject.get("name", "")).lower()) not in declared:
                yield Hit(
                    pointer_join(base, "subject", "name"),
                    f"subject: the operation declares no {subject['in']} parameter {subject.get('name')!r}",
                )


def _parameter_names(ctx: LintContext, node: Any) -> set[tuple[str, str]]:
    """(in, lower-cased name) of the parameters of an operation and of its path item."""
    path_item = ctx.data["paths"][node.pointer.split("/")[2].replace("~1", "/").replace("~0", "~")]
    out = set()
    for params in (path_item.get("parameters") or [], node.value.get("parameters") or []):
        for param in params if isinstance(params, list) else []:
            param = ctx.deref(param)
            if isinstance(param, dict):
                out.add((str(param.get("in")), str(param.get("name", "")).lower()))
    return out
