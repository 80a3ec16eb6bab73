"""Differential test: OAS-060 with the compiled schema bundle against the reference validators alone.

The bundle (contractkit.lint.schema_bundle) may only answer "valid" where the reference
(jsonschema; openapi-schema-validator's OAS 3.0 dialect for 3.0 documents) finds no error, and the
findings of the rule must not change. Every spec the tests know is linted both ways, and a table of
dialect corner cases (nullable, readOnly in required, $ref siblings, 1.0 as an integer, Python-only
regex syntax, formats under `not`/`oneOf`, discriminators, float multipleOf, ...) is checked value
by value: where the translation models a case, the two verdicts must be equal (a bundle that never
says "valid" would be a slow path in disguise); where it does not, it must say "ask the reference".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lint_helpers import FIXTURES, Edit, broken_copy

from contractkit.errors import InputError
from contractkit.lint.context import LintContext
from contractkit.lint.rules.openapi_examples import _Checker, example_hits
from contractkit.lint.rules.openapi_refs import load_referenced
from contractkit.loading import RefResolver, load_document, load_text
from shared_corpus import corpus_dir

REPO = Path(__file__).resolve().parents[2]
NEURON = REPO / "specs" / "neuron-api.yaml"

COMPONENTS = {
    "Short": {"type": "string", "maxLength": 5},
    "Node": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "child": {"$ref": "#/components/schemas/Node"}},
    },
    "Cat": {
        "type": "object",
        "required": ["petType"],
        "properties": {"petType": {"type": "string"}, "purrs": {"type": "boolean"}},
    },
    "Dog": {
        "type": "object",
        "required": ["petType"],
        "properties": {"petType": {"type": "string"}, "barks": {"type": "boolean"}},
    },
    "Strange": {"$ref": "#/components/schemas/Nowhere"},
}

#: (name, dialects, schema, values, modelled): ``modelled`` cases must get the reference's verdict.
CASES: list[tuple[str, tuple[str, ...], Any, list[Any], bool]] = [
    ("nullable", ("3.0",), {"type": "string", "nullable": True}, [None, "a", 1], True),
    ("not-nullable", ("3.0", "3.1"), {"type": "string"}, [None, "a"], True),
    ("nullable-without-type", ("3.0",), {"nullable": True, "enum": ["a"]}, [None, "a", "b"], True),
    ("null-in-type-list", ("3.1",), {"type": ["string", "null"]}, [None, "a", 2], True),
    (
        "required-readonly",
        ("3.0", "3.1"),
        {
            "type": "object",
            "required": ["id", "name", "secret"],
            "properties": {
                "id": {"type": "string", "readOnly": True},
                "name": {"type": "string"},
                "secret": {"type": "string", "writeOnly": True},
            },
        },
        [{"name": "x"}, {}, {"id": "1", "secret": "s"}, {"name": "x", "id": "1", "secret": "s"}],
        True,
    ),
    (
        "ref-siblings",
        ("3.0", "3.1"),
        {"type": "object", "properties": {"x": {"$ref": "#/components/schemas/Short", "maxLength": 2}}},
        [{"x": "ab"}, {"x": "abcd"}, {"x": "abcdefg"}],
        True,
    ),
    ("integer-float", ("3.0", "3.1"), {"type": "integer"}, [1, 1.0, 1.5, True, "1"], True),
    ("number-bool", ("3.0", "3.1"), {"type": "number", "minimum": 0}, [0, 0.5, False, -1], True),
    ("multiple-of-int", ("3.0", "3.1"), {"multipleOf": 2}, [4, 4.0, 7.5, 3, 10**30, 1e300], True),
    ("multiple-of-float", ("3.0", "3.1"), {"multipleOf": 0.1}, [0.3, 0.5, 1], False),
    ("exclusive-max-bool", ("3.0",), {"maximum": 5, "exclusiveMaximum": True}, [5, 4.9, 6], True),
    ("exclusive-max-number", ("3.1",), {"exclusiveMaximum": 5, "minimum": 1}, [5, 4.9, 0], True),
    ("big-integers", ("3.0", "3.1"), {"type": "integer", "maximum": 2**64}, [2**64, 2**64 + 1, -(2**70)], True),
    ("python-regex", ("3.0", "3.1"), {"type": "string", "pattern": "(?i)^abc$"}, ["ABC", "abd"], True),
    ("unicode-digits", ("3.0", "3.1"), {"type": "string", "pattern": "^\\d+$"}, ["\u0661\u0662", "12", "x"], True),
    # the reference raises on these (re.error, UnicodeEncodeError): left to it, it reports nothing
    ("broken-regex", ("3.0", "3.1"), {"type": "string", "pattern": "^[a-z+$"}, ["abc"], False),
    ("pattern-under-not", ("3.0", "3.1"), {"not": {"pattern": "^a"}}, ["abc", "b", 3], True),
    (
        "formats",
        ("3.0", "3.1"),
        {
            "type": "object",
            "properties": {
                "when": {"type": "string", "format": "date-time"},
                "day": {"type": "string", "format": "date"},
                "id": {"type": "string", "format": "uuid"},
                "ip": {"type": "string", "format": "ipv4"},
                "mail": {"type": "string", "format": "email"},
                "link": {"type": "string", "format": "uri"},
            },
        },
        [
            {"when": "2024-01-01T00:00:00Z", "day": "2024-02-29", "id": "123e4567-e89b-12d3-a456-426614174000"},
            {"when": "2024-13-01T00:00:00Z"},
            {"day": "2024-02-30"},
            {"id": "not-a-uuid"},
            {"ip": "256.1.1.1"},
            {"mail": "nobody"},
            {"link": "not a uri"},
        ],
        True,
    ),
    (
        "format-under-oneof",
        ("3.0", "3.1"),
        {"oneOf": [{"type": "string", "format": "email"}, {"type": "string", "pattern": "@"}]},
        ["a@b", "ab", "@"],
        True,
    ),
    ("oas-formats", ("3.0", "3.1"), {"type": "integer", "format": "int32"}, [2**31 - 1, 2**31, -(2**31)], True),
    ("byte-format", ("3.0",), {"type": "string", "format": "byte"}, ["aGVsbG8=", "!!!"], True),
    ("byte-format-not-ascii", ("3.0",), {"type": "string", "format": "byte"}, ["\u00e9"], False),
    (
        "unique-items",
        ("3.0", "3.1"),
        {"type": "array", "uniqueItems": True},
        [[1, 1.0], [1, True], [[1], [1.0]], [0, False]],
        True,
    ),
    ("enum-equality", ("3.0", "3.1"), {"enum": [1, {"a": 1}]}, [1.0, True, {"a": 1.0}, {"a": True}], True),
    (
        "additional-properties",
        ("3.0", "3.1"),
        {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False},
        [{"a": "x"}, {"a": "x", "b": 1}],
        True,
    ),
    (
        "pattern-properties",
        ("3.0", "3.1"),
        {"type": "object", "patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": False},
        [{"x-a": "s"}, {"y": 1}],
        False,
    ),
    (
        "discriminator",
        ("3.0",),
        {
            "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
            "discriminator": {"propertyName": "petType"},
        },
        [{"petType": "Cat", "purrs": True}, {"petType": "Dog", "purrs": True}, {"petType": "Bird"}],
        False,
    ),
    ("items-list", ("3.0",), {"type": "array", "items": [{"type": "string"}]}, [["a"], [1]], False),
    ("type-list-in-3.0", ("3.0",), {"type": ["string", "null"]}, ["a", None], False),
    ("type-null-in-3.0", ("3.0",), {"type": "null"}, [None], False),
    (
        "recursion",
        ("3.0", "3.1"),
        {"$ref": "#/components/schemas/Node"},
        [{"name": "a", "child": {"name": "b", "child": {"name": 3}}}, {"child": {"child": {}}}],
        True,
    ),
    ("dangling-ref", ("3.0", "3.1"), {"$ref": "#/components/schemas/Strange"}, ["x"], False),
    ("boolean-subschema", ("3.1",), {"properties": {"a": False, "b": True}}, [{"a": 1}, {"b": 1}], True),
    (
        "json-schema-2020",
        ("3.1",),
        {
            "type": "object",
            "properties": {
                "kind": {"const": "card"},
                "tags": {"prefixItems": [{"type": "string"}], "contains": {"type": "integer"}, "minContains": 1},
            },
            "dependentRequired": {"kind": ["number"]},
            "propertyNames": {"pattern": "^[a-z]+$"},
            "if": {"properties": {"kind": {"const": "card"}}},
            "then": {"required": ["number"]},
        },
        [
            {"kind": "card", "number": 1},
            {"kind": "card"},
            {"kind": "cash"},
            {"Kind": 1},
            {"tags": ["a", 1]},
            {"tags": ["a", "b"]},
        ],
        True,
    ),
    ("unevaluated", ("3.1",), {"properties": {"a": {}}, "unevaluatedProperties": False}, [{"a": 1}, {"b": 1}], False),
    ("own-id", ("3.1",), {"$id": "https://example.com/s", "type": "string"}, ["a", 1], False),
]


def _cases_document(dialect: str) -> tuple[LintContext, list[tuple[str, bool, str, Any]]]:
    """One OpenAPI document whose media-type examples are the cases' values."""
    paths: dict[str, Any] = {}
    jobs = []
    for name, dialects, schema, values, modelled in CASES:
        if dialect not in dialects:
            continue
        content = {
            "application/json": {"schema": schema, "examples": {str(i): {"value": v} for i, v in enumerate(values)}}
        }
        paths[f"/{name}"] = {
            "get": {"operationId": name, "responses": {"200": {"description": "ok", "content": content}}}
        }
        pointer = f"/paths/~1{name}/get/responses/200/content/application~1json/schema"
        jobs += [(f"{name}[{i}]", modelled, pointer, v) for i, v in enumerate(values)]
    version = "3.0.3" if dialect == "3.0" else "3.1.0"
    data = {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": COMPONENTS},
    }
    document = load_text(json.dumps(data), "cases.json")
    return LintContext(document, RefResolver(document)), jobs


@pytest.mark.parametrize("dialect", ["3.0", "3.1"])
def test_corner_cases_value_by_value(dialect: str) -> None:
    ctx, jobs = _cases_document(dialect)
    fast, reference = _Checker(ctx), _Checker(ctx, fast=False)
    assert fast.bundle is not None
    wrong, slow = [], []
    for label, modelled, pointer, value in jobs:
        expected = reference.first_error(pointer, value) is None
        _, document, target, schema = fast.root(pointer)
        said_valid = fast.bundle.is_valid(fast.bundle.add(document, target, schema), value)
        if said_valid and not expected:
            wrong.append(label)
        if modelled and said_valid != expected:
            slow.append(label)
        if not modelled and said_valid:
            wrong.append(f"{label} (unmodelled, yet answered)")
    assert wrong == [], f"the bundle says valid where the reference finds an error: {wrong}"
    assert slow == [], f"modelled cases that the bundle leaves to the reference: {slow}"


@pytest.mark.parametrize("dialect", ["3.0", "3.1"])
def test_corner_cases_findings(dialect: str) -> None:
    ctx, _ = _cases_document(dialect)
    assert_same_findings(ctx, expect_compiled=True)


def assert_same_findings(ctx: LintContext, *, expect_compiled: bool = False) -> None:
    load_referenced(ctx)
    checker = _Checker(ctx)
    fast = [(h.pointer, h.message) for h in example_hits(ctx, checker)]
    reference = [(h.pointer, h.message) for h in example_hits(ctx, _Checker(ctx, fast=False))]
    assert fast == reference
    if expect_compiled:  # guards the guard: the comparison above must not be reference against reference
        assert checker.bundle is not None and any(v is not None for v in checker.bundle.validators.values())


def _lint_context(path: Path) -> LintContext:
    document = load_document(path)
    return LintContext(document, RefResolver(document))


#: Edits of the bundled 3.1 description that break or keep its examples.
NEURON_EDITS = {
    "clean": [],
    "confidence-above-one": [Edit("confidence: 0.82", "confidence: 1.82")],
    "wrong-type": [Edit("token_count: 187", 'token_count: "187"')],
}


@pytest.mark.parametrize("case", sorted(NEURON_EDITS))
def test_bundled_description_and_broken_copies(case: str, tmp_path: Path) -> None:
    try:
        path = broken_copy(NEURON, tmp_path, *NEURON_EDITS[case])
    except ValueError:
        pytest.fail(f"edit {case} no longer applies to {NEURON.name}")
    assert_same_findings(_lint_context(path), expect_compiled=True)


FIXTURE_SPECS = sorted(p for p in FIXTURES.rglob("*.yaml") if "outside" not in p.parts)


@pytest.mark.parametrize("path", FIXTURE_SPECS, ids=lambda p: p.name)
def test_fixture_specs(path: Path) -> None:
    try:
        ctx = _lint_context(path)
    except InputError:
        pytest.skip("refused before any rule runs (exit 2)")
    if ctx.document.kind != "openapi":
        pytest.skip("not an OpenAPI document")
    assert_same_findings(ctx)


@pytest.mark.parametrize("name", ["github-rest-3.0.3.yaml", "stripe-2023-02.yaml", "stripe-2023-09.yaml"])
def test_corpus_specs(name: str) -> None:
    """SLOW (about a second each: the reference validates every example too)."""
    assert_same_findings(_lint_context(corpus_dir() / name), expect_compiled=name.startswith("github"))
