"""The shapes AI services use beyond a JSON body: OAS-070 (header pointers name declared headers),
OAS-071 (an async job is followable), OAS-072 (WebSocket subprotocol auth and connection frames),
OAS-073 (x-subject and readiness by status name what exists)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contractkit.lint.context import LintContext
from contractkit.lint.registry import LINT_RULES, Hit
from contractkit.loading import pointer_join

_HEADER = "header:"
_METHODS = ("get", "put", "post", "delete", "patch")


def _header(pointer: Any) -> str | None:
    if isinstance(pointer, str) and pointer.lower().startswith(_HEADER):
        return pointer[len(_HEADER):].strip().lower()
    return None


def _operations(ctx: LintContext) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(pointer, operation object, method) of every operation."""
    for path, item in (ctx.data.get("paths") or {}).items():
        item = ctx.deref(item)
        if not isinstance(item, dict):
            continue
        for method in _METHODS:
            if isinstance(item.get(method), dict):
                yield pointer_join("/paths", path, method), item[method], method


def _by_id(ctx: LintContext) -> dict[str, tuple[str, dict[str, Any], str]]:
    return {op.get("operationId"): (ptr, op, m) for ptr, op, m in _operations(ctx) if op.get("operationId")}


def _response_headers(ctx: LintContext, op: dict[str, Any], statuses: Any) -> set[str] | None:
    """The lower-cased header names the given responses declare (None: none of them is declared)."""
    found: set[str] | None = None
    for status, response in (op.get("responses") or {}).items():
        if not statuses(str(status)):
            continue
        response = ctx.deref(response)
        found = (found or set()) | {str(n).lower() for n in ((response or {}).get("headers") or {})}
    return found


def _success(status: str) -> bool:
    return status.startswith("2") or status == "2XX"


@LINT_RULES.register(
    "OAS-070",
    "Header pointers name headers the answer declares",
    clause="docs/extensions.md#answer-pointers; OpenAPI 3.1 Response Object (headers)",
    tags=("openapi",),
)
def header_pointers_declared(ctx: LintContext) -> Iterator[Hit]:
    """What it does: for every `header:<Name>` pointer of an `x-ai-operation` (usage, model tier,
    degraded marker, answer text), checks that the answer it is read on declares that header:
    the operation's 2xx responses, or, for an operation with a `job`, the job operation's. A
    header pointer in `x-stream` is an error: frames have no headers.

    Why: a header the spec does not declare is a header no client generator, gateway or reviewer
    knows about; the suite would read nothing there and report usage as missing.

    Example: `usage: {cost_usd: header:X-Cost}` on an operation whose 200 declares `X-Usage-Cost-USD`.
    """
    ids = _by_id(ctx)
    for pointer, op, _ in _operations(ctx):
        ai = op.get("x-ai-operation")
        if not isinstance(ai, dict):
            continue
        answering = op
        job = ai.get("job")
        if isinstance(job, dict) and job.get("operation") in ids:
            answering = ids[job["operation"]][1]
        declared = _response_headers(ctx, answering, _success) or set()
        usage = ai.get("usage") if isinstance(ai.get("usage"), dict) else {}
        places = [(("usage", k), v) for k, v in usage.items()] + [
            (("fallback", "marker"), (ai.get("fallback") or {}).get("marker") if isinstance(ai.get("fallback"),
                                                                                               dict) else None),
            (("answer_text",), ai.get("answer_text"))]
        for where, value in places:
            name = _header(value)
            if name is not None and name not in declared:
                yield Hit(pointer_join(pointer, "x-ai-operation", *where),
                          f"{value}: the answer declares no {name} header (responses ... headers)")
    for node in ctx.nodes:
        stream = node.value.get("x-stream") if isinstance(node.value, dict) else None
        usage = stream.get("usage") if isinstance(stream, dict) else None
        for key, value in (usage.items() if isinstance(usage, dict) else ()):
            if _header(value) is not None:
                yield Hit(pointer_join(node.pointer, "x-stream", "usage", key),
                          f"{value}: a stream's frames have no headers; point into the ending frame")


@LINT_RULES.register(
    "OAS-071",
    "An async job names its job operation and declares its acceptance",
    clause="docs/extensions.md#async-jobs; RFC 9110 section 15.3.3 (202 Accepted)",
    tags=("openapi",),
)
def job_followable(ctx: LintContext) -> Iterator[Hit]:
    """What it does: for every `x-ai-operation.job`, checks that `operation` names a GET operation
    of the spec, that the operation declares the accepting status (`accepted_status`, 202 by
    default), that a `header:` location is a header that response declares, and that the
    pending, done and failed states do not overlap.

    Why: the suite follows the job to its final answer with the job operation's token and
    schema; a job it cannot follow leaves the deadline, fallback and usage rules unverified.

    Example: `job: {operation: getJob}` where `getJob` is a POST, or a 202 without `Location`.
    """
    ids = _by_id(ctx)
    for pointer, op, _ in _operations(ctx):
        ai = op.get("x-ai-operation")
        job = ai.get("job") if isinstance(ai, dict) else None
        if not isinstance(job, dict):
            continue
        base = pointer_join(pointer, "x-ai-operation", "job")
        target = job.get("operation")
        if target is None:
            yield Hit(base, "job: name the GET operation that answers the job (operation: <operationId>)")
        elif target not in ids or ids[target][2] != "get":
            yield Hit(pointer_join(base, "operation"), f"job.operation: {target!r} is not the operationId of a GET")
        accepted = str(job.get("accepted_status", 202))
        if accepted not in {str(s) for s in (op.get("responses") or {})}:
            yield Hit(pointer_join(pointer, "responses"), f"the job is accepted with {accepted}, which is not declared")
        else:
            name = _header(job.get("location"))
            headers = _response_headers(ctx, op, accepted.__eq__) or set()
            if name is not None and name not in headers:
                yield Hit(pointer_join(base, "location"), f"the {accepted} answer declares no {name} header")
        states = [v for k in ("pending", "done", "failed") for v in (job.get(k) or []) if isinstance(job.get(k), list)]
        if len(states) != len({repr(s) for s in states}):
            yield Hit(base, "job: a state value is listed twice among pending, done and failed")


@LINT_RULES.register(
    "OAS-072",
    "WebSocket subprotocol auth says how, and connection frames are frames of no turn",
    clause="docs/extensions.md#x-websockets (auth.subprotocol); docs/extensions.md#x-sse-events-and-x-stream "
           "(connection); RFC 6455 section 4.1 (Sec-WebSocket-Protocol)",
    tags=("openapi",),
)
def websocket_shapes(ctx: LintContext) -> Iterator[Hit]:
    """What it does: checks that an `x-websockets` entry offering the `subprotocol` auth method
    says how (`auth.subprotocol.token_prefix`), and that every `x-stream.connection` frame type
    is not also a turn's frame type (opens, deltas, ends, errors); on an SSE media type, that it
    is an event of `x-sse-events`.

    Why: the suite cannot present a token it does not know how to write, and a frame that is
    both the connection's and a turn's makes a turn's grammar ambiguous.

    Example: `auth: {methods: [subprotocol]}` with no `subprotocol`, or `connection: [ping]` and `deltas: [ping]`.
    """
    sockets = ctx.data.get("x-websockets")
    for path, entry in (sockets.items() if isinstance(sockets, dict) else ()):
        auth = entry.get("auth") if isinstance(entry, dict) else None
        if isinstance(auth, dict) and "subprotocol" in (auth.get("methods") or []) \
                and not isinstance(auth.get("subprotocol"), dict):
            yield Hit(pointer_join("/x-websockets", path, "auth", "methods"),
                      "the subprotocol method needs auth.subprotocol (token_prefix, encoding, protocols)")
    for node in ctx.nodes:
        stream = node.value.get("x-stream") if isinstance(node.value, dict) else None
        if not isinstance(stream, dict) or not isinstance(stream.get("connection"), list):
            continue
        roles = {n for k in ("opens", "deltas", "ends", "errors") for n in (stream.get(k) or [])
                 if isinstance(stream.get(k), list)}
        events = node.value.get("x-sse-events")
        for i, name in enumerate(stream["connection"]):
            where = pointer_join(node.pointer, "x-stream", "connection", i)
            if name in roles:
                yield Hit(where, f"connection frame {name!r} is also a turn's frame type")
            elif isinstance(events, dict) and name not in events:
                yield Hit(where, f"connection frame {name!r} is not an event of x-sse-events")


@LINT_RULES.register(
    "OAS-073",
    "x-subject and readiness by status name what the operation declares",
    clause="docs/extensions.md#x-subject; docs/extensions.md#x-probe (degraded.status)",
    tags=("openapi",),
)
def subject_and_probe_declared(ctx: LintContext) -> Iterator[Hit]:
    """What it does: checks that an `x-subject` in a path, query or header names a parameter the
    operation declares and that its `not_found_status` is a declared response; and that the
    statuses of `x-probe.degraded.status` are declared responses of the readiness operation.

    Why: the suite sends the unknown entity where the subject says and expects the declared
    status; a status the spec does not declare would fail the schema rules on a correct service.

    Example: `x-subject: {in: path, name: id}` on `/jobs/{job_id}`.
    """
    for pointer, op, _ in _operations(ctx):
        statuses = {str(s) for s in (op.get("responses") or {})}
        subject = op.get("x-subject")
        if isinstance(subject, dict):
            status = str(subject.get("not_found_status", 404))
            if status not in statuses and f"{status[0]}XX" not in statuses:
                yield Hit(pointer_join(pointer, "x-subject"), f"x-subject: the operation declares no {status} response")
            if subject.get("in") in ("path", "query", "header"):
                item = ctx.deref(ctx.data["paths"][pointer.split("/")[2].replace("~1", "/").replace("~0", "~")])
                params = [ctx.deref(p) for p in [*(item.get("parameters") or []), *(op.get("parameters") or [])]]
                if not any(isinstance(p, dict) and p.get("in") == subject["in"]
                           and str(p.get("name", "")).lower() == str(subject.get("name", "")).lower() for p in params):
                    yield Hit(pointer_join(pointer, "x-subject", "name"),
                              f"x-subject: the operation declares no {subject['in']} parameter {subject.get('name')!r}")
        probe = op.get("x-probe")
        degraded = probe.get("degraded") if isinstance(probe, dict) else None
        raw = degraded.get("status") if isinstance(degraded, dict) else None
        for status in (raw if isinstance(raw, list) else [raw] if raw is not None else []):
            if str(status) not in statuses:
                yield Hit(pointer_join(pointer, "x-probe", "degraded", "status"),
                          f"x-probe: readiness declares no {status} response")
