"""The semver gate: which version bump the changes need, and whether HEAD's version makes it.

Breaking changes need a major bump (below 1.0.0, where SemVer §4 allows anything, a minor bump
suffices); every other interface change (an addition, a relaxation, a deprecation) needs a minor
bump. ``--fail-on`` says which classes of change fail the gate when the bump does not cover them:
``breaking`` (the default), ``possibly-breaking`` (those need a major bump too), ``non-breaking``
(every change must be covered, additions included) or ``none`` (report only).
"""

from __future__ import annotations

import re

from contractkit.diff.model import CLASSIFICATIONS, Change, Gate

FAIL_ON = ("breaking", "possibly-breaking", "non-breaking", "none")
_SEMVER = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_RANK = {"none": 0, "patch": 1, "minor": 2, "major": 3}


def parse(version: str | None) -> tuple[int, int, int] | None:
    match = _SEMVER.match(version.strip()) if isinstance(version, str) else None
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def bump_between(base: str | None, head: str | None) -> str:
    """``major``, ``minor``, ``patch``, ``none``, ``downgrade`` or ``unknown`` (not semver)."""
    b, h = parse(base), parse(head)
    if b is None or h is None:
        return "unknown"
    if h < b:
        return "downgrade"
    if h[0] != b[0]:
        return "major"
    if h[1] != b[1]:
        return "minor"
    if h[2] != b[2]:
        return "patch"
    return "none"


def required_bump(changes: list[Change], base_version: str | None, fail_on: str) -> str:
    """The bump the changes need, counting possibly-breaking ones as breaking under that threshold."""
    classes = {c.classification for c in changes}
    if not classes:
        return "none"
    major_classes = {"breaking", "possibly-breaking"} if fail_on == "possibly-breaking" else {"breaking"}
    if classes & major_classes:
        b = parse(base_version)
        return "minor" if b is not None and b[0] == 0 else "major"
    return "minor"


def gate(changes: list[Change], base_version: str | None, head_version: str | None, fail_on: str) -> Gate:
    actual = bump_between(base_version, head_version)
    if fail_on == "none":
        needed = required_bump(changes, base_version, "breaking")
        return Gate(fail_on, needed, actual, True, "--fail-on none: report only")
    gated = [c for c in changes if CLASSIFICATIONS.index(c.classification) <= CLASSIFICATIONS.index(fail_on)]  # type: ignore[arg-type]
    needed = required_bump(gated, base_version, fail_on)
    overall = required_bump(changes, base_version, fail_on)
    if needed == "none":
        return Gate(fail_on, overall, actual, True, f"no {fail_on} changes")
    counts = ", ".join(f"{sum(1 for c in gated if c.classification == k)} {k}" for k in CLASSIFICATIONS
                       if any(c.classification == k for c in gated))
    if actual == "unknown":
        return Gate(fail_on, overall, actual, False,
                    f"{counts} change(s) need a {needed} bump, but the versions "
                    f"({base_version!r} -> {head_version!r}) are not semver")
    if actual == "downgrade":
        return Gate(fail_on, overall, actual, False,
                    f"{counts} change(s) need a {needed} bump, but the version went down "
                    f"({base_version} -> {head_version})")
    if _RANK[actual] >= _RANK[needed]:
        return Gate(fail_on, overall, actual, True,
                    f"{counts} change(s) need a {needed} bump; {base_version} -> {head_version} is a {actual} bump")
    return Gate(fail_on, overall, actual, False,
                f"{counts} change(s) need a {needed} bump; {base_version} -> {head_version} is "
                + ("no bump" if actual == "none" else f"only a {actual} bump"))
