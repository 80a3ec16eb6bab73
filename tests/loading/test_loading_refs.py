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
