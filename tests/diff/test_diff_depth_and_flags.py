"""`--max-depth` (deep schemas real generators emit, bounded against bombs) and the policy flags, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contractkit.cli.main import main


def _deep_spec(levels: int, leaf: dict) -> dict:
    schema: dict = leaf
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}}
    op = {"requestBody": {"content": {"application/json": {"schema": schema}}},
          "responses": {"200": {"description": "ok"}}}
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"}, "paths": {"/x": {"post": op}}}


def _write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def _deep_yaml(tmp_path: Path, name: str, levels: int, leaf: str) -> Path:
    """The same spec as block YAML, one space of indentation per nesting level."""
    lines = ['openapi: "3.1.0"', "info: {title: t, version: 1.0.0}", "paths:", " /x:", "  post:",
             "   responses: {'200': {description: ok}}", "   requestBody:", "    content:",
             "     application/json:", "      schema:"]
    indent = 7
    for _ in range(levels):
        lines += [" " * indent + "type: object", " " * indent + "properties:", " " * (indent + 1) + "a:"]
        indent += 2
    lines.append(" " * indent + leaf)
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("yaml", [False, True], ids=["json", "yaml"])
def test_a_schema_nested_300_levels_is_compared(tmp_path: Path, capsys, yaml: bool) -> None:
    if yaml:
        base = _deep_yaml(tmp_path, "base.yaml", 300, "{type: string}")
        head = _deep_yaml(tmp_path, "head.yaml", 300, "{type: string, maxLength: 5}")
    else:
        base = _write(tmp_path, "base.json", _deep_spec(300, {"type": "string"}))
        head = _write(tmp_path, "head.json", _deep_spec(300, {"type": "string", "maxLength": 5}))
    code = main(["diff", str(base), str(head), "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert [c["id"] for c in json.loads(out)["changes"]] == ["OAS-REQ-BOUND-TIGHTENED"]


def test_max_depth_refuses_deeper_specs_with_exit_2(tmp_path: Path, capsys) -> None:
    base = _write(tmp_path, "base.json", _deep_spec(100, {"type": "string"}))
    assert main(["diff", str(base), str(base), "--max-depth", "128"]) == 2
    assert "nesting deeper than 128 levels" in capsys.readouterr().err
    assert main(["diff", str(base), str(base), "--max-depth", "1000"]) == 0
    capsys.readouterr()


def test_max_depth_is_bounded(tmp_path: Path, capsys) -> None:
    base = _write(tmp_path, "base.json", _deep_spec(1, {"type": "string"}))
    assert main(["diff", str(base), str(base), "--max-depth", "1000000"]) == 2
    assert "--max-depth" in capsys.readouterr().err


def test_the_default_still_refuses_a_nesting_bomb(tmp_path: Path, capsys) -> None:
    bomb = tmp_path / "bomb.json"
    bomb.write_text('{"openapi": "3.1.0", "x": ' + '{"a": ' * 5000 + "1" + "}" * 5001)
    assert main(["diff", str(bomb), str(bomb)]) == 2
    assert "nesting deeper than 1000 levels" in capsys.readouterr().err


def _spec_with_delete(deprecated: bool) -> dict:
    delete = {"responses": {"204": {"description": "gone"}}}
    if deprecated:
        delete["deprecated"] = True
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"},
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}, "delete": delete}}}


def test_policy_flag_and_file(tmp_path: Path, capsys) -> None:
    base = _write(tmp_path, "base.json", _spec_with_delete(deprecated=False))
    head_data = _spec_with_delete(False)
    del head_data["paths"]["/a"]["delete"]
    head_data["info"]["version"] = "2.0.0"
    head = _write(tmp_path, "head.json", head_data)
    assert main(["diff", str(base), str(head), "--format", "json"]) == 0
    assert "OAS-POLICY-" not in capsys.readouterr().out
    assert main(["diff", str(base), str(head), "--format", "json", "--deprecation-policy"]) == 0
    ids = [c["id"] for c in json.loads(capsys.readouterr().out)["changes"]]
    assert sorted(ids) == ["OAS-OP-REMOVED", "OAS-POLICY-REMOVED-WITHOUT-DEPRECATION"]
    policy = tmp_path / "policy.yaml"
    policy.write_text("rules: [deprecated-without-sunset]\n")
    assert main(["diff", str(base), str(head), "--format", "json", "--policy-file", str(policy)]) == 0
    assert [c["id"] for c in json.loads(capsys.readouterr().out)["changes"]] == ["OAS-OP-REMOVED"]
    policy.write_text("rules: [nope]\n")
    assert main(["diff", str(base), str(head), "--policy-file", str(policy)]) == 2
    assert "unknown rules" in capsys.readouterr().err
