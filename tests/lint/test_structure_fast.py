"""Differential test: OAS-001's fast path against openapi-spec-validator's full validation.

The fast path (contractkit.lint.structure_fast) may only say "valid" where the reference reports
nothing, and must say it wherever the reference reports nothing (or it is a slow path in
disguise). Every spec the tests know is run through both, valid and broken, 3.0 and 3.1, the
hostile fixtures that parse, and the real-world corpus (tests/shared_corpus.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_helpers import FIXTURES, Edit, broken_copy

from contractkit.errors import InputError
from contractkit.lint.context import LintContext
from contractkit.lint.rules.openapi_structure import _validate
from contractkit.lint.structure_fast import proven_valid
from contractkit.loading import RefResolver, load_document
from shared_corpus import corpus_dir

NEURON = Path(__file__).resolve().parents[2] / "specs" / "neuron-api.yaml"

#: One edit each to the bundled 3.1 description; most break it, some keep it valid.
NEURON_EDITS = {
    "clean": [],
    "no-title": [Edit("  title: neuron API\n", "")],
    "duplicate-operation-id": [Edit("operationId: suggestNextAction", "operationId: analyzeCustomer")],
    "duplicate-tag": [Edit("  - name: chat\n", "  - name: ai\n")],
    "undeclared-path-parameter": [Edit("  /health:", "  /health/{region}:")],
    "schema-bad-type": [Edit("    RequestId:\n      type: string", "    RequestId:\n      type: strin")],
    "schema-bad-pattern": [Edit("pattern: '^[A-Za-z0-9._-]{8,128}$'", "pattern: '^[A-Za-z0-9._-]{8,128$('")],
    "default-matches": [
        Edit(
            "      type: string\n      enum: [light", "      type: string\n      default: balanced\n      enum: [light"
        )
    ],
    "default-off-enum": [
        Edit("      type: string\n      enum: [light", "      type: string\n      default: huge\n      enum: [light")
    ],
    "default-below-minimum": [
        Edit("    Confidence:\n      type: number\n", "    Confidence:\n      type: number\n      default: -1\n")
    ],
    "required-undefined-in-allof": [
        Edit(
            "    TokenCount:\n",
            "    Both:\n      allOf:\n        - $ref: '#/components/schemas/Confidence'\n"
            "      required: [nowhere]\n    TokenCount:\n",
        )
    ],
    "required-defined-in-allof": [
        Edit(
            "    TokenCount:\n",
            "    Both:\n      allOf:\n        - type: object\n          properties:\n"
            "            here: {type: string}\n      required: [here]\n    TokenCount:\n",
        )
    ],
    "dangling-schema-ref": [
        Edit("    TokenCount:\n", "    Lost:\n      $ref: '#/components/schemas/Nowhere'\n    TokenCount:\n")
    ],
    "unknown-dialect": [Edit("info:\n", "jsonSchemaDialect: https://example.com/dialect\ninfo:\n")],
    "bad-version": [Edit("openapi: 3.1.0", "openapi: 3.1")],
}

OAS30 = """openapi: 3.0.3
info: {title: t, version: '1'}
tags: [{name: a}]
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
    get:
      operationId: getItem
      parameters:
        - {name: limit, in: query, schema: {type: integer, format: int32, default: 10, minimum: 1}}
        - $ref: '#/components/parameters/Sort'
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Item'}
components:
  parameters:
    Sort: {name: sort, in: query, schema: {type: string, nullable: true, default: null}}
  schemas:
    Item:
      type: object
      required: [id]
      properties:
        id: {type: string}
        tags: {type: array, items: {type: string, pattern: '^[a-z]+$'}}
        parent: {$ref: '#/components/schemas/Item'}
        size: {type: integer, format: int64, default: 1}
"""

OAS30_EDITS = {
    "clean": [],
    "nullable-default-without-nullable": [Edit("nullable: true, default: null", "default: null")],
    "int32-default-overflows": [Edit("default: 10,", "default: 99999999999,")],
    "default-below-minimum": [Edit("default: 10,", "default: 0,")],
    "default-wrong-type": [Edit("default: 1}", "default: one}")],
    "exclusive-maximum-number": [Edit("minimum: 1}", "minimum: 1, exclusiveMinimum: 1}")],
    "boolean-schema": [Edit("id: {type: string}", "id: true")],
    "duplicate-parameter": [Edit("- $ref: '#/components/parameters/Sort'", "- {name: limit, in: query}")],
    "path-parameter-missing": [Edit("  /items/{id}:", "  /items/{id}/{sub}:")],
    "bad-pattern": [Edit("'^[a-z]+$'", "'^[a-z+$'")],
    "ref-into-other-file": [Edit("$ref: '#/components/schemas/Item'}", "$ref: 'other.yaml#/Item'}")],
    "swagger-key": [Edit("openapi: 3.0.3", "swagger: '2.0'\nopenapi: 3.0.3")],
}


def verdicts(path: Path) -> tuple[bool, list[tuple[str, str]]]:
    document = load_document(path)
    fast = proven_valid(LintContext(document, RefResolver(document)))
    reference = list(_validate(LintContext(document, RefResolver(document))))
    return fast, reference


def assert_same_verdict(path: Path) -> bool:
    fast, reference = verdicts(path)
    assert fast == (not reference), f"fast path says {'valid' if fast else 'unproven'}; reference: {reference}"
    return fast


@pytest.mark.parametrize("case", sorted(NEURON_EDITS))
def test_bundled_description_and_broken_copies(case: str, tmp_path: Path) -> None:
    assert_same_verdict(broken_copy(NEURON, tmp_path, *NEURON_EDITS[case]))


@pytest.mark.parametrize("case", sorted(OAS30_EDITS))
def test_openapi_30_description_and_broken_copies(case: str, tmp_path: Path) -> None:
    source = tmp_path / "source" / "api.yaml"
    source.parent.mkdir()
    source.write_text(OAS30, encoding="utf-8")
    (tmp_path / "other.yaml").write_text("Item: {type: object}\n", encoding="utf-8")
    assert_same_verdict(broken_copy(source, tmp_path, *OAS30_EDITS[case]))


def test_the_clean_descriptions_are_proven_valid(tmp_path: Path) -> None:
    """Guards the guard: a fast path that never says "valid" would pass the tests above."""
    assert verdicts(NEURON)[0] is True
    (tmp_path / "api.yaml").write_text(OAS30, encoding="utf-8")
    assert verdicts(tmp_path / "api.yaml")[0] is True


FIXTURE_SPECS = sorted(p for p in FIXTURES.rglob("*.yaml") if "outside" not in p.parts)


@pytest.mark.parametrize("path", FIXTURE_SPECS, ids=lambda p: p.name)
def test_fixture_specs(path: Path) -> None:
    try:
        load_document(path)
    except InputError:
        pytest.skip("refused before any rule runs (exit 2)")
    assert_same_verdict(path)


CORPUS = [corpus_dir() / name for name in ("github-rest-3.0.3.yaml", "stripe-2023-02.yaml", "stripe-2023-09.yaml")]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_specs(path: Path) -> None:
    """SLOW (a few seconds each: the reference's full validation of a 3-4 MB description)."""
    assert_same_verdict(path)
