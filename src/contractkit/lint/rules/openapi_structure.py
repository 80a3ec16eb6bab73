"""OAS-001: the document is a valid OpenAPI description, as openapi-spec-validator judges it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contractkit.lint.context import LintContext
from contractkit.lint.registry import LINT_RULES, Hit
from contractkit.lint.structure_fast import proven_valid
from contractkit.loading import pointer_join

#: More structural errors than this are summarised in one last finding.
MAX_STRUCTURE_FINDINGS = 100


@LINT_RULES.register(
    "OAS-001",
    "The document is a valid OpenAPI description",
    clause="OpenAPI Specification 2.0/3.0/3.1 (schema and semantic checks of openapi-spec-validator)",
    tags=("openapi",),
)
def valid_openapi(ctx: LintContext) -> Iterator[Hit]:
    """What it does: validates the document with openapi-spec-validator (the meta-schema of its
    OpenAPI version, plus its semantic checks: duplicate operationIds, undeclared path
    parameters, defaults that do not match their schema, ...).

    Why: every other tool (code generators, gateways, schemathesis, contractkit verify) assumes
    a valid description and fails in confusing ways on an invalid one.

    Example: an `info` object without `version`; a response code `abc`.
    """
    prefetch = getattr(ctx, "structure_prefetch", None)
    hits = prefetch.result() if prefetch is not None else None
    if hits is None:
        hits = structure_hits(ctx)
    for pointer, message in hits:
        yield Hit(pointer, message)


def _cache(ctx: LintContext) -> Any:
    from contractkit.lint.rules.openapi_refs import load_referenced
    from contractkit.lint.speedups import StructureCache

    load_referenced(ctx)  # the validator reads these files too: they are part of the cache key
    return StructureCache([d.text for d in ctx.resolver.documents])


def structure_hits(ctx: LintContext, cache: Any = None, *, fast: bool = True) -> list[tuple[str, str]]:
    """The validator's findings as (pointer, message), from the cache or by validating (and caching).

    A description the fast path proves valid has no findings; any other goes to the reference,
    openapi-spec-validator, so reported findings are always its own (``fast=False``: always).
    ``--thorough`` (``speedups.thorough``) asks the reference every time: no fast path, no cached
    verdict (its verdict is still cached for later runs).
    """
    from contractkit.lint.speedups import thorough

    fast = fast and not thorough()
    cache = cache or _cache(ctx)
    hits = None if thorough() else cache.get()
    if hits is None and fast and proven_valid(ctx):
        hits = []
        cache.put(hits)
    if hits is None:
        hits = list(_validate(ctx))
        if not any(m.startswith(_INCOMPLETE) or (p, m) == _STOPPED_AT_DANGLING_REF for p, m in hits):
            cache.put(hits)
        hits = [hit for hit in hits if hit != _STOPPED_AT_DANGLING_REF]
    return hits


def start_prefetch(ctx: LintContext) -> None:
    """Validate in a forked child while the other rules run (CLI only; see contractkit.lint.parallel)."""
    from contractkit.lint.parallel import Prefetch
    from contractkit.lint.speedups import thorough

    cache = _cache(ctx)
    if not thorough() and cache.get() is not None:
        return  # a cache hit costs nothing: no child needed
    if not thorough() and proven_valid(ctx):
        cache.put([])
        return  # proven valid in a fraction of the reference's time: no child needed
    ctx.structure_prefetch = Prefetch(lambda: structure_hits(ctx, cache, fast=False))  # type: ignore[attr-defined]


_INCOMPLETE = "openapi-spec-validator could not"


def _validate(ctx: LintContext) -> Iterator[tuple[str, str]]:
    """openapi-spec-validator's findings, with refs resolved as JSON Schema 2020-12 resolves them.

    The validator gets a registry of the spec's documents and ``$id`` resources and a retriever
    that never leaves the spec's folder (``contractkit.lint.id_resources``), so a ref resolves
    where OAS-002 and the diff say it does. The validator stops at the first ref it cannot follow.
    While OAS-002 reports refs of the spec (ones that resolve nowhere, or are refused), the stop is
    taken to be at one of them and OAS-002's finding is the only one: OAS-001 adds none, and its
    verdict is not cached, since the structure after that point was not checked (fixing the refs
    and linting again checks it). This is not a filter of the validator's findings: it reports
    nothing it did not check. A stop while OAS-002 accepts every ref says that the validator could
    not follow that ref, and sends the user nowhere else.
    """
    from jsonschema_path import SchemaPath
    from jsonschema_path.accessors import SchemaAccessor
    from openapi_spec_validator.shortcuts import get_validator_cls

    from contractkit.lint.id_resources import IdResources
    from contractkit.lint.schemas import document_uri
    from contractkit.lint.speedups import fast_subnode_lookup

    fast_subnode_lookup()
    try:
        cls = get_validator_cls(ctx.data)
    except Exception:
        raw = ctx.data.get("openapi", ctx.data.get("swagger"))
        yield ("/openapi" if "openapi" in ctx.data else "/swagger", f"unsupported OpenAPI version {raw!r}")
        return
    resources = IdResources(ctx)
    resolver = resources.registry().resolver(base_uri=document_uri(ctx.document))
    schema_path = SchemaPath(SchemaAccessor(ctx.data, resolver, resolved_cache_maxsize=1024), separator="#")
    count = 0
    seen: set[tuple[str, str]] = set()
    try:
        with resources.entering_ids():
            for error in cls(schema_path).iter_errors():
                path = list(error.absolute_path)
                pointer = pointer_join("", *path)
                if path and ctx.document.get(pointer, _MISSING) is _MISSING:
                    pointer = ""
                message = " ".join(str(error.message).split())
                if (pointer, message) in seen:
                    continue
                seen.add((pointer, message))
                count += 1
                if count <= MAX_STRUCTURE_FINDINGS:
                    yield (pointer, message if len(message) <= 300 else message[:297] + "...")
    except RecursionError:
        yield ("", f"{_INCOMPLETE} finish: endless recursion through a $ref cycle (see OAS-003)")
    except Exception as exc:  # the validator stops at the first ref it cannot follow
        yield _stopped(ctx, exc)
    if count > MAX_STRUCTURE_FINDINGS:
        yield ("", f"... and {count - MAX_STRUCTURE_FINDINGS} more structural errors")


#: What ``_stopped`` yields when OAS-002 already reports the ref: no finding, and no cached verdict.
_STOPPED_AT_DANGLING_REF = ("", "")


def _stopped(ctx: LintContext, exc: Exception) -> tuple[str, str]:
    """Why the validator stopped, for the user: nothing where OAS-002 reports the ref it stopped at."""
    from referencing.exceptions import Unresolvable

    from contractkit.lint.rules.openapi_refs import _unresolved_refs

    ref = getattr(exc, "ref", None)
    reason = f"{ref!r}" if isinstance(ref, str) else " ".join(str(exc).split())[:160]
    if not isinstance(exc, Unresolvable):
        return ("", f"{_INCOMPLETE} finish: it stopped at {type(exc).__name__}: {reason}; "
                "structural errors after that point are not reported")
    if next(_unresolved_refs(ctx), None) is not None:
        return _STOPPED_AT_DANGLING_REF
    return ("", f"{_INCOMPLETE} follow $ref {reason} ({type(exc).__name__}), a ref contractkit resolves; "
            "structural errors after that point are not reported")


class _Missing:
    pass


_MISSING = _Missing()
