"""contractkit.loading: parsing, kind detection, hostile input, and lazy locations."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from contractkit.errors import NotASpecError, SpecParseError, SpecReadError
from contractkit.loading import load_document, load_text
from contractkit.loading.locate import build_block_index, compose_index


def test_bundled_specs_load_with_their_kinds(specs_dir: Path) -> None:
    neuron = load_document(specs_dir / "neuron-api.yaml")
    mcp = load_document(specs_dir / "mcp-servers.yaml")
    assert neuron.kind == "openapi" and mcp.kind == "mcp-servers"
    assert neuron.get("/info/version") == "1.1.0"
    assert neuron.get("/paths/~1chat/post/operationId") == "chat"
    assert neuron.get("/nope/x") is None


def test_locate_points_at_the_key(specs_dir: Path) -> None:
    doc = load_document(specs_dir / "neuron-api.yaml")
    line, col = doc.locate("/paths/~1assess-risk/post/responses/429")
    assert doc.text.splitlines()[line - 1][col - 1 :].startswith("'429':")
    line, col = doc.locate("/tags/2/name")
    assert doc.text.splitlines()[line - 1][col - 1 :].startswith("name: operations")
    assert doc.where("").endswith("neuron-api.yaml:1:1")


def test_block_index_agrees_with_pyyaml_composer(specs_dir: Path) -> None:
    for name in ("neuron-api.yaml", "mcp-servers.yaml"):
        text = (specs_dir / name).read_text()
        fast, exact = build_block_index(text), compose_index(text)
        assert fast and all(exact[p] == pos for p, pos in fast.items())


def test_block_index_handles_tricky_layouts() -> None:
    text = (
        'a:\n- x\n- \n- k: 1\n  j: |\n    b: not a key\n  l: 2\n\'q/t\': {flow: 1}\n"d\\"q": 3\nm:\n  - - 1\n    - 2\n'
    )
    index = build_block_index(text)
    assert index["/a/0"] == (2, 3)
    assert index["/a/2/k"] == (4, 3)
    assert index["/a/2/l"] == (7, 3)
    assert "/a/2/j/b" not in index and "/a/2/b" not in index
    assert index["/q~1t"] == (8, 1)
    assert index['/d"q'] == (9, 1)
    assert index["/m/0/1"] == (12, 7)


def test_locate_falls_back_for_flow_style() -> None:
    doc = load_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\n", "f.yaml")
    assert doc.locate("/info/version") == (2, 18)
    json_doc = load_text('{\n  "openapi": "3.1.0",\n  "info": {"title": "t"}\n}\n', "f.json")
    assert json_doc.locate("/info/title") == (3, 12)


def test_integer_keys_become_strings() -> None:
    doc = load_text("openapi: 3.1.0\npaths:\n  /x:\n    get:\n      responses:\n        200: {}\n", "x.yaml")
    assert "200" in doc.get("/paths/~1x/get/responses")


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)
)


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        (BOMB, SpecParseError, "alias"),
        ("openapi: 3.1.0\ninfo:\n  title: x\n  title: y\n", SpecParseError, "x.yaml:4:3: duplicate"),
        ('{"openapi": "3.1.0", "a": 1, "a": 2}', SpecParseError, "duplicate key 'a'"),
        ('openapi: !!python/object/apply:os.system ["touch /tmp/ck-pwned"]\n', SpecParseError, "never executed"),
        ("openapi: !!python/object:os.system x\n", SpecParseError, "tag"),
        ("openapi: 3.1.0\nx: " + "[" * 5000 + "]" * 5000 + "\n", SpecParseError, "x.yaml:2:"),
        (
            "openapi: 3.1.0\nx:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(300)),
            SpecParseError,
            "nesting deeper",
        ),
        ('{"openapi": "3.1.0", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", SpecParseError, "x.yaml"),
        ("openapi: 3.1.0\n---\nb: 1\n", SpecParseError, "several YAML documents"),
        ("openapi: [1\n", SpecParseError, "x.yaml:1:10"),
        ("hello: world\n", NotASpecError, "not an OpenAPI"),
        ("", NotASpecError, "not an OpenAPI"),
        ("- 1\n- 2\n", NotASpecError, "not an OpenAPI"),
    ],
    ids=[
        "alias-bomb",
        "dup-yaml",
        "dup-json",
        "python-apply",
        "python-object",
        "deep-flow",
        "deep-block",
        "deep-json",
        "multi-doc",
        "syntax",
        "not-a-spec",
        "empty",
        "list",
    ],
)
def test_hostile_text_gets_a_clear_error_fast(text: str, error: type, words: str) -> None:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        load_text(text, "x.yaml")
    assert words in caught.value.one_line()
    assert "\n" not in caught.value.one_line()
    assert time.monotonic() - started < 10
    assert not Path("/tmp/ck-pwned").exists()


@pytest.mark.parametrize(
    ("raw", "words"),
    [(b"\x7fELF\x00\x01\x02\x03garbage", "binary"), (b"openapi: 3.1.0\ninfo: \xff\xfe\n", "x.yaml:2: not valid UTF-8")],
)
def test_bad_bytes_are_read_errors(raw: bytes, words: str) -> None:
    with pytest.raises(SpecReadError) as caught:
        load_text(raw, "x.yaml")
    assert words in caught.value.one_line()


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(SpecReadError, match="no such file"):
        load_document(tmp_path / "nope.yaml")
    with pytest.raises(SpecReadError, match="folder"):
        load_document(tmp_path)


def test_bom_is_accepted() -> None:
    assert load_text("\ufeffopenapi: 3.1.0\n".encode(), "x.yaml").kind == "openapi"


def _large_yaml() -> str:
    """> 200 kB of block YAML with the layouts that trip naive scanners."""
    parts = ["openapi: 3.1.0", "info:", "  title: big", "  version: 1.0.0", "tags:", "- name: a", "- name: b", "paths:"]
    for i in range(700):
        parts += [
            f"  '/items/{i}':",
            "    get:",
            f"      operationId: get{i}",
            "      description: |",
            "        text: that looks like a key",
            "        - and an item",
            "      parameters:",
            "      - name: id",
            "        in: path",
            "      responses:",
            "        '200':",
            "          description: ok",
            "          content:",
            "            application/json:",
            "              example:",
            "                list:",
            "                - x: 1",
            "                - x: 2",
        ]
    parts += ["components:", "  schemas:", '    "Quoted/Name":', "      type: string"]
    return "\n".join(parts) + "\n"


def test_large_text_is_located_by_narrowing_exactly() -> None:
    from contractkit.loading.locate import NARROW_ABOVE_BYTES, Locator

    text = _large_yaml()
    assert len(text) > NARROW_ABOVE_BYTES
    full = build_block_index(text)
    locator = Locator(text)
    for pointer in [*list(full)[1::37], "/components/schemas/Quoted~1Name", "/paths/~1items~1699/get/parameters/0/in"]:
        assert locator._from_subtree(pointer) == full[pointer], pointer
    assert locator._index is None  # the whole-text index was never built
    assert (
        locator.locate("/paths/~1items~1699/get/responses/200/content/application~1json/example/list/1/x")
        == (full["/paths/~1items~1699/get/responses/200/content/application~1json/example/list/1/x"])
    )


def test_yaml_merge_keys_are_applied() -> None:
    text = (
        "openapi: 3.1.0\nbase: &b {type: string, maxLength: 5}\nmore: &m {<<: *b, format: email}\n"
        "x:\n  <<: [*m, {y: 1}]\n  maxLength: 9\n"
    )
    data = load_text(text, "m.yaml").data
    assert data["x"] == {"maxLength": 9, "type": "string", "format": "email", "y": 1}
    assert "<<" not in data["more"]
