"""OAS-002 / MCP-002 (every $ref resolves) and OAS-003 / MCP-003 (no $ref loop without progress)."""

from __future__ import annotations

from collections.abc import Iterator

from contractkit.errors import RefError
from contractkit.lint.context import LintContext, Node
from contractkit.lint.registry import LINT_RULES, Hit, documented
from contractkit.loading import Document, pointer_join

COMPOSITION = ("allOf", "anyOf", "oneOf")

_RESOLVE_DOC = """What it does: follows every `$ref` and `$dynamicRef`: local (`#/components/...`) and relative
files (`common.yaml#/X`, loaded with the same safe loader), resolved as JSON Schema 2020-12 does
against the base URI of the enclosing `$id` (nested ones too), and to `$anchor` / `$dynamicAnchor`
names (`#node`). It refuses, with a finding on the `$ref`
line: targets that do not exist, files outside the spec's folder (`../`, absolute paths,
symlinks out), and remote refs (`https://...`), which are never fetched.

Why: a dangling ref breaks every consumer; a ref out of the folder or to the network makes the
spec depend on files nobody reviews (and lets a spec read or fetch what it should not).

Example: `$ref: '#/components/schemas/Problm'` (typo), `$ref: 'https://example.com/s.yaml'`.
"""

_CYCLE_DOC = """What it does: finds `$ref` chains that loop (`A: {$ref: B}`, `B: {$ref: A}`) and schemas
that reach themselves through `$ref`/`allOf`/`anyOf`/`oneOf` alone, without going through a
property or an array item first (a recursive tree through `properties` is fine).

Why: such a schema has no finite expansion: validators, code generators and
openapi-spec-validator itself recurse until they crash.

Example: `Pet: {allOf: [{$ref: '#/components/schemas/Animal'}]}` with
`Animal: {allOf: [{$ref: '#/components/schemas/Pet'}]}`.
"""


def _ref_nodes(ctx: LintContext, document: Document) -> list[Node]:
    nodes = ctx.nodes if document is ctx.document else LintContext(document, ctx.resolver).nodes
    return [n for n in nodes if isinstance(n.value.get("$ref"), str) or isinstance(n.value.get("$dynamicRef"), str)]


def load_referenced(ctx: LintContext) -> None:
    """Load every file the document reaches through refs (into ``ctx.resolver.documents``)."""
    for _ in _unresolved_refs(ctx):
        pass


def _unresolved_refs(ctx: LintContext) -> Iterator[Hit]:
    queue = [ctx.document]
    done: set[str] = set()
    while queue:
        document = queue.pop()
        if document.name in done:
            continue
        done.add(document.name)
        for node in _ref_nodes(ctx, document):
            for key in ("$ref", "$dynamicRef"):  # a $dynamicRef starts as the $ref it is written as (2020-12 §8.2.3.2)
                ref = node.value.get(key)
                if not isinstance(ref, str):
                    continue
                try:
                    target = ctx.resolver.resolve(ref, document, node.pointer)
                except RefError as exc:
                    yield Hit(pointer_join(node.pointer, key), exc.message,
                              document if document is not ctx.document else None)
                    continue
                if target.document is not document and target.document.name not in done:
                    queue.append(target.document)


@LINT_RULES.register(
    "OAS-002",
    "Every $ref resolves, inside the spec's folder",
    clause="conventions 7.1 (local and relative-file refs; remote refs and refs outside the folder refused)",
    tags=("openapi",),
)
@documented(_RESOLVE_DOC)
def refs_resolve(ctx: LintContext) -> Iterator[Hit]:
    yield from _unresolved_refs(ctx)


def _cycles(ctx: LintContext) -> Iterator[Hit]:
    """Depth-first search over ref/composition edges; one finding per loop, on the closing ref."""
    state: dict[tuple[str, str], int] = {}  # 1 = on the stack, 2 = done
    reported: set[frozenset[tuple[str, str]]] = set()
    values: dict[tuple[str, str], object] = {}

    def edges(doc: Document, pointer: str, node: object) -> list[tuple[Document, str, object, str]]:
        out: list[tuple[Document, str, object, str]] = []
        if not isinstance(node, dict):
            return out
        ref = node.get("$ref")
        if isinstance(ref, str):
            try:
                target = ctx.resolver.resolve(ref, doc, pointer)
                out.append((target.document, target.pointer, target.value, pointer_join(pointer, "$ref")))
            except RefError:
                pass
        for key in COMPOSITION:
            branches = node.get(key)
            if isinstance(branches, list):
                for i, branch in enumerate(branches):
                    child = pointer_join(pointer, key, i)
                    out.append((doc, child, branch, child))
        return out

    starts = [
        (ctx.document, n.pointer, n.value)
        for n in ctx.nodes
        if "$ref" in n.value or any(k in n.value for k in COMPOSITION)
    ]
    for start in starts:
        key0 = (start[0].name, start[1])
        values[key0] = start[2]
        if state.get(key0):
            continue
        path: list[tuple[str, str]] = [key0]
        state[key0] = 1
        stack = [iter(edges(*start))]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                state[path.pop()] = 2
                continue
            doc, pointer, value, _via = step
            key = (doc.name, pointer)
            mark = state.get(key)
            if mark == 1:
                members = path[path.index(key) :]
                loop = frozenset(members)
                if loop not in reported:
                    reported.add(loop)
                    names = " -> ".join(p for _, p in members) + f" -> {pointer}"
                    # Report on the loop's first $ref (by pointer), so the place does not depend on walk order.
                    refs = sorted(m for m in members if isinstance(values.get(m), dict) and "$ref" in values[m])
                    doc_name, at = refs[0] if refs else members[0]
                    src_doc = next((d for d in ctx.resolver.documents if d.name == doc_name), ctx.document)
                    yield Hit(
                        pointer_join(at, "$ref") if refs else at,
                        f"$ref/composition loop without progress: {names}",
                        None if src_doc is ctx.document else src_doc,
                    )
            elif mark is None:
                state[key] = 1
                values[key] = value
                path.append(key)
                stack.append(iter(edges(doc, pointer, value)))


@LINT_RULES.register(
    "OAS-003",
    "No $ref or allOf/anyOf/oneOf loop without progress",
    clause="conventions 7.2 ($ref, allOf, anyOf, oneOf cycles without a property in between)",
    tags=("openapi",),
)
@documented(_CYCLE_DOC)
def no_ref_cycles(ctx: LintContext) -> Iterator[Hit]:
    yield from _cycles(ctx)
