"""JSON Schema validators for schemas inside a spec, with refs resolved where the schema lives.

A schema is validated through ``{"$ref": "<doc-uri>#<pointer>"}`` against a ``referencing``
registry that holds the spec and every file it pulled in, so ``#/components/schemas/X`` and
``common.yaml#/X`` resolve exactly as they do in the spec, and refs under an ``$id`` against its
base URI (``contractkit.lint.id_resources``). OpenAPI 3.0 schemas use
openapi-schema-validator's OAS 3.0 dialect (``nullable`` and friends); 3.1 and mcp-servers use
JSON Schema 2020-12. Unknown formats are not checked; known ones (uuid, date-time, ...) are.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contractkit.lint.context import LintContext
    from contractkit.loading import Document


_URIS: dict[tuple[str, str], str] = {}


def document_uri(document: Document) -> str:
    """The URI a document is registered under (memoised: resolving a path costs system calls)."""
    key = (document.name, str(document.path))
    uri = _URIS.get(key)
    if uri is None:
        if document.path is not None:
            uri = Path(document.path).resolve().as_uri()
        else:
            uri = f"urn:contractkit:{document.name}"
        _URIS[key] = uri
    return uri


def _registry(ctx: LintContext) -> Any:
    cached = getattr(ctx, "_schema_registry", None)
    if cached is not None and cached[0] == len(ctx.resolver.documents):
        return cached[1]
    from contractkit.lint.id_resources import IdResources

    registry = IdResources(ctx).registry()  # `$id` resources and anchors resolve as in 2020-12
    ctx._schema_registry = (len(ctx.resolver.documents), registry)  # type: ignore[attr-defined]
    return registry


def validator_class(ctx: LintContext) -> Any:
    if ctx.document.kind == "openapi" and ctx.openapi_version in ("3.0", "2.0"):
        from openapi_schema_validator import OAS30Validator

        return OAS30Validator
    from jsonschema import Draft202012Validator

    return Draft202012Validator


def example_bundle(ctx: LintContext) -> Any:
    """A compiled bundle that answers like ``validator_class(ctx)`` where it can (None: use the reference only).

    See ``contractkit.lint.schema_bundle``; ``--thorough`` turns it off.
    """
    import importlib.util

    from contractkit.lint.schema_bundle import JSON_SCHEMA_2020, OAS30, SchemaBundle
    from contractkit.lint.speedups import thorough

    if thorough() or importlib.util.find_spec("jsonschema_rs") is None:
        return None
    if ctx.document.kind == "openapi" and ctx.openapi_version in ("3.0", "2.0"):
        return SchemaBundle(ctx, OAS30, lambda: validator_class(ctx).FORMAT_CHECKER)
    return SchemaBundle(ctx, JSON_SCHEMA_2020, lambda: validator_class(ctx).FORMAT_CHECKER)


def validator_for(ctx: LintContext, pointer: str, document: Document) -> Any:
    cls = validator_class(ctx)
    schema = {"$ref": f"{document_uri(document)}#{pointer}"}
    return cls(schema, registry=_registry(ctx), format_checker=cls.FORMAT_CHECKER)


def check_schema(ctx: LintContext, schema: Any) -> str | None:
    """The first reason ``schema`` is not a valid JSON Schema of the document's dialect, or None."""
    from jsonschema.exceptions import SchemaError

    cls = validator_class(ctx)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        return f"{exc.message}" + (f" (at {where})" if where else "")
    except RecursionError:
        return "too deeply nested to check"
    return None


def error_text(exc: Any) -> str:
    """One line for a jsonschema ValidationError: where in the instance, and what."""
    where = "/".join(str(p) for p in exc.absolute_path)
    message = " ".join(str(exc.message).split())
    if len(message) > 240:
        message = message[:237] + "..."
    return f"at /{where}: {message}" if where else message
