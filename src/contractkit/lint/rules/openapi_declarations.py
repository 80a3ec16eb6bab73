"""What the live suite will and will not verify, told before the run: OAS-056 (rules not verified for
lack of a declaration, from the table in contractkit.spec.declarations) and OAS-057 (every pointer
and name an extension gives resolves in the schema it points into)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from contractkit.lint.context import LintContext
from contractkit.lint.registry import LINT_RULES, Hit
from contractkit.loading import pointer_join

#: Extensions that make a document a neuron/ spec (a plain OpenAPI description gets no OAS-056 list).
_NEURON_MARKS = ("x-pricing", "x-websockets", "x-fault-injection")


def _is_neuron_spec(ctx: LintContext) -> bool:
    if not isinstance(ctx.data, dict):
        return False
    return any(k in ctx.data for k in _NEURON_MARKS) or any("x-ai-operation" in op.node for op in ctx.operations)


@LINT_RULES.register(
    "OAS-056",
    "Every rule the live suite would run has the declarations it needs",
    clause="docs/extensions.md#defaults-the-suite-assumes; docs/verify.md (not verified)",
    severity="warning",
    tags=("openapi",),
)
def rules_lacking_declarations(ctx: LintContext) -> Iterator[Hit]:
    """What it does: for every operation, WebSocket and run-wide rule of `contractkit verify neuron`,
    lists the rules that will be "not verified" because the spec lacks a declaration they need
    (the same table the checks read), grouped by the declaration to add.

    Why: a spec gap is never the target's fault, so the suite reports it as not verified; telling
    it here, before a run against staging, says what to add to the spec to verify it.

    Example: an AI operation without `x-ai-operation.deadline_ms`: NEU-FB-002 will be not verified.
    """
    if not _is_neuron_spec(ctx):
        return
    from contractkit.errors import ContractkitError
    from contractkit.spec import declarations
    from contractkit.spec.neuron import NeuronSpec

    try:
        spec = NeuronSpec(ctx.data)
        spec.operations  # noqa: B018  (reads every operation once: a spec it cannot read is reported elsewhere)
    except (ContractkitError, RecursionError, TypeError, ValueError, AttributeError):
        return
    pointers = {(op.path, op.method.upper()): op.pointer for op in ctx.operations}
    lacking: dict[str, dict[str, list[str]]] = {}  # subject pointer -> declaration -> rule ids
    labels: dict[str, str] = {}
    absent: dict[str, list[str]] = {}  # what the spec declares none of -> the rules left without a subject
    for rule_id, selector in declarations.APPLIES.items():
        found = declarations.subjects(spec, selector)
        if not found:
            absent.setdefault(declarations.describe_selector(selector), []).append(rule_id)
        for subject in found:
            for need in declarations.missing(rule_id, spec, subject):
                where, label = _place(subject, pointers)
                labels[where] = label
                lacking.setdefault(where, {}).setdefault(need.declaration, []).append(rule_id)
    for where, needs in lacking.items():
        gaps = "; ".join(f"{declaration} ({', '.join(rules)})" for declaration, rules in needs.items())
        yield Hit(where, f"{labels[where]}: rules will be not verified, the spec does not declare {gaps}")
    if absent:
        gaps = "; ".join(f"{what} ({', '.join(rules)})" for what, rules in absent.items())
        yield Hit("", f"the spec: rules will be not verified, there is nothing to check them on: it declares no {gaps}")


def _place(subject: Any, pointers: dict[tuple[str, str], str]) -> tuple[str, str]:
    """(pointer, label) of a rule's subject: an operation, a WebSocket, or the whole spec."""
    if subject is None:
        return "", "the spec"
    if hasattr(subject, "decl"):
        return pointer_join("/x-websockets", subject.path), subject.label
    return pointers.get((subject.path, subject.method), ""), subject.label


# -- OAS-057: pointers and names resolve -------------------------------------------------------------

_COMBINATORS = ("allOf", "oneOf", "anyOf")
_STRUCTURE = ("properties", "items", "prefixItems", "additionalProperties", "patternProperties", *_COMBINATORS)


def resolves(ctx: LintContext, schema: Any, parts: list[str], depth: int = 0) -> bool:
    """Whether the JSON pointer ``parts`` can name a value valid against ``schema``: through
    ``$ref``, every combinator branch, properties, items and additional or pattern properties.
    A schema that says nothing of its structure (``{}``, ``true``, ``type: object`` alone)
    cannot be told wrong; a broken ``$ref`` is OAS-002's finding, not this one's."""
    if isinstance(schema, dict) and "$ref" in schema:
        schema = ctx.deref(schema)
        if schema is None:
            return True
    if schema is False:
        return False
    if not parts or not isinstance(schema, dict) or depth > 40:
        return True
    if not any(k in schema for k in _STRUCTURE):
        return True
    for key in _COMBINATORS:
        branches = schema.get(key)
        if isinstance(branches, list) and any(resolves(ctx, b, parts, depth + 1) for b in branches):
            return True
    head, rest = parts[0], parts[1:]
    props = schema.get("properties")
    if isinstance(props, dict) and head in props:
        return resolves(ctx, props[head], rest, depth + 1)
    for pattern, sub in (schema.get("patternProperties") or {}).items():
        if _search(pattern, head) and resolves(ctx, sub, rest, depth + 1):
            return True
    if head.isdigit():
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list) and int(head) < len(prefix):
            return resolves(ctx, prefix[int(head)], rest, depth + 1)
        if isinstance(schema.get("items"), dict | bool):
            return resolves(ctx, schema["items"], rest, depth + 1)
    extra = schema.get("additionalProperties")
    return isinstance(extra, dict) and resolves(ctx, extra, rest, depth + 1)


def leaves(ctx: LintContext, schema: Any, parts: list[str], depth: int = 0) -> list[dict[str, Any]]:
    """The schemas a pointer can land on (every branch), for checking values against the leaf."""
    if isinstance(schema, dict) and "$ref" in schema:
        schema = ctx.deref(schema)
    if not isinstance(schema, dict) or depth > 40:
        return []
    found = [] if parts else [schema]
    for key in _COMBINATORS:
        for branch in schema.get(key) or [] if isinstance(schema.get(key), list) else []:
            found += leaves(ctx, branch, parts, depth + 1)
    if parts:
        sub = (schema.get("properties") or {}).get(parts[0]) if isinstance(schema.get("properties"), dict) else None
        if sub is not None:
            found += leaves(ctx, sub, parts[1:], depth + 1)
    return found


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return True


def _parts(pointer: Any) -> list[str] | None:
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        return None
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def _answer_schemas(ctx: LintContext, op: Any, statuses: str = "2") -> list[Any]:
    """The JSON schemas of an operation's responses whose status starts with one of ``statuses``."""
    out = []
    for status, response, _pointer, _doc in ctx.responses_of(op):
        if not isinstance(response, dict) or not str(status).startswith(tuple(statuses)):
            continue
        for media, obj in (response.get("content") or {}).items():
            if "json" in str(media) and isinstance(obj, dict) and "schema" in obj:
                out.append(obj["schema"])
    return out


def _unresolved(ctx: LintContext, schemas: list[Any], pointer: Any, every: bool = False) -> bool:
    """Whether ``pointer`` fails to resolve in any (``every``: in some) of ``schemas``; False when
    there is nothing to resolve against."""
    parts = _parts(pointer)
    if parts is None or not schemas:
        return False
    found = [resolves(ctx, s, parts) for s in schemas]
    return not all(found) if every else not any(found)


@LINT_RULES.register(
    "OAS-057",
    "Pointers and names in the extensions resolve in the schemas they point into",
    clause="docs/extensions.md (x-ai-operation, x-stream, x-probe); RFC 6901",
    tags=("openapi",),
)
def pointers_resolve(ctx: LintContext) -> Iterator[Hit]:
    """What it does: resolves every JSON pointer an extension gives down to its leaf, through
    `$ref`, `allOf` and every `oneOf`/`anyOf` branch: `x-ai-operation.usage`, `answer_text` and
    `fallback.marker` in the operation's 2xx JSON answer; `x-stream` `text` and `index` in every
    delta frame, `usage` in every ending frame (`model_tier` also in an opening one), `fallback`
    in an ending frame, `type_field` in every frame (a WebSocket's `server_messages`); the
    readiness `degraded.pointer` in the probe's answer, with its `values` allowed by the leaf's
    schema. It also checks that `subject.not_found_status` is a response the operation declares
    and that `x-stream` roles do not share a frame type (`ends` and `errors` apart).

    Why: the live suite reads usage, text, markers and frame types where these pointers say; a
    pointer to nothing makes every answer look wrong, and the target would be blamed for a typo.

    Example: `usage: {token_count: /usage/tokens}` where the answer's usage object has `token_count`.
    """
    if not _is_neuron_spec(ctx) and not any("x-probe" in n.value or "x-stream" in n.value for n in ctx.nodes):
        return  # no extension of the kit: nothing to resolve (and a large plain description stays fast)
    for op in ctx.operations:
        ai = op.node.get("x-ai-operation")
        if isinstance(ai, dict):
            yield from _ai_pointers(ctx, op, ai)
        probe = op.node.get("x-probe")
        if isinstance(probe, dict) and isinstance(probe.get("degraded"), dict):
            yield from _degraded(ctx, op, probe["degraded"])
        for _status, response, pointer, _doc in ctx.responses_of(op):
            for media, obj in ((response or {}).get("content") or {}).items() if isinstance(response, dict) else ():
                if isinstance(obj, dict) and isinstance(obj.get("x-stream"), dict):
                    events = obj.get("x-sse-events") if isinstance(obj.get("x-sse-events"), dict) else {}
                    yield from _stream(ctx, obj["x-stream"], pointer_join(pointer, "content", media, "x-stream"),
                                       lambda names, events=events: [events[n] for n in names if n in events])
    sockets = ctx.data.get("x-websockets") if isinstance(ctx.data, dict) else None
    for path, entry in (sockets.items() if isinstance(sockets, dict) else ()):
        if isinstance(entry, dict) and isinstance(entry.get("x-stream"), dict):
            union = entry.get("server_messages")
            yield from _stream(ctx, entry["x-stream"], pointer_join("/x-websockets", path, "x-stream"),
                               lambda names, union=union: [union] if union is not None else [])


def _ai_pointers(ctx: LintContext, op: Any, ai: dict[str, Any]) -> Iterator[Hit]:
    base = pointer_join(op.pointer, "x-ai-operation")
    answers = _answer_schemas(ctx, _answering(ctx, op, ai))
    places = [(("usage", key), (ai.get("usage") or {}).get(key) if isinstance(ai.get("usage"), dict) else None)
              for key in ("token_count", "cost_usd", "model_tier")]
    places += [(("answer_text",), ai.get("answer_text")),
               (("fallback", "marker"), (ai.get("fallback") or {}).get("marker")
                if isinstance(ai.get("fallback"), dict) else None)]
    for keys, pointer in places:
        if _unresolved(ctx, answers, pointer):
            yield Hit(pointer_join(base, *keys), f"{'.'.join(keys)}: {pointer!r} names nothing in the operation's "
                      "2xx answer schema")
    subject = ai.get("subject")
    status = subject.get("not_found_status") if isinstance(subject, dict) else None
    if isinstance(status, int):
        declared = {str(s) for s in (op.node.get("responses") or {})}
        if str(status) not in declared and f"{str(status)[0]}XX" not in declared:
            yield Hit(pointer_join(base, "subject", "not_found_status"),
                      f"not_found_status {status} is not a response the operation declares")


def _answering(ctx: LintContext, op: Any, ai: dict[str, Any]) -> Any:
    """The operation whose 2xx answer carries ``op``'s answer: the job operation of an async one
    (``x-ai-operation.job.operation``), else ``op`` itself."""
    job = ai.get("job")
    name = job.get("operation") if isinstance(job, dict) else None
    if not isinstance(name, str):
        return op
    return next((o for o in ctx.operations if o.node.get("operationId") == name), op)


def _stream(ctx: LintContext, grammar: dict[str, Any], base: str, frames: Any) -> Iterator[Hit]:
    """The pointers of one ``x-stream``; ``frames(names)`` gives the schemas of frames of those types."""
    roles = {r: [str(n) for n in grammar.get(r) or [] if isinstance(n, str)] for r in ("opens", "deltas", "ends",
                                                                                          "errors")}
    every_frame = [n for names in roles.values() for n in names]
    usage = grammar.get("usage") if isinstance(grammar.get("usage"), dict) else {}
    checks = [(("text",), grammar.get("text"), roles["deltas"], True),
              (("index",), grammar.get("index"), roles["deltas"], True),
              (("usage", "token_count"), usage.get("token_count"), roles["ends"], True),
              (("usage", "cost_usd"), usage.get("cost_usd"), roles["ends"], True),
              (("usage", "model_tier"), usage.get("model_tier"), roles["ends"] + roles["opens"], False),
              (("fallback",), grammar.get("fallback"), roles["ends"], False),
              (("type_field",), grammar.get("type_field"), every_frame, True)]
    for keys, pointer, names, every in checks:
        if _unresolved(ctx, frames(names), pointer, every=every):
            where = "the schema of one of the frames it must be in" if every else "any frame it may be in"
            yield Hit(pointer_join(base, *keys), f"x-stream {'.'.join(keys)}: {pointer!r} names nothing in {where} "
                      f"({', '.join(names)})")
    for role in ("opens", "deltas", "errors"):
        for i, name in enumerate(roles[role]):
            if name in roles["ends"]:
                yield Hit(pointer_join(base, role, i), f"x-stream: {name!r} is both an ending frame and one of "
                          f"{role}, so a turn's end cannot be told")


def _degraded(ctx: LintContext, op: Any, degraded: dict[str, Any]) -> Iterator[Hit]:
    base = pointer_join(op.pointer, "x-probe", "degraded")
    answers = _answer_schemas(ctx, op, "25")
    pointer = degraded.get("pointer")
    if _unresolved(ctx, answers, pointer):
        yield Hit(pointer_join(base, "pointer"), f"degraded.pointer {pointer!r} names nothing in the probe's answer")
        return
    parts = _parts(pointer)
    found = [leaf for s in answers for leaf in leaves(ctx, s, parts or [])] if parts is not None else []
    for i, value in enumerate(degraded.get("values") or [] if isinstance(degraded.get("values"), list) else []):
        if found and not any(_allows(leaf, value) for leaf in found):
            yield Hit(pointer_join(base, "values", i), f"degraded value {value!r} is not allowed by the schema of "
                      f"{pointer} (so readiness could never report it)")


_TYPES = {"string": str, "integer": int, "number": int | float, "boolean": bool, "object": dict, "array": list,
          "null": type(None)}


def _allows(schema: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` passes the leaf's ``const``, ``enum`` and ``type`` (what a probe field says)."""
    if "const" in schema and schema["const"] != value:
        return False
    if isinstance(schema.get("enum"), list) and value not in schema["enum"]:
        return False
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
    return not kinds or any(isinstance(value, _TYPES.get(k, object))
                            and not (k in ("integer", "number") and isinstance(value, bool)) for k in kinds)
