"""Helpers for lint tests: broken copies of the bundled specs, made by one text edit each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from contractkit.lint.runner import LintReport, lint_paths

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lint"


@dataclass(frozen=True)
class Edit:
    """Replace the first ``old`` found after ``anchor`` by ``new``."""

    old: str
    new: str
    anchor: str = ""

    def apply(self, text: str) -> str:
        start = text.index(self.anchor) if self.anchor else 0
        at = text.index(self.old, start)
        return text[:at] + self.new + text[at + len(self.old) :]


def broken_copy(source: Path, folder: Path, *edits: Edit) -> Path:
    text = source.read_text(encoding="utf-8")
    for edit in edits:
        text = edit.apply(text)
    target = folder / source.name
    target.write_text(text, encoding="utf-8")
    return target


def lint(path: Path, rules: list[str] | None = None) -> LintReport:
    return lint_paths([path], only=rules)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
