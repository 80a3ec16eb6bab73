"""Lint many files on several cores, reporting exactly what a sequential run reports.

``contractkit lint specs/ other/ *.yaml`` in a pre-commit hook or on a pull request often names
dozens of specs. Each file is linted on its own (parse, rules, locating), so files are spread over
forked worker processes, which inherit the loaded rules and ignore lists and send back picklable
``FileResult``s. Results are collected in the order the files were discovered, so the report, its
errors and the exit code do not depend on which worker finished first.

Used only where forking is safe and useful: more than one CPU usable by this process, more than
one file, a single-threaded parent, and no ``CONTRACTKIT_NO_FORK``. Otherwise (and if the pool
cannot start) the caller lints sequentially.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contractkit.lint.ignore import IgnoreList
    from contractkit.lint.runner import FileResult
    from contractkit.registry import RuleInfo

#: What forked workers read: set in the parent just before the pool forks.
_JOB: tuple[list[tuple[Path, bool]], list[RuleInfo], IgnoreList | None] | None = None


def _lint_one(index: int) -> FileResult:
    from contractkit.lint.runner import lint_file

    assert _JOB is not None
    files, rules, ignores = _JOB
    path, explicit = files[index]
    return lint_file(path, explicit, rules, ignores)


def lint_files_in_parallel(
    files: list[tuple[Path, bool]], rules: list[RuleInfo], ignores: IgnoreList | None
) -> list[FileResult] | None:
    """Each file's result, in ``files`` order; None where a pool is not worth it or cannot start."""
    from contractkit.lint.parallel import can_fork, usable_cpus

    workers = min(usable_cpus(), len(files))
    if workers < 2 or not can_fork():
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _JOB
    _JOB = (files, rules, ignores)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_lint_one, range(len(files))))
    except (BrokenProcessPool, OSError):
        return None  # a worker died (out of memory?): the caller lints sequentially
    finally:
        _JOB = None
