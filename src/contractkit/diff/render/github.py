"""GitHub Actions workflow commands: one annotation per change, placed at its file and line in HEAD."""

from __future__ import annotations

from contractkit.diff.model import DiffReport
from contractkit.diff.render import operations_text

LEVEL = {"breaking": "error", "possibly-breaking": "warning", "non-breaking": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: DiffReport) -> str:
    lines = []
    for c in report.changes:
        props = [f"title={_prop(f'{c.id} {c.title}')}"]
        if c.location:
            name, line, col = c.location
            props = [f"file={_prop(name)}", f"line={line}", f"col={col}", *props]
        ops = operations_text(c.operations, limit=3)
        message = c.display + (f" [{ops}]" if ops else "")
        lines.append(f"::{LEVEL[c.classification]} {','.join(props)}::{_data(message)}")
    if report.gate:
        level = "notice" if report.gate.passed else "error"
        verdict = "holds" if report.gate.passed else "fails"
        lines.append(f"::{level} title=contractkit semver gate {verdict}::{_data(report.gate.reason)}")
    return "\n".join(lines) + ("\n" if lines else "")
