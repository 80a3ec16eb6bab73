"""contractkit.loading.refs: local and relative-file refs, and every way a ref is refused."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from contractkit.errors import RefError
from contractkit.loading import RefResolver, iter_refs, load_document, load_text

ROOT = """openapi: 3.1.0
components:
  schemas:
    A:
      $ref: '#/components/schemas/B'
    B:
      type: string
    Loop1:
      $ref: '#/components/schemas/Loop2'
    Loop2:
      $ref: '#/components/schemas/Loop1'
    Ext:
      $ref: 'common/shared.yaml#/Thing'
"""


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "common").mkdir()
    (tmp_path / "api" / "common" / "shared.yaml").write_text("Thing:\n  $ref: '#/Other'\nOther:\n  type: integer\n")
    (tmp_path / "secret.yaml").write_text("Stolen: {type: string}\n")
    path = tmp_path / "api" / "openapi.yaml"
    path.write_text(ROOT)
    return path


def test_local_chain_and_relative_file(spec: Path) -> None:
    resolver = RefResolver(load_document(spec))
    assert resolver.follow({"$ref": "#/components/schemas/A"}).value == {"type": "string"}
    target = resolver.follow({"$ref": "#/components/schemas/Ext"})
    assert target.value == {"type": "integer"} and target.pointer == "/Other"
    assert target.document.name.endswith("common/shared.yaml")
    assert target.document.locate("/Other") == (3, 1)


def test_cycle_is_detected(spec: Path) -> None:
    resolver = RefResolver(load_document(spec))
    with pytest.raises(RefError, match="cycle"):
        resolver.follow({"$ref": "#/components/schemas/Loop1"})
    assert resolver.deref({"$ref": "#/components/schemas/Loop1"}) is None


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ("#/components/schemas/Nope", "does not resolve"),
        ("missing.yaml#/X", "no such file"),
        ("../secret.yaml#/Stolen", "leaves the spec's folder"),
        ("/etc/passwd", "leaves the spec's folder"),
        ("https://example.com/schemas.yaml#/X", "never fetches"),
        ("http://10.255.255.1/x.yaml", "never fetches"),
        ("//example.com/x.yaml", "network-path"),
        ("http://[::1/x.yaml", "never fetches"),  # not even a URI: refused, not a crash
        ("file:///etc/passwd", "absolute file"),
        ("#name", "JSON-pointer"),
    ],
)
def test_refused_refs(spec: Path, ref: str, words: str) -> None:
    resolver = RefResolver(load_document(spec))
    started = time.monotonic()
    with pytest.raises(RefError, match=words):
        resolver.resolve(ref)
    assert time.monotonic() - started < 2


def test_symlink_out_of_the_folder_is_refused(spec: Path) -> None:
    (spec.parent / "link.yaml").symlink_to(spec.parent.parent / "secret.yaml")
    with pytest.raises(RefError, match="leaves"):
        RefResolver(load_document(spec)).resolve("link.yaml#/Stolen")


def test_text_without_folder_allows_local_refs_only() -> None:
    resolver = RefResolver(load_text(ROOT, "blob.yaml"))
    assert resolver.deref({"$ref": "#/components/schemas/A"}) == {"type": "string"}
    with pytest.raises(RefError, match="not loaded from a folder"):
        resolver.resolve("common/shared.yaml#/Thing")


def test_iter_refs_finds_every_ref(spec: Path) -> None:
    refs = dict(iter_refs(load_document(spec).data))
    assert refs["/components/schemas/Ext"] == "common/shared.yaml#/Thing"
    assert len(refs) == 4


ID_SPEC = """openapi: 3.1.0
info: {title: ids, version: '1.0.0'}
paths: {}
components:
  schemas:
    In:
      $id: https://example.com/schemas/in
      type: object
      properties:
        name: {$ref: '#/$defs/Name'}
        code: {$ref: 'codes#/$defs/Code'}
        leaf: {$ref: 'https://example.com/schemas/codes#leaf'}
        node: {$dynamicRef: '#node'}
        gone: {$ref: '#/$defs/Gone'}
      $defs:
        Name: {type: string}
        Node: {$dynamicAnchor: node, type: object}
        Codes:
          $id: codes
          $defs:
            Code: {$ref: '#/$defs/Inner'}
            Inner: {type: integer}
            Leaf: {$anchor: leaf, type: boolean}
"""
IN = "/components/schemas/In"


def test_refs_resolve_against_the_enclosing_id() -> None:
    """2020-12 §8.2: `#/$defs/Name` under `$id: .../in` is that resource's Name, not the document's."""
    resolver = RefResolver(load_text(ID_SPEC, "ids.yaml"))
    assert resolver.resolve("#/$defs/Name", at=f"{IN}/properties/name").value == {"type": "string"}
    code = resolver.resolve("codes#/$defs/Code", at=f"{IN}/properties/code")
    assert code.pointer == f"{IN}/$defs/Codes/$defs/Code"
    inner = resolver.resolve("#/$defs/Inner", at=code.pointer)  # nested $id: relative to `codes`
    assert inner.value == {"type": "integer"}
    leaf = resolver.resolve("https://example.com/schemas/codes#leaf", at=f"{IN}/properties/leaf")
    assert leaf.value == {"$anchor": "leaf", "type": "boolean"}
    assert resolver.resolve("#node", at=f"{IN}/properties/node").pointer == f"{IN}/$defs/Node"
    with pytest.raises(RefError, match="does not resolve"):
        resolver.resolve("#/$defs/Gone", at=f"{IN}/properties/gone")
    with pytest.raises(RefError, match="does not resolve"):  # without its place, the ref is read against the root
        resolver.resolve("#/$defs/Name")


def test_lint_reports_only_the_dangling_ref_of_an_id_resource(tmp_path: Path) -> None:
    from contractkit.lint.runner import lint_paths

    path = tmp_path / "ids.yaml"
    path.write_text(ID_SPEC)
    hits = [f for f in lint_paths([path], only=["OAS-002"]).findings if f.rule == "OAS-002"]
    assert [h.pointer for h in hits] == [f"{IN}/properties/gone/$ref"], hits
