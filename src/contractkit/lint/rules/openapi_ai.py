"""AI operations: OAS-040 (usage fields), OAS-041 (confidence in [0,1]), OAS-042 (x-ai-operation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contractkit.lint.context import LintContext, Operation
from contractkit.lint.registry import LINT_RULES, Hit
from contractkit.lint.shapes import alternatives, header_names, is_json, is_success, media_types
from contractkit.loading import Document, pointer_join

USAGE_FIELDS = ("token_count", "cost_usd")
FALLBACK_MODES = ("degraded_answer", "unavailable")


def _ai_operations(ctx: LintContext) -> Iterator[Operation]:
    for op in ctx.operations:
        if "x-ai-operation" in op.node:
            yield op


def _sse_terminal_events(media: dict[str, Any]) -> list[str]:
    events = media.get("x-sse-events")
    terminal = media.get("x-sse-terminal-events")
    if isinstance(terminal, list):
        return [str(t) for t in terminal]
    return ["done"] if isinstance(events, dict) and "done" in events else []


def _usage_fields(usage: Any) -> tuple[str, ...]:
    """The top-level properties that hold usage: where ``x-ai-operation.usage`` (or ``x-stream.usage``)
    points, else ``token_count`` and ``cost_usd``."""
    if not isinstance(usage, dict):
        return USAGE_FIELDS
    return tuple(
        dict.fromkeys(
            str(usage[k]).split("/")[1]
            for k in ("token_count", "cost_usd")
            if isinstance(usage.get(k), str) and usage[k].count("/") >= 1
        )
    )


def _missing_usage(ctx: LintContext, schema: Any, doc: Document, fields: tuple[str, ...] = USAGE_FIELDS) -> list[str]:
    missing: set[str] = set()
    for shape in alternatives(ctx, schema, doc):
        missing.update(f for f in fields if f not in shape.properties or f not in shape.required)
    return [f for f in fields if f in missing]


@LINT_RULES.register(
    "OAS-040",
    "AI operations' 2xx bodies carry the usage fields",
    clause="conventions 4.1 (every AI answer reports token_count and cost_usd)",
    tags=("openapi",),
)
def ai_usage_fields(ctx: LintContext) -> Iterator[Hit]:
    """What it does: for every operation marked `x-ai-operation`, checks that each 2xx JSON body
    requires `token_count` and `cost_usd` (in every `oneOf`/`anyOf` alternative, through `allOf`
    and `$ref`), and that each terminal event of a 2xx `text/event-stream` (`x-sse-terminal-events`)
    requires them too.

    Why: usage is how callers budget and bill AI calls; a field that is optional or absent is a
    field that one day is not sent.

    Example: an `AnalyzeResponse` schema with `token_count` under `properties` but not in `required`.
    """
    for op in _ai_operations(ctx):
        if isinstance(op.node["x-ai-operation"].get("job"), dict):
            continue  # its answer, usage included, is the job's (OAS-070 checks the job)
        for status, response, pointer, doc in ctx.responses_of(op):
            if not is_success(status):
                continue
            other = None if doc is ctx.document else doc
            for media, obj, media_ptr in media_types(ctx, response, pointer, doc):
                if is_json(media) and "schema" in obj:
                    fields = _usage_fields(op.node["x-ai-operation"].get("usage"))
                    missing = _missing_usage(ctx, obj["schema"], doc, fields)
                    if missing:
                        yield Hit(
                            pointer_join(media_ptr, "schema"),
                            f"{op.label} {status} body does not require {', '.join(missing)}",
                            other,
                        )
                elif media.startswith("text/event-stream") and isinstance(obj.get("x-sse-events"), dict):
                    for event in _sse_terminal_events(obj):
                        schema = obj["x-sse-events"].get(event)
                        if schema is None:
                            continue  # OAS-050 reports undeclared terminal events
                        stream = obj.get("x-stream")
                        usage = stream.get("usage") if isinstance(stream, dict) else None
                        missing = _missing_usage(ctx, schema, doc, _usage_fields(usage))
                        if missing:
                            yield Hit(
                                pointer_join(media_ptr, "x-sse-events", event),
                                f"{op.label}: terminal SSE event {event!r} does not require {', '.join(missing)}",
                                other,
                            )


def _bounds(ctx: LintContext, schema: Any, doc: Document, depth: int = 0) -> tuple[Any, Any, Any]:
    """(type, lower bound, upper bound) of a numeric schema, through refs and allOf."""
    schema = ctx.deref(schema, doc) if isinstance(schema, dict) and "$ref" in schema else schema
    if not isinstance(schema, dict) or depth > 16:
        return None, None, None
    kind = schema.get("type")
    low = schema.get("minimum")
    high = schema.get("maximum")
    if isinstance(schema.get("exclusiveMinimum"), int | float) and not isinstance(schema["exclusiveMinimum"], bool):
        low = schema["exclusiveMinimum"] if low is None else max(low, schema["exclusiveMinimum"])
    if isinstance(schema.get("exclusiveMaximum"), int | float) and not isinstance(schema["exclusiveMaximum"], bool):
        high = schema["exclusiveMaximum"] if high is None else min(high, schema["exclusiveMaximum"])
    for part in schema.get("allOf", []) if isinstance(schema.get("allOf"), list) else []:
        p_kind, p_low, p_high = _bounds(ctx, part, doc, depth + 1)
        kind = kind or p_kind
        low = p_low if low is None else (low if p_low is None else max(low, p_low))
        high = p_high if high is None else (high if p_high is None else min(high, p_high))
    return kind, low, high


def _numeric(kind: Any) -> bool:
    kinds = kind if isinstance(kind, list) else [kind]
    return any(k in ("number", "integer") for k in kinds)


@LINT_RULES.register(
    "OAS-041",
    "confidence is bounded to [0, 1]",
    clause="conventions 4.2 (`confidence` in [0, 1])",
    tags=("openapi",),
)
def confidence_bounded(ctx: LintContext) -> Iterator[Hit]:
    """What it does: finds every schema property named `confidence` (in components, paths and
    extensions) and checks that it is a number with a lower bound >= 0 and an upper bound <= 1
    (`minimum`/`maximum` or exclusive bounds, through `$ref` and `allOf`).

    Why: callers compare confidences across operations and models; an unbounded or
    percentage-scaled confidence silently breaks every threshold.

    Example: `confidence: {type: number}` or `{type: integer, maximum: 100}`.
    """
    for node in ctx.nodes:
        if node.key != "properties" or "confidence" not in node.value:
            continue
        prop = node.value["confidence"]
        pointer = pointer_join(node.pointer, "confidence")
        kind, low, high = _bounds(ctx, prop, ctx.document)
        problems = []
        if not _numeric(kind):
            problems.append(f"type is {kind!r}, not number" if kind else "no numeric type")
        if not isinstance(low, int | float) or low < 0:
            problems.append("no lower bound >= 0")
        if not isinstance(high, int | float) or high > 1:
            problems.append("no upper bound <= 1")
        if problems:
            yield Hit(pointer, f"confidence is not bounded to [0, 1]: {'; '.join(problems)}")


@LINT_RULES.register(
    "OAS-042",
    "x-ai-operation declares a deadline and a fallback it can keep",
    clause="conventions 4.3 (per AI operation: deadline, and fallback: degraded answer or 503 Retry-After)",
    tags=("openapi",),
)
def ai_operation_declared(ctx: LintContext) -> Iterator[Hit]:
    """What it does: checks each `x-ai-operation` (on operations and `x-websockets` entries):
    `deadline_ms` is a positive integer; `fallback.mode` is `degraded_answer` or `unavailable`;
    for `degraded_answer`, every 2xx JSON body has a boolean `fallback` property; for
    `unavailable`, the operation declares 503 with a `Retry-After` header.

    Why: the conformance suite injects provider failures and holds the operation to the fallback
    it declares; a fallback that its responses cannot express is a contract nobody can keep.

    Example: `fallback: {mode: unavailable}` on an operation without a 503 response.
    """
    targets: list[tuple[str, Any, Operation | None]] = [
        (pointer_join(op.pointer, "x-ai-operation"), op.node.get("x-ai-operation"), op) for op in _ai_operations(ctx)
    ]
    sockets = ctx.data.get("x-websockets")
    if isinstance(sockets, dict):
        for path, entry in sockets.items():
            if isinstance(entry, dict) and "x-ai-operation" in entry:
                targets.append((pointer_join("/x-websockets", path, "x-ai-operation"), entry["x-ai-operation"], None))
    for pointer, ai, op in targets:
        if not isinstance(ai, dict):
            yield Hit(pointer, "x-ai-operation must be an object")
            continue
        deadline = ai.get("deadline_ms")
        if not isinstance(deadline, int) or isinstance(deadline, bool) or deadline <= 0:
            yield Hit(
                pointer_join(pointer, "deadline_ms") if "deadline_ms" in ai else pointer,
                f"deadline_ms must be a positive integer (got {deadline!r})",
            )
        fallback = ai.get("fallback")
        mode = fallback.get("mode") if isinstance(fallback, dict) else None
        if mode not in FALLBACK_MODES:
            yield Hit(
                pointer_join(pointer, "fallback") if "fallback" in ai else pointer,
                f"fallback.mode must be one of {', '.join(FALLBACK_MODES)} (got {mode!r})",
            )
            continue
        if op is not None:
            yield from _fallback_expressible(ctx, op, mode, pointer)


def _fallback_expressible(ctx: LintContext, op: Operation, mode: str, pointer: str) -> Iterator[Hit]:
    responses = list(ctx.responses_of(op))
    if mode == "unavailable":
        unavailable = [(r, d) for s, r, _p, d in responses if s == "503"]
        if not unavailable:
            yield Hit(pointer, f"{op.label}: fallback 'unavailable' but no 503 response is declared")
        elif not all("retry-after" in header_names(ctx, r, d) for r, d in unavailable):
            yield Hit(pointer, f"{op.label}: fallback 'unavailable' but the 503 does not declare Retry-After")
        return
    for status, response, resp_ptr, doc in responses:
        if not is_success(status):
            continue
        for media, obj, _media_ptr in media_types(ctx, response, resp_ptr, doc):
            if not is_json(media) or "schema" not in obj:
                continue
            marker = (op.node["x-ai-operation"].get("fallback") or {}).get("marker") or "/fallback"
            name = str(marker).split("/")[1] if str(marker).count("/") == 1 else None
            if name is None:
                continue  # a nested marker: its type is the schema's business, checked by OAS-054's pointer
            for shape in alternatives(ctx, obj["schema"], doc):
                flag = ctx.deref(shape.properties.get(name), doc) if name in shape.properties else None
                if not isinstance(flag, dict) or flag.get("type") != "boolean":
                    yield Hit(
                        pointer,
                        f"{op.label}: fallback 'degraded_answer' but the {status} body has no "
                        f"boolean {name!r} property (fallback.marker) to mark a degraded answer",
                    )
                    return
