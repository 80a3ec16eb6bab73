"""Run the lint rules over files and folders: discovery, loading, rules, silencing, locating."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from contractkit.errors import ContractkitError, InputError, NotASpecError, SpecReadError
from contractkit.lint.context import LintContext
from contractkit.lint.ignore import IgnoreList, inline_ignored
from contractkit.lint.registry import LINT_RULES, Finding, Hit
from contractkit.lint.speedups import light_validator_settings
from contractkit.loading import Document, load_document
from contractkit.registry import RuleInfo

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass
class LintReport:
    """Everything a renderer needs: findings, what was checked, what could not be read."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    errors: list[ContractkitError] = field(default_factory=list)
    rules: list[RuleInfo] = field(default_factory=list)
    silenced: int = 0

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.count("error") else 0


def discover(paths: Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """(file, named explicitly) for each spec file under ``paths``; folders are searched recursively."""
    found: list[tuple[Path, bool]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
                for name in sorted(files):
                    if name.endswith(SPEC_SUFFIXES) and not name.startswith("."):
                        found.append((Path(root) / name, False))
        elif path.exists():
            found.append((path, True))
        else:
            raise SpecReadError("no such file or folder", location=str(path))
    return found


def select_rules(only: list[str] | None = None, skip: list[str] | None = None) -> list[RuleInfo]:
    rules = LINT_RULES.select(only, skip)
    if only and not rules:
        from contractkit.errors import ConfigError

        raise ConfigError(f"no lint rule matches {', '.join(only)} (see `contractkit rules lint`)")
    return rules


def lint_document(
    document: Document, rules: list[RuleInfo], ignores: IgnoreList | None = None, *, parallel: bool = False
) -> tuple[list[Finding], int]:
    """Findings of ``rules`` on one loaded document (and the count of silenced ones).

    ``parallel`` runs openapi-spec-validator in a forked child meanwhile (the CLI sets it).
    """
    light_validator_settings()
    ctx = LintContext(document)
    if parallel and document.kind == "openapi" and any(r.id == "OAS-001" for r in rules):
        from contractkit.lint.parallel import can_fork
        from contractkit.lint.rules.openapi_structure import start_prefetch

        if can_fork():
            start_prefetch(ctx)
            # Collect the child's verdict last, so the house rules run while it validates.
            rules = sorted(rules, key=lambda r: r.id == "OAS-001")
    findings: list[Finding] = []
    silenced = 0
    seen: set[tuple[str, str, str, str]] = set()
    for rule in rules:
        if document.kind not in rule.tags or rule.func is None:
            continue
        for hit in _run_rule(rule, ctx):
            target = hit.document or document
            key = (rule.id, target.name, hit.pointer, hit.message)
            if key in seen:
                continue
            seen.add(key)
            if inline_ignored(target, hit.pointer, rule.id) or (
                ignores is not None and ignores.matches(rule.id, target.path, hit.pointer)
            ):
                silenced += 1
                continue
            line, column = target.locate(hit.pointer)
            findings.append(Finding(rule.id, rule.severity, hit.message, target.name, line, column, hit.pointer or ""))
    return findings, silenced


def _run_rule(rule: RuleInfo, ctx: LintContext) -> list[Hit]:
    try:
        return list(rule.func(ctx))  # type: ignore[misc]
    except RecursionError:
        return [Hit("", "the rule could not finish: the document nests or loops too deeply")]
    except ContractkitError as exc:
        return [Hit("", exc.one_line())]
    except Exception as exc:
        if os.environ.get("CONTRACTKIT_DEBUG"):
            raise
        return [Hit("", f"internal error in this rule ({type(exc).__name__}: {exc}); please report it")]


@dataclass
class FileResult:
    """What linting one discovered file gave: a document's findings, an error, or a quiet skip."""

    name: str | None = None
    findings: list[Finding] = field(default_factory=list)
    silenced: int = 0
    error: ContractkitError | None = None


def lint_file(
    path: Path, explicit: bool, rules: list[RuleInfo], ignores: IgnoreList | None, *, parallel: bool = False
) -> FileResult:
    """Load and lint one file. A non-spec found in a folder is skipped, not an error."""
    try:
        document = load_document(path)
    except NotASpecError as exc:
        # a folder may hold schemas and shared fragments: not specs, not errors
        return FileResult(error=exc) if explicit else FileResult()
    except InputError as exc:
        return FileResult(error=exc)
    findings, silenced = lint_document(document, rules, ignores, parallel=parallel)
    return FileResult(document.name, findings, silenced)


def lint_paths(
    paths: Iterable[str | Path],
    *,
    only: list[str] | None = None,
    skip: list[str] | None = None,
    ignores: IgnoreList | None = None,
    parallel: bool = False,
) -> LintReport:
    """Lint every spec under ``paths``. Unreadable inputs are collected in ``report.errors``.

    ``parallel`` (the CLI sets it) lints several files on several cores when there are any; the
    report is the same, in the same order, as a sequential run's.
    """
    report = LintReport(rules=select_rules(only, skip))
    found = discover(paths)
    results = None
    if parallel and len(found) > 1:
        from contractkit.lint.pool import lint_files_in_parallel

        results = lint_files_in_parallel(found, report.rules, ignores)
    if results is None:
        results = (lint_file(path, explicit, report.rules, ignores, parallel=parallel) for path, explicit in found)
    for result in results:
        if result.error is not None:
            report.errors.append(result.error)
        elif result.name is not None:
            report.files.append(result.name)
            report.findings.extend(result.findings)
            report.silenced += result.silenced
    report.findings.sort(key=lambda f: (f.file, f.line, f.column, SEVERITY_ORDER.get(f.severity, 3), f.rule))
    return report
