"""Error responses: OAS-030 (one shared error schema) and OAS-031 (429 with Retry-After)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from contractkit.lint.context import LintContext
from contractkit.lint.registry import LINT_RULES, Hit
from contractkit.lint.shapes import header_names, is_error, media_types
from contractkit.loading import Document, pointer_join


def _schema_identity(ctx: LintContext, media: dict[str, Any], pointer: str, doc: Document) -> str | None:
    """Where the media type's schema lives after following refs (``doc#pointer``), None if inline."""
    schema = media.get("schema")
    if not isinstance(schema, dict) or "$ref" not in schema:
        return None
    target = ctx.follow(schema, doc)
    return f"{target.document.name}#{target.pointer}" if target else None


def _identities(ctx: LintContext, media: dict[str, Any], pointer: str, doc: Document) -> set[str]:
    """The schema's identity, plus those of its allOf parts (a problem body extended by allOf)."""
    ids: set[str] = set()
    own = _schema_identity(ctx, media, pointer, doc)
    if own:
        ids.add(own)
    schema = ctx.deref(media.get("schema"), doc)
    if isinstance(schema, dict) and isinstance(schema.get("allOf"), list):
        for part in schema["allOf"]:
            part_id = _schema_identity(ctx, {"schema": part}, pointer, doc)
            if part_id:
                ids.add(part_id)
    return ids


def _error_responses(ctx: LintContext) -> Iterator[tuple[Any, str, str, Any, str, Document]]:
    """(operation, status, response pointer, response, ref-site pointer, document) of 4xx/5xx/default."""
    for op in ctx.operations:
        for status, response, pointer, doc in ctx.responses_of(op):
            if is_error(status) and isinstance(response, dict):
                yield op, status, pointer, response, pointer_join(op.pointer, "responses", status), doc


@LINT_RULES.register(
    "OAS-030",
    "Every non-2xx response uses the shared error schema",
    clause="conventions 3.1; RFC 9457 (one shared problem+json error body on every non-2xx)",
    tags=("openapi",),
)
def shared_error_schema(ctx: LintContext) -> Iterator[Hit]:
    """What it does: finds the document's shared error schema (the schema most 4xx/5xx/default
    responses reference) and checks that every 4xx/5xx/default response has a body, and that
    each of its media types uses that schema (directly, or as an `allOf` part).

    Why: clients branch on one machine-readable error shape (`code`, `request_id`); a second
    error shape on one endpoint is a bug every client rediscovers.

    Example: `'404': {description: Not found}` (no body), or a 429 whose schema is
    `{type: object, properties: {message: ...}}` while all others use `Problem`.
    """
    errors = list(_error_responses(ctx))
    counts: Counter[str] = Counter()
    for _op, _status, pointer, response, _site, doc in errors:
        for _media, obj, media_ptr in media_types(ctx, response, pointer, doc):
            counts.update(_identities(ctx, obj, media_ptr, doc))
    if not counts:
        return
    shared, _ = counts.most_common(1)[0]
    shared_name = shared.split("#", 1)[1]
    reported: set[str] = set()
    for op, status, pointer, response, _site, doc in errors:
        if op.method == "head":
            continue
        key = f"{doc.name}#{pointer}"
        bodies = list(media_types(ctx, response, pointer, doc))
        if not bodies:
            if key not in reported:
                reported.add(key)
                yield Hit(
                    pointer,
                    f"{status} response has no body; it should use the shared error schema {shared_name}",
                    None if doc is ctx.document else doc,
                )
            continue
        for media, obj, media_ptr in bodies:
            if shared not in _identities(ctx, obj, media_ptr, doc):
                mkey = f"{doc.name}#{media_ptr}"
                if mkey not in reported:
                    reported.add(mkey)
                    yield Hit(
                        pointer_join(media_ptr, "schema") if "schema" in obj else media_ptr,
                        f"{status} {media} body does not use the shared error schema {shared_name}",
                        None if doc is ctx.document else doc,
                    )


def _rate_limited(ctx: LintContext, op: Any) -> bool:
    return isinstance(op.node.get("x-rate-limit", ctx.data.get("x-rate-limit")), dict)


@LINT_RULES.register(
    "OAS-031",
    "Rate-limited operations declare 429 with Retry-After",
    clause="conventions 3.2; RFC 6585 section 4 and RFC 9110 section 10.2.3 (Retry-After)",
    tags=("openapi",),
)
def rate_limited_declares_429(ctx: LintContext) -> Iterator[Hit]:
    """What it does: for every operation with an `x-rate-limit` (its own or the document's),
    checks that it declares a `429` response and that the 429 declares a `Retry-After` header.

    Why: a client that is throttled without being told when to retry either hammers the
    service or gives up; the conformance suite tests both the 429 and the header.

    Example: `x-rate-limit: {requests: 100, window_seconds: 2}` with no `'429'` response.
    """
    for op in ctx.operations:
        if not _rate_limited(ctx, op):
            continue
        found = False
        for status, response, pointer, doc in ctx.responses_of(op):
            if status != "429":
                continue
            found = True
            if "retry-after" not in header_names(ctx, response, doc):
                yield Hit(
                    pointer,
                    f"{op.label}: the 429 response does not declare a Retry-After header",
                    None if doc is ctx.document else doc,
                )
        if not found:
            yield Hit(
                pointer_join(op.pointer, "x-rate-limit") if "x-rate-limit" in op.node else op.pointer,
                f"{op.label} is rate-limited (x-rate-limit) but declares no 429 response",
                None if op.document is ctx.document else op.document,
            )
