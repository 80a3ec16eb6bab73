"""``contractkit diff``: read both sides, compare, judge the version bump, write the report(s).

Exit codes: 0 the gate holds, 1 it fails, 2 an input could not be read (one line, no traceback:
the CLI maps the ``InputError`` raised below).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from contractkit.diff.model import DiffReport, SpecSide
from contractkit.errors import EXIT_FINDINGS, EXIT_OK, ConfigError


def build_report(args: argparse.Namespace) -> DiffReport:
    from contractkit.diff.engine import diff_documents, spec_version
    from contractkit.diff.semver import gate
    from contractkit.diff.sources import DEFAULT_MAX_DEPTH, MAX_MAX_DEPTH, depth_allowed, load_side, merge_base_side

    max_depth = getattr(args, "max_depth", None) or DEFAULT_MAX_DEPTH
    if not 1 <= max_depth <= MAX_MAX_DEPTH:
        raise ConfigError(f"--max-depth must be between 1 and {MAX_MAX_DEPTH}, not {max_depth}")
    policy = _policy(args)
    if args.head is None:
        head, head_files = load_side(args.base, max_depth)
        found = merge_base_side(args.base, args.main_branch, max_depth)
        if found is None:
            version = spec_version(head.data, head.kind or "openapi")
            report = DiffReport(head.kind or "openapi", SpecSide("(none)", None), SpecSide(head.name, version), [])  # type: ignore[arg-type]
            report.notes.append(f"{head.name} does not exist at the merge base with {args.main_branch}: a new spec")
            report.gate = gate([], None, version, args.fail_on)
            return report
        base, base_files = found
    else:
        base, base_files = load_side(args.base, max_depth)
        head, head_files = load_side(args.head, max_depth)
    with depth_allowed(max_depth):  # locating changes walks the text as deep as it nests
        report = diff_documents(base, head, base_files, head_files, policy)
    report.gate = gate(report.changes, report.base.version, report.head.version, args.fail_on)
    return report


def _policy(args: argparse.Namespace) -> Any:
    """The deprecation policy asked for: a file (``--policy-file``), all rules (``--deprecation-policy``), or none."""
    if not (getattr(args, "policy_file", None) or getattr(args, "deprecation_policy", False)):
        return None
    from contractkit.diff.policy import Policy

    return Policy.from_file(args.policy_file) if getattr(args, "policy_file", None) else Policy()


def _write(text: str, target: str | None) -> None:
    if target in (None, "-"):
        sys.stdout.write(text)
        return
    try:
        Path(target).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None


def run_diff(args: argparse.Namespace) -> int:
    from contractkit.diff.changelog import changelog_entry
    from contractkit.reports import diff_renderer as renderer

    extra: list[tuple[str, str]] = []
    for item in getattr(args, "report", None) or ():
        fmt, sep, target = item.partition("=")
        if not sep or fmt not in ("text", "markdown", "json", "github", "changelog") or not target:
            raise ConfigError(f"--report expects FORMAT=FILE with FORMAT text, markdown, json, github or changelog, "
                              f"not {item!r}")
        extra.append((fmt, target))
    report = build_report(args)
    main = changelog_entry(report) if args.changelog else renderer(args.format)(report)
    _write(main, args.output)
    for fmt, target in extra:
        _write(changelog_entry(report) if fmt == "changelog" else renderer(fmt)(report), target)
    return EXIT_OK if report.gate is None or report.gate.passed else EXIT_FINDINGS
