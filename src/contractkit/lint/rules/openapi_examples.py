"""OAS-060: every example validates against its schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contractkit.lint.context import NAME_MAPS, LintContext, child_pointer
from contractkit.lint.registry import LINT_RULES, Hit
from contractkit.lint.schemas import error_text, example_bundle
from contractkit.loading import Document, pointer_join

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
_UNKNOWN: Any = object()
#: Per document, at most this many example findings (a generated spec can have thousands).
MAX_EXAMPLE_FINDINGS = 200


class _Checker:
    """First errors of example values, by the reference validator, asked only where needed.

    Every example is first checked against a compiled bundle of the document's schemas
    (``contractkit.lint.schema_bundle``), which only ever answers "valid" or "not sure"; the
    reference (jsonschema, with openapi-schema-validator's dialect for OpenAPI 3.0) validates the
    rest, so every message is the reference's.
    """

    def __init__(self, ctx: LintContext, *, fast: bool = True) -> None:
        self.ctx = ctx
        self.validators: dict[str, Any] = {}
        self.bundle = example_bundle(ctx) if fast else None
        self.verdicts: dict[tuple[int, int], bool] = {}
        self.roots: dict[str, tuple[str, Document, str, Any]] = {}

    def root(self, schema_pointer: str, schema: Any = _UNKNOWN) -> tuple[str, Document, str, Any]:
        """(key, document, pointer, schema) of the schema a validator is built for: one per target schema."""
        root = self.roots.get(schema_pointer)
        if root is None:
            # Many examples share one schema through a $ref: build one validator per target schema.
            if schema is _UNKNOWN:
                schema = self.ctx.document.get(schema_pointer)
            target = self.ctx.follow(schema) if isinstance(schema, dict) and "$ref" in schema else None
            if target is not None:
                root = (f"{target.document.name}#{target.pointer}", target.document, target.pointer, target.value)
            else:
                root = (schema_pointer, self.ctx.document, schema_pointer, schema)
            self.roots[schema_pointer] = root
        return root

    def first_error(self, schema_pointer: str, instance: Any, schema: Any = _UNKNOWN) -> str | None:
        """The reference's first error for ``instance`` (``schema``: the node at ``schema_pointer``, if known)."""
        key, document, pointer, schema = self.root(schema_pointer, schema)
        if self.bundle is not None:
            name = self.bundle.add(document, pointer, schema)
            memo = (name, id(instance))
            valid = self.verdicts.get(memo)
            if valid is None:
                valid = self.verdicts[memo] = self.bundle.is_valid(name, instance)
            if valid:
                return None
        validator = self.validators.get(key)
        if validator is None:
            validator = self.validators[key] = self.ctx.schema_validator(pointer, document)
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
    yield from example_hits(ctx, _Checker(ctx))


def example_hits(ctx: LintContext, checker: _Checker) -> Iterator[Hit]:
    """OAS-060's findings with ``checker`` (the differential test runs it with and without the bundle)."""
    jobs = list(_example_jobs(ctx))
    count = 0
    for node_pointer, where, schema_pointer, schema, instance in jobs:
        error = checker.first_error(schema_pointer, instance, schema)
        if not error:
            continue
        count += 1
        if count <= MAX_EXAMPLE_FINDINGS:
            yield Hit(pointer_join(node_pointer, *where), f"{_label(where)} does not match its schema: {error}")
    if count > MAX_EXAMPLE_FINDINGS:
        yield Hit("", f"... and {count - MAX_EXAMPLE_FINDINGS} more invalid examples")


def _label(where: tuple[str | int, ...]) -> str:
    """How a finding names the example: ``example``, ``example 'name'`` or ``example 2``."""
    if len(where) == 1:
        return "example"
    return f"example {where[1]}" if isinstance(where[1], int) else f"example {where[1]!r}"


def _example_jobs(ctx: LintContext) -> Iterator[tuple[str, tuple[str | int, ...], str, Any, Any]]:
    """(node pointer, where the example sits under it, schema pointer, schema, value) of every example."""
    for node in ctx.nodes:
        value = node.value
        if node.key in NAME_MAPS or node.key.startswith("x-"):
            continue
        schema = value.get("schema")
        if isinstance(schema, dict | bool) and ("example" in value or "examples" in value):
            schema_ptr = child_pointer(node.pointer, "schema")
            if "example" in value:
                yield node.pointer, ("example",), schema_ptr, schema, value["example"]
            examples = value.get("examples")
            if isinstance(examples, dict):
                for name, example in examples.items():
                    example = ctx.deref(example)
                    if isinstance(example, dict) and "value" in example:
                        yield node.pointer, ("examples", name), schema_ptr, schema, example["value"]
        elif ("example" in value or isinstance(value.get("examples"), list)) and _is_schema_node(
            node.key, node.parent_key, value
        ):
            if "example" in value:
                yield node.pointer, ("example",), node.pointer, value, value["example"]
            for i, example in enumerate(value.get("examples") if isinstance(value.get("examples"), list) else []):
                yield node.pointer, ("examples", i), node.pointer, value, example
