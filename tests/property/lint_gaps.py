"""What lint says of a generated spec: its exit, its output, and the rules OAS-056 warns will be not verified."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

GAP = re.compile(r"OAS-056 .*")  # a warning may name several declarations, each with its rules in parentheses
RULES = re.compile(r"\((NEU-[A-Z]+-\d{3}(?:, NEU-[A-Z]+-\d{3})*)\)")


def lint(path: Path) -> tuple[int, str, set[str]]:
    """``contractkit lint PATH`` in this process: (exit, output, rules warned not verified)."""
    from contractkit.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["lint", str(path)])
    text = out.getvalue()
    gaps = {rule for line in GAP.findall(text) for match in RULES.finditer(line) for rule in match.group(1).split(", ")}
    return code, text, gaps
