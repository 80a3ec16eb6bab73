"""Which subjects a run checks: the ``--operation`` / ``--path`` / ``--method`` / ``--tool`` filters.

Filters narrow the subjects the plugin generates cases for (operations, streams, tools). A rule
whose subjects are all filtered out, or that runs once on the whole target, is not run; it is
reported as not verified with the filter as the reason, so a narrowed run never looks like a
full pass. A filter that matches nothing in the spec is a usage error (exit 2): it is almost
always a typo, and running zero cases would look like success.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from contractkit.conformance.options import VerifyOptions
from contractkit.errors import ConfigError

# The selectors that, together, enumerate every subject of a kind (for checking the filters).
ALL_SUBJECTS: dict[str, tuple[str, ...]] = {"neuron": ("operation", "turns"), "mcp": ("tool",)}


def describe(options: VerifyOptions) -> str:
    """The filters as the user typed them, for reasons and the plan."""
    parts = [f"--operation {v}" for v in options.operations] + [f"--path {v}" for v in options.paths]
    parts += [f"--method {v}" for v in options.methods] + [f"--tool {v}" for v in options.tools]
    return " ".join(parts)


def selected(subject: Any, options: VerifyOptions) -> bool:
    """Whether ``subject`` passes every filter given (each filter: any of its patterns)."""
    if options.operations and not _any(options.operations, getattr(subject, "operation_id", None),
                                       getattr(subject, "label", None)):
        return False
    if options.paths and not _any(options.paths, getattr(subject, "path", None)):
        return False
    if options.methods and str(getattr(subject, "method", "")).upper() not in options.methods:
        return False
    return not (options.tools and not _any(options.tools, getattr(subject, "name", None)))


def within(subjects: list[Any], options: VerifyOptions) -> list[Any]:
    """The subjects a run may send requests to: with a filter, only the selected ones. Work a rule
    does on operations other than its own subject (the fault matrix, a burst, a probe) asks here, so
    that ``--operation`` bounds every request the run sends."""
    return [s for s in subjects if selected(s, options)]


def subject_value(operation: Any, options: VerifyOptions) -> str | None:
    """The entity ``--subject OPERATION=VALUE`` names for ``operation`` (the first pattern that
    matches its operationId or label), else ``--customer-id``, else None."""
    for pattern, value in options.subjects:
        if _any([pattern], getattr(operation, "operation_id", None), getattr(operation, "label", None)):
            return value
    return options.customer_id


def check_subjects(subjects: list[Any], options: VerifyOptions) -> None:
    """Every ``--subject`` pattern names an operation with a subject, else ``ConfigError``."""
    about = [s for s in subjects if getattr(s, "subject", None) is not None and hasattr(s, "operation_id")]
    for pattern, _ in options.subjects:
        if not any(_any([pattern], s.operation_id, s.label) for s in about):
            known = sorted({str(s.label) for s in about})
            hint = ", ".join(known[:8]) + (" ..." if len(known) > 8 else "")
            raise ConfigError(f"--subject {pattern!r} matches no operation about an entity "
                              f"(x-ai-operation.subject) in the spec (known: {hint or 'none'})")


def check_rules(kind: Any, options: VerifyOptions) -> None:
    """Every ``--rule`` / ``--skip`` pattern names at least one rule of the kind, else ``ConfigError``."""
    for pattern in options.rules + options.skip:
        if not kind.registry.select([pattern]):
            raise ConfigError(f"no {options.kind} rule matches {pattern!r} (ids or prefixes such as "
                              f"{options.kind.upper()[:3]}-AUTH-*; see `contractkit rules {options.kind}`)")
    if not kind.registry.select(options.rules or None, options.skip or None):
        raise ConfigError("no rule is left after --rule / --skip")


def check_filters(kind: Any, options: VerifyOptions) -> None:
    """Every pattern matches at least one subject of the spec, else ``ConfigError``; reading the
    subjects also reads the spec, so an unusable spec fails here, before any case runs."""
    if options.kind is None:
        return
    subjects = [s for selector in ALL_SUBJECTS[options.kind] for s in kind.subjects(selector, options)]
    check_subjects(subjects, options)
    if not options.filtered:
        return
    groups = (("--operation", options.operations, lambda s: (getattr(s, "operation_id", None),
                                                               getattr(s, "label", None))),
              ("--path", options.paths, lambda s: (getattr(s, "path", None),)),
              ("--tool", options.tools, lambda s: (getattr(s, "name", None),)))
    for flag, patterns, names in groups:
        for pattern in patterns:
            if not any(_any([pattern], *names(s)) for s in subjects):
                known = sorted({str(n) for s in subjects for n in names(s)[:1] if n})
                hint = ", ".join(known[:8]) + (" ..." if len(known) > 8 else "")
                raise ConfigError(f"{flag} {pattern!r} matches nothing in the spec (known: {hint or 'none'})")
    for method in options.methods:
        if not any(str(getattr(s, "method", "")).upper() == method for s in subjects):
            raise ConfigError(f"--method {method} matches no operation of the spec")
    if not any(selected(s, options) for s in subjects):
        raise ConfigError(f"no subject of the spec passes all of {describe(options)}")


def _any(patterns: list[str], *names: Any) -> bool:
    return any(name is not None and fnmatchcase(str(name), p) for p in patterns for name in names)
