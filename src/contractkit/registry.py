"""One registry per kind of rule: lint rules, conformance checks, diff change kinds.

A rule is data (id, title, severity, the clause it enforces, its documentation) plus the function
that implements it. The lint report, the conformance report, the README tables, SARIF rule
metadata and the self-test matrix are all generated from these entries, so each fact about a
rule is written once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

Severity = Literal["error", "warning", "info"]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class RuleInfo:
    """What every rule, check and change kind says about itself."""

    id: str
    title: str
    severity: Severity
    clause: str
    doc: str = ""
    tags: tuple[str, ...] = ()
    func: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    applies: str = ""
    kind: str = ""  # how a live check concludes (refusal, fault, ...): what evidence its pass needs

    @property
    def location(self) -> str:
        """Where the rule's code is, as ``package/module.py:line`` (for ``contractkit rules ID``)."""
        code = getattr(self.func, "__code__", None)
        if code is None:
            return ""
        return f"src/{self.func.__module__.replace('.', '/')}.py:{code.co_firstlineno}"

    @property
    def summary(self) -> str:
        """First paragraph of the doc, for tables."""
        return self.doc.strip().split("\n\n", 1)[0].replace("\n", " ") if self.doc else self.title


class Registry(Generic[F]):
    """An ordered set of rules keyed by stable id; ``register`` is used as a decorator."""

    def __init__(self, kind: str, rule_kinds: dict[str, str] | None = None) -> None:
        self.kind = kind
        self.rule_kinds = rule_kinds
        self._rules: dict[str, RuleInfo] = {}

    def register(
        self,
        id: str,
        title: str,
        *,
        clause: str,
        severity: Severity = "error",
        tags: tuple[str, ...] = (),
        applies: str = "",
        kind: str = "",
    ) -> Callable[[F], F]:
        """Register the decorated function under ``id``; its docstring becomes the rule's doc.

        ``applies`` names what the rule is checked on, one test per subject (for the live checks:
        a selector of the target kind such as ``authenticated`` operations or ``tool``); empty
        means once per run, on the whole target. ``kind`` says how the rule concludes, one of the
        registry's ``rule_kinds`` when it has them (the live checks: the evidence a pass needs).
        """

        def decorate(func: F) -> F:
            self.add(
                RuleInfo(id, title, severity, clause, doc=func.__doc__ or "", tags=tags, func=func, applies=applies,
                         kind=kind)
            )
            return func

        return decorate

    def add(self, info: RuleInfo) -> RuleInfo:
        """Add a rule described as data (for rules that are not one function)."""
        if info.id in self._rules:
            raise ValueError(f"{self.kind}: duplicate rule id {info.id}")
        if self.rule_kinds is not None and info.kind not in self.rule_kinds:
            raise ValueError(f"{self.kind}: rule {info.id} declares kind {info.kind!r}, not one of "
                             f"{', '.join(self.rule_kinds)}")
        self._rules[info.id] = info
        return info

    def get(self, rule_id: str) -> RuleInfo:
        return self._rules[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[RuleInfo]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def select(self, only: list[str] | None = None, skip: list[str] | None = None) -> list[RuleInfo]:
        """Rules whose id matches one of ``only`` (all if empty) and none of ``skip``.

        Patterns match an id exactly or as a prefix ending in ``-`` or ``*`` (``NEU-AUTH-*``).
        """
        return [r for r in self if (not only or _matches_any(r.id, only)) and not _matches_any(r.id, skip)]


def _matches_any(rule_id: str, patterns: list[str] | None) -> bool:
    for pattern in patterns or ():
        stem = pattern.rstrip("*")
        if rule_id == pattern or (pattern != stem and rule_id.startswith(stem)):
            return True
    return False
