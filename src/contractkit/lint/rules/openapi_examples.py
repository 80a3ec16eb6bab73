"""OAS-060: every example validates against its schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contractkit.lint.context import NAME_MAPS, LintContext
from contractkit.lint.registry import LINT_RULES, Hit
from contractkit.lint.schemas import error_text
from contractkit.loading import pointer_join

#: Keys under which a dict is a Schema Object (for `example` written on a schema itself).
SCHEMA_SLOTS = frozenset(
    {
        "schema",
        "items",
        "additionalProperties",
        "not",
        "contains",
        "if",
        "then",
        "else",
        "propertyNames",
        "allOf",
        "anyOf",
        "oneOf",
        "prefixItems",
        "unevaluatedProperties",
        "unevaluatedItems",
    }
)
#: Per document, at most this many example findings (a generated spec can have thousands).
MAX_EXAMPLE_FINDINGS = 200


class _Checker:
    def __init__(self, ctx: LintContext) -> None:
        self.ctx = ctx
        self.validators: dict[str, Any] = {}

    def first_error(self, schema_pointer: str, instance: Any) -> str | None:
        # Many examples share one schema through a $ref: build one validator per target schema.
        schema = self.ctx.document.get(schema_pointer)
        target = self.ctx.follow(schema) if isinstance(schema, dict) and "$ref" in schema else None
        key = f"{target.document.name}#{target.pointer}" if target else schema_pointer
        validator = self.validators.get(key)
        if validator is None:
            if target is not None:
                validator = self.ctx.schema_validator(target.pointer, target.document)
            else:
                validator = self.ctx.schema_validator(schema_pointer)
            self.validators[key] = validator
        try:
            error = next(iter(validator.iter_errors(instance)), None)
        except RecursionError:
            return None  # a looping schema: OAS-003 reports it
        except Exception:
            return None  # an unresolvable ref inside the schema: OAS-002 reports it
        return None if error is None else error_text(error)


def _is_schema_node(key: str, parent_key: str, value: dict[str, Any]) -> bool:
    if "schema" in value or "in" in value or "content" in value:
        return False
    return key in SCHEMA_SLOTS or parent_key in NAME_MAPS


@LINT_RULES.register(
    "OAS-060",
    "Every example validates against its schema",
    clause="conventions 6.1 (a valid example for every request and response body)",
    tags=("openapi",),
)
def examples_valid(ctx: LintContext) -> Iterator[Hit]:
    """What it does: validates every `example` and every `examples` entry of media types,
    parameters and headers against their `schema`, and every `example`/`examples` written on a
    schema against that schema (refs resolved, formats such as `uuid` and `date-time` checked),
    with the document's dialect (OpenAPI 3.0 or JSON Schema 2020-12 for 3.1).

    Why: examples are documentation, mock-server answers and test data at once; a wrong example
    teaches every reader the wrong contract.

    Example: `example: {confidence: 1.4}` for a schema with `maximum: 1`.
    """
    checker = _Checker(ctx)
    count = 0
    for hit in _example_hits(ctx, checker):
        count += 1
        if count <= MAX_EXAMPLE_FINDINGS:
            yield hit
    if count > MAX_EXAMPLE_FINDINGS:
        yield Hit("", f"... and {count - MAX_EXAMPLE_FINDINGS} more invalid examples")


def _example_hits(ctx: LintContext, checker: _Checker) -> Iterator[Hit]:
    for node in ctx.nodes:
        value = node.value
        if node.key in NAME_MAPS or node.key.startswith("x-"):
            continue
        if isinstance(value.get("schema"), dict | bool) and ("example" in value or "examples" in value):
            schema_ptr = pointer_join(node.pointer, "schema")
            if "example" in value:
                error = checker.first_error(schema_ptr, value["example"])
                if error:
                    yield Hit(pointer_join(node.pointer, "example"), f"example does not match its schema: {error}")
            examples = value.get("examples")
            if isinstance(examples, dict):
                for name, example in examples.items():
                    example = ctx.deref(example)
                    if isinstance(example, dict) and "value" in example:
                        error = checker.first_error(schema_ptr, example["value"])
                        if error:
                            yield Hit(
                                pointer_join(node.pointer, "examples", name),
                                f"example {name!r} does not match its schema: {error}",
                            )
        elif ("example" in value or isinstance(value.get("examples"), list)) and _is_schema_node(
            node.key, node.parent_key, value
        ):
            if "example" in value:
                error = checker.first_error(node.pointer, value["example"])
                if error:
                    yield Hit(pointer_join(node.pointer, "example"), f"example does not match its schema: {error}")
            for i, example in enumerate(value.get("examples") if isinstance(value.get("examples"), list) else []):
                error = checker.first_error(node.pointer, example)
                if error:
                    yield Hit(
                        pointer_join(node.pointer, "examples", i), f"example {i} does not match its schema: {error}"
                    )
