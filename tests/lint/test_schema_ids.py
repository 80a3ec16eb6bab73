"""Refs under JSON Schema 2020-12 base URIs ($id, nested and relative $id, $anchor, $dynamicRef) in lint.

OAS-002 resolves them (contractkit.loading.refs); OAS-001, on its fast path and through
openapi-spec-validator, and OAS-060 must resolve them the same way: a valid description lints
clean with and without ``--thorough``, a ref that resolves nowhere is reported once, by OAS-002,
and errors behind such refs (a bad schema, a default or an example that does not match) are still
found.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lint_helpers import Edit, broken_copy

from contractkit.cli.main import main
from contractkit.lint.context import LintContext
from contractkit.lint.rules.openapi_structure import _stopped, _validate
from contractkit.lint.structure_fast import proven_valid
from contractkit.loading import RefResolver, load_document

SPEC = """openapi: 3.1.0
info: {title: ids, version: 1.0.0}
paths:
  /in:
    post:
      operationId: postIn
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/In'}
            examples:
              one: {value: {name: bob, tag: x, tree: {kids: [{kids: []}], nested: {leaf: 3}}, color: red}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Out'}
              example: {alias: ann, rel: 2}
components:
  schemas:
    In:
      $id: https://example.com/schemas/in
      type: object
      properties:
        name: {$ref: '#/$defs/Name'}
        tag: {$ref: '#tagged'}
        tree: {$ref: 'tree'}
        color: {$ref: 'file-color'}
      $defs:
        Name: {type: string, minLength: 1}
        Tag: {$anchor: tagged, type: string}
    Tree:
      $id: https://example.com/schemas/tree
      $dynamicAnchor: node
      type: object
      properties:
        kids:
          type: array
          items: {$dynamicRef: '#node'}
        nested:
          $id: nested/inner
          type: object
          $defs:
            Leaf: {type: integer}
          properties:
            leaf: {$ref: '#/$defs/Leaf'}
    Color:
      $id: https://example.com/schemas/file-color
      $anchor: colour
      type: string
    Rel:
      $id: rel/number.json
      $defs:
        N: {type: integer}
      $ref: '#/$defs/N'
    Out:
      type: object
      properties:
        alias: {$ref: '#/components/schemas/In/properties/name'}
        rel: {$ref: 'rel/number.json'}
        shade: {$ref: 'https://example.com/schemas/file-color#colour'}
"""

#: One edit each; name -> (edit, expected (rule, message part) findings).
EDITS = {
    "clean": (None, []),
    "dangling-pointer-under-id": (
        Edit("name: {$ref: '#/$defs/Name'}", "name: {$ref: '#/$defs/Nope'}"),
        [("OAS-002", "'#/$defs/Nope' does not resolve")],
    ),
    "dangling-anchor-under-id": (
        Edit("tag: {$ref: '#tagged'}", "tag: {$ref: '#nowhere'}"),
        [("OAS-002", "'#nowhere' does not resolve")],
    ),
    "pointer-meant-for-the-document-root": (
        Edit("leaf: {$ref: '#/$defs/Leaf'}", "leaf: {$ref: '#/components/schemas/Rel'}"),
        [("OAS-002", "'#/components/schemas/Rel' does not resolve")],
    ),
    "bad-schema-behind-an-id-ref": (
        Edit("Name: {type: string, minLength: 1}", "Name: {type: strin, minLength: 1}"),
        [("OAS-001", "'strin' is not valid")],
    ),
    "default-under-nested-id": (
        Edit("Leaf: {type: integer}", "Leaf: {type: integer, default: x}"),
        [("OAS-001", "'x' is not of type 'integer'")],
    ),
    "example-through-anchor": (
        Edit("tag: x,", "tag: 5,"),
        [("OAS-060", "at /tag: 5 is not of type 'string'")],
    ),
    "example-through-dynamic-ref": (
        Edit("kids: [{kids: []}]", "kids: [{kids: [5]}]"),
        [("OAS-060", "at /tree/kids/0/kids/0: 5 is not of type 'object'")],
    ),
    "example-through-nested-id": (
        Edit("leaf: 3}", "leaf: x}"),
        [("OAS-060", "at /tree/nested/leaf: 'x' is not of type 'integer'")],
    ),
    "example-through-pointer-into-a-resource": (
        Edit("alias: ann,", "alias: '',"),
        [("OAS-060", "at /alias: '' should be non-empty")],
    ),
}


def spec_copy(tmp_path: Path, edit: Edit | None) -> Path:
    source = tmp_path / "source" / "api.yaml"
    source.parent.mkdir()
    source.write_text(SPEC, encoding="utf-8")
    return broken_copy(source, tmp_path, *([edit] if edit else []))


def lint_json(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, object]]]:
    code = main(["lint", str(path), "--format", "json", "--no-cache"])
    return code, json.loads(capsys.readouterr().out)["findings"]


@pytest.mark.parametrize("thorough", [False, True], ids=["fast", "thorough"])
@pytest.mark.parametrize("case", sorted(EDITS))
def test_lint_resolves_refs_as_2020_12(
    case: str, thorough: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONTRACTKIT_NO_CACHE", raising=False)  # `--no-cache` sets them: restore afterwards
    if thorough:
        monkeypatch.setenv("CONTRACTKIT_THOROUGH", "1")
    else:
        monkeypatch.delenv("CONTRACTKIT_THOROUGH", raising=False)
    edit, expected = EDITS[case]
    code, findings = lint_json(spec_copy(tmp_path, edit), capsys)
    got = [(f["rule"], f["message"]) for f in findings]
    assert len(got) == len(expected), got
    for (rule, message), (want_rule, part) in zip(got, expected, strict=True):
        assert rule == want_rule and part in str(message), got
    assert code == (1 if expected else 0)


@pytest.mark.parametrize("case", sorted(EDITS))
def test_fast_path_and_reference_agree(case: str, tmp_path: Path) -> None:
    """The differential test of test_structure_fast.py, on these refs; the clean spec is proven valid."""
    path = spec_copy(tmp_path, EDITS[case][0])
    document = load_document(path)
    fast = proven_valid(LintContext(document, RefResolver(document)))
    reference = list(_validate(LintContext(document, RefResolver(document))))
    assert fast == (not reference), reference
    if case == "clean":
        assert fast is True


def test_a_stop_at_a_ref_contractkit_resolves_does_not_send_the_user_to_oas_002(tmp_path: Path) -> None:
    """Should the validator ever stop at a ref OAS-002 accepts, OAS-001 says so itself."""
    from referencing.exceptions import Unresolvable

    document = load_document(spec_copy(tmp_path, None))
    pointer, message = _stopped(LintContext(document, RefResolver(document)), Unresolvable(ref="#/$defs/Name"))
    assert pointer == "" and "OAS-002" not in message
    assert message.startswith("openapi-spec-validator could not follow $ref '#/$defs/Name'")
    assert "not reported" in message
