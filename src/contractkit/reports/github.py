"""GitHub Actions workflow commands (``::error file=...,line=...::message``): one annotation per finding.

Lint findings, diff changes and conformance failures all become annotations on a pull request;
the escaping rules of the runner (``%``, CR, LF in data; also ``:`` and ``,`` in properties) live
here so that every report gets them right.
"""

from __future__ import annotations

from collections.abc import Sequence

from contractkit.reports.finding import Finding

COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(level: str, message: str, *, title: str, file: str | None = None, line: int | None = None,
                     column: int | None = None) -> str:
    """One ``::level props::message`` line; ``level`` is error, warning or notice."""
    props = []
    if file is not None:
        props.append(f"file={escape_property(file)}")
        if line is not None:
            props.append(f"line={line}")
        if column is not None:
            props.append(f"col={column}")
    props.append(f"title={escape_property(title)}")
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def annotation(f: Finding) -> str:
    if f.tool == "lint":
        message = f"{f.message} [#{f.pointer}]"
    elif f.tool == "diff":
        message = f.message + (f" [{f.subject}]" if f.subject else "")
    else:
        message = (f"{f.subject}: " if f.subject else "") + f.message
    return workflow_command(COMMANDS.get(f.level, "warning"), message, title=f"{f.rule} {f.title}", file=f.file,
                            line=f.line, column=f.column)


def render_annotations(findings: Sequence[Finding], extra: Sequence[str] = ()) -> str:
    lines = [annotation(f) for f in findings] + list(extra)
    return "\n".join(lines) + ("\n" if lines else "")
