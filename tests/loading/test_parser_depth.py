"""Nesting deep enough to crash the YAML parser is refused from the text, before it is parsed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from contractkit.errors import SpecParseError
from contractkit.loading.parse import PARSER_SAFE_DEPTH, parse


@pytest.mark.parametrize("text", [
    "- " * 12_000 + "x\n",  # compact nested sequences: one level per indicator, all on one line
    "? " * 12_000 + "x\n",  # complex keys, likewise
])
def test_compact_nesting_past_the_parser_is_refused_even_with_a_high_limit(text: str) -> None:
    with pytest.raises(SpecParseError, match=f"nesting deeper than {PARSER_SAFE_DEPTH} levels"):
        parse(text, "deep.yaml", max_depth=10_000)


def test_deep_indentation_is_refused_with_its_line() -> None:
    text = "".join(" " * i + "a:\n" for i in range(PARSER_SAFE_DEPTH + 2)) + " " * (PARSER_SAFE_DEPTH + 2) + "1\n"
    with pytest.raises(SpecParseError, match=f"deeper than {PARSER_SAFE_DEPTH}") as caught:
        parse(text, "deep.yaml", max_depth=10_000)
    assert caught.value.one_line().startswith(f"deep.yaml:{PARSER_SAFE_DEPTH + 2}")


def test_nesting_the_parser_survives_still_parses() -> None:
    data = parse("a:\n  " + "- " * 150 + "x\n", "ok.yaml", max_depth=1_000)
    node, depth = data["a"], 0
    while isinstance(node, list):
        node, depth = node[0], depth + 1
    assert (node, depth) == ("x", 150)


def test_the_cli_says_one_line_instead_of_crashing(tmp_path) -> None:
    spec = tmp_path / "bomb.yaml"
    spec.write_text("- " * 12_000 + "x\n")
    for argv in (["lint", str(spec)], ["diff", str(spec), str(spec), "--max-depth", "10000"]):
        done = subprocess.run([sys.executable, "-m", "contractkit", *argv], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, (argv, done.returncode, done.stderr[-300:])
        assert done.stderr.startswith("contractkit: error: ") and done.stderr.count("\n") == 1
