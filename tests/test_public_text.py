"""What users read speaks to users: no internal planning references, no machine-specific figures.

Rule clauses end up in `contractkit rules`, SARIF rule metadata and docs/rules.md; a clause must
cite something a user can open (a standard's section, or docs/conventions.md), and the docs must
not quote figures of one particular machine.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from contractkit.catalog import REGISTRIES, load_registry

REPO = Path(__file__).resolve().parent.parent
INTERNAL = re.compile(r"issue [0-9]|DESIGN\.md|DESIGN:|on this machine|\b[0-9]+-core\b")


def _public_files() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md")), *sorted((REPO / "src").rglob("*.py"))]


def test_no_internal_reference_in_docs_or_code() -> None:
    hits = []
    for path in _public_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INTERNAL.search(line):
                hits.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:100]}")
    assert hits == [], "\n".join(hits)


@pytest.mark.parametrize("kind", list(REGISTRIES))
def test_every_clause_cites_something_public(kind: str) -> None:
    for rule in load_registry(kind):
        assert not INTERNAL.search(rule.clause), f"{rule.id}: {rule.clause}"


def test_conventions_sections_cited_by_rules_exist() -> None:
    text = (REPO / "docs" / "conventions.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^(\d+\.\d+) ", text, re.M))
    for kind in REGISTRIES:
        for rule in load_registry(kind):
            for cited in re.findall(r"conventions (\d+\.\d+)", rule.clause):
                assert cited in sections, f"{rule.id} cites conventions {cited}, which does not exist"
