"""The lint rule registry and the shapes a rule works with.

A rule is a function ``rule(ctx: LintContext) -> Iterable[Hit]`` registered in ``LINT_RULES`` with
a stable id, a title, a severity, the clause it enforces and its docstring (What it does / Why /
Example). ``tags`` names the document kind it applies to: ``("openapi",)`` or ``("mcp-servers",)``.
The rules live in ``contractkit.lint.rules``; importing that package registers them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from contractkit.registry import Registry, Severity

if TYPE_CHECKING:
    from contractkit.lint.context import LintContext
    from contractkit.loading import Document

LINT_RULES: Registry = Registry("lint")

#: The inline extension that silences findings on a node and everything under it.
IGNORE_KEY = "x-contractkit-ignore"


@dataclass(frozen=True)
class Hit:
    """What a rule yields: where (a JSON pointer, in ``document`` or the linted one) and what."""

    pointer: str
    message: str
    document: Document | None = None


@dataclass(frozen=True)
class Finding:
    """A located, reportable finding."""

    rule: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int
    pointer: str

    @property
    def title(self) -> str:
        return LINT_RULES.get(self.rule).title if self.rule in LINT_RULES else self.rule


RuleFunc = Callable[["LintContext"], Iterable[Hit]]
F = TypeVar("F", bound=Callable[..., Any])


def documented(doc: str) -> Callable[[F], F]:
    """Give a rule a shared docstring (for rules registered for both document kinds)."""

    def attach(func: F) -> F:
        func.__doc__ = doc
        return func

    return attach


# Importing the rule modules registers them; they import only the stdlib at top level, so
# `contractkit rules` lists them without paying for jsonschema or openapi-spec-validator.
from contractkit.lint import rules as _rules  # noqa: E402

__all__ = ["IGNORE_KEY", "LINT_RULES", "Finding", "Hit", "RuleFunc", "_rules", "documented"]
