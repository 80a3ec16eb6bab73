"""One renderer per output format, all fed the same LintReport: ``render(report) -> str``."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from contractkit.lint.runner import LintReport

FORMATS = ("text", "json", "sarif", "junit", "github")
_MODULES = {"text": "text", "json": "json_report", "sarif": "sarif", "junit": "junit", "github": "github"}


def renderer(name: str) -> Callable[[LintReport], str]:
    module = importlib.import_module(f"contractkit.lint.formats.{_MODULES[name]}")
    return module.render
