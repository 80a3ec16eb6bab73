"""info and operations: OAS-004 (semver), OAS-010/011 (operationId), OAS-020 (401/403), OAS-021 (scopes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from contractkit.lint.context import LintContext
from contractkit.lint.registry import LINT_RULES, Hit
from contractkit.loading import pointer_join

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


@LINT_RULES.register(
    "OAS-004",
    "info.version is a semantic version",
    clause="conventions 1.1; Semantic Versioning 2.0.0 (so `contractkit diff` can demand the right bump)",
    tags=("openapi",),
)
def semver_version(ctx: LintContext) -> Iterator[Hit]:
    """What it does: checks that `info.version` is `MAJOR.MINOR.PATCH` (with optional
    pre-release and build parts).

    Why: `contractkit diff` tells a reviewer which bump a change demands; that only works when
    the version is semver. Dates and free text cannot say "breaking".

    Example: `version: 2023-08-16` or `version: v1`; use `version: 1.4.0`.
    """
    info = ctx.data.get("info")
    version = info.get("version") if isinstance(info, dict) else None
    if version is None:
        return  # OAS-001 reports the missing field
    if not isinstance(version, str) or not SEMVER.match(version):
        yield Hit("/info/version", f"info.version {version!r} is not a semantic version (MAJOR.MINOR.PATCH)")


@LINT_RULES.register(
    "OAS-010",
    "Every operation has an operationId",
    clause="conventions 2.1; OpenAPI 3.1 section 4.8.10 (operationId)",
    tags=("openapi",),
)
def operation_id_present(ctx: LintContext) -> Iterator[Hit]:
    """What it does: checks that every operation declares a non-empty `operationId`.

    Why: client generators name methods after it, conformance reports and `contractkit diff`
    identify operations by it; without it a rename of a path looks like a removal.

    Example: `post: {summary: Analyze, responses: ...}`; add `operationId: analyzeCustomer`.
    """
    for op in ctx.operations:
        op_id = op.node.get("operationId")
        if not isinstance(op_id, str) or not op_id.strip():
            yield Hit(op.pointer, f"{op.label} has no operationId", _doc(ctx, op.document))


@LINT_RULES.register(
    "OAS-011",
    "operationIds are unique",
    clause="conventions 2.1; OpenAPI 3.1 section 4.8.10 (operationId MUST be unique)",
    tags=("openapi",),
)
def operation_id_unique(ctx: LintContext) -> Iterator[Hit]:
    """What it does: checks that no two operations share an `operationId` (case-sensitive).

    Why: the id is the operation's name for every tool; two operations with one name make
    generated clients fail to compile and reports ambiguous.

    Example: `operationId: getCustomer` on both `GET /customers/{id}` and `GET /accounts/{id}`.
    """
    first: dict[str, str] = {}
    for op in ctx.operations:
        op_id = op.node.get("operationId")
        if not isinstance(op_id, str):
            continue
        if op_id in first:
            yield Hit(
                pointer_join(op.pointer, "operationId"),
                f"operationId {op_id!r} of {op.label} is already used by {first[op_id]}",
                _doc(ctx, op.document),
            )
        else:
            first[op_id] = op.label


def _is_secured(requirements: list[dict[str, Any]]) -> bool:
    """Secured: at least one requirement, and none of them empty (``{}`` makes auth optional)."""
    return bool(requirements) and all(requirements)


@LINT_RULES.register(
    "OAS-020",
    "Every secured operation declares 401 and 403",
    clause="conventions 2.3; RFC 6750 section 3.1 (invalid_token -> 401, insufficient_scope -> 403)",
    tags=("openapi",),
)
def secured_declares_401_403(ctx: LintContext) -> Iterator[Hit]:
    """What it does: for every operation whose effective `security` requires credentials (its
    own, or the document's), checks that `responses` declares both `401` and `403`.

    Why: clients must handle a missing/expired token (401) differently from a token without the
    scope (403); an undeclared status is an undocumented behaviour the conformance suite will
    test anyway.

    Example: an operation with `security: [{oauth: [orders.read]}]` and only `200` and `422`.
    """
    for op in ctx.operations:
        if not _is_secured(ctx.security_of(op)):
            continue
        responses = op.node.get("responses")
        declared = {str(code) for code in responses} if isinstance(responses, dict) else set()
        missing = [code for code in ("401", "403") if code not in declared]
        if missing:
            where = pointer_join(op.pointer, "responses") if isinstance(responses, dict) else op.pointer
            yield Hit(
                where, f"{op.label} is secured but does not declare {' and '.join(missing)}", _doc(ctx, op.document)
            )


def _requirements(ctx: LintContext) -> Iterator[tuple[str, Any, Any]]:
    """(pointer of a security requirement, the requirement, its document) everywhere one may sit."""
    root = ctx.data.get("security")
    if isinstance(root, list):
        for i, req in enumerate(root):
            yield pointer_join("/security", i), req, None
    for op in ctx.operations:
        sec = op.node.get("security")
        if isinstance(sec, list):
            for i, req in enumerate(sec):
                yield pointer_join(op.pointer, "security", i), req, _doc(ctx, op.document)
    sockets = ctx.data.get("x-websockets")
    if isinstance(sockets, dict):
        for path, entry in sockets.items():
            sec = entry.get("security") if isinstance(entry, dict) else None
            if isinstance(sec, list):
                for i, req in enumerate(sec):
                    yield pointer_join("/x-websockets", path, "security", i), req, None


def _declared_scopes(scheme: dict[str, Any]) -> set[str] | None:
    """Scopes an oauth2 scheme declares across its flows; None where scopes are not declared."""
    if scheme.get("type") != "oauth2":
        return None
    scopes: set[str] = set()
    flows = scheme.get("flows")
    if isinstance(flows, dict):  # OpenAPI 3
        for flow in flows.values():
            if isinstance(flow, dict) and isinstance(flow.get("scopes"), dict):
                scopes.update(flow["scopes"])
    elif isinstance(scheme.get("scopes"), dict):  # Swagger 2.0
        scopes.update(scheme["scopes"])
    return scopes


@LINT_RULES.register(
    "OAS-021",
    "Every scope used exists in its security scheme",
    clause="conventions 2.2; OpenAPI 3.1 section 4.8.30 (Security Requirement Object)",
    tags=("openapi",),
)
def scopes_declared(ctx: LintContext) -> Iterator[Hit]:
    """What it does: for every security requirement (document, operation, `x-websockets`),
    checks that the scheme it names exists in `components.securitySchemes` and, for OAuth2,
    that every scope it lists is declared by one of the scheme's flows.

    Why: a scope nobody can be granted makes an operation unreachable; a typo in a scope name
    silently changes who may call it.

    Example: `security: [{engineServiceToken: [neuron.analyse]}]` while the scheme declares
    `neuron.analyze`.
    """
    schemes = ctx.security_schemes
    for pointer, req, doc in _requirements(ctx):
        if not isinstance(req, dict):
            continue
        for name, scopes in req.items():
            if name not in schemes:
                yield Hit(pointer_join(pointer, name), f"security scheme {name!r} is not declared", doc)
                continue
            scheme = schemes[name]
            declared = _declared_scopes(scheme) if isinstance(scheme, dict) else None
            if declared is None or not isinstance(scopes, list):
                continue
            for i, scope in enumerate(scopes):
                if scope not in declared:
                    yield Hit(
                        pointer_join(pointer, name, i),
                        f"scope {scope!r} is not declared by security scheme {name!r}",
                        doc,
                    )


def _doc(ctx: LintContext, document: Any) -> Any:
    return None if document is ctx.document else document
