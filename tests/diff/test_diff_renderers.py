"""Renderers: escaping for GitHub workflow commands, the PR-comment size cap, the changelog's sections."""

from __future__ import annotations

import datetime as dt

from contractkit.diff.changelog import changelog_entry
from contractkit.diff.model import Change, DiffReport, SpecSide
from contractkit.diff.semver import gate
from contractkit.reports import diff_renderer as renderer
from contractkit.reports.markdown import MAX_ROWS


def report_of(*changes: Change) -> DiffReport:
    report = DiffReport("openapi", SpecSide("a.yaml", "1.0.0", "API"), SpecSide("b.yaml", "1.1.0", "API"),
                        list(changes))
    report.gate = gate(report.changes, "1.0.0", "1.1.0", "breaking")
    return report


def test_github_annotations_escape_what_would_break_the_command() -> None:
    change = Change("OAS-OP-REMOVED", "operation `GET /a,b` removed: 100%\nreally", "/paths/~1a/get",
                    location=("dir,x/b:c.yaml", 12, 3), operations={"GET /a,b"})
    line = renderer("github")(report_of(change)).splitlines()[0]
    assert line.startswith("::error file=dir%2Cx/b%3Ac.yaml,line=12,col=3,title=OAS-OP-REMOVED operation removed::")
    assert "100%25%0Areally" in line and "\n" not in line


def test_markdown_caps_rows_and_counts_the_rest() -> None:
    many = [Change("OAS-PATH-ADDED", f"path `/p{i}` added", f"/paths/~1p{i}") for i in range(MAX_ROWS + 7)]
    text = renderer("markdown")(report_of(*many))
    assert text.count("| `OAS-PATH-ADDED` | path") == MAX_ROWS
    assert "7 more (see the JSON report)" in text and "<details>" in text


def test_changelog_sections() -> None:
    entry = changelog_entry(report_of(
        Change("OAS-OP-REMOVED", "operation `GET /a` removed", "/paths/~1a/get", operations={"GET /a"}),
        Change("OAS-OP-DEPRECATED", "operation marked deprecated", "/paths/~1b/get", operations={"GET /b"}),
        Change("OAS-PATH-ADDED", "path `/c` added", "/paths/~1c", operations={"GET /c"}),
        Change("OAS-REQ-BOUND-LOOSENED", "maxLength 5 -> 10", "/components/schemas/A/maxLength",
               direction="request", operations={"POST /d", "POST /e"}),
    ), today=dt.date(2026, 11, 25))
    assert entry.startswith("## API 1.1.0 (2026-11-25)")
    assert "Needs a major version bump (from 1.0.0)." in entry
    sections = [line for line in entry.splitlines() if line.startswith("### ")]
    assert sections == ["### Breaking", "### Deprecated", "### Added", "### Changed"]
    assert "- `POST /d` and 1 more: A: maxLength 5 -> 10 (`OAS-REQ-BOUND-LOOSENED`)" in entry
