"""The rule catalogue: every registry loads, ids are unique and well-formed, docs exist, README is current."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from contractkit.catalog import REGISTRIES, load_registry
from contractkit.cli.main import main

ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")


@pytest.mark.parametrize("kind", list(REGISTRIES))
def test_registry_entries_are_complete(kind):
    registry = load_registry(kind)
    assert len(registry) > 0
    for rule in registry:
        assert ID.match(rule.id), rule.id
        assert rule.title and rule.clause, rule.id
        assert rule.severity in ("error", "warning", "info")


def test_ids_are_unique_across_kinds():
    ids = [rule.id for kind in REGISTRIES for rule in load_registry(kind)]
    assert len(ids) == len(set(ids))


def test_rules_command_lists_and_documents(capsys):
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    first = next(iter(load_registry("lint")))
    assert first.id in listing
    assert main(["rules", first.id]) == 0
    assert first.title in capsys.readouterr().out


def test_unknown_rule_id_is_a_one_line_error(capsys):
    assert main(["rules", "NOPE-999"]) == 2
    assert "NOPE-999" in capsys.readouterr().err


def test_generated_docs_are_current(repo_root):
    out = subprocess.run(
        [sys.executable, str(repo_root / "scripts" / "update_docs.py"), "--check"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr


def test_readme_links_the_generated_docs_and_only_existing_files(repo_root):
    readme = (repo_root / "README.md").read_text()
    assert "docs/rules.md" in readme and "docs/cli.md" in readme and "GENERATED" not in readme
    for target in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (repo_root / target).is_file(), target
