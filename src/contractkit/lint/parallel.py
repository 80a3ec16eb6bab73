"""Run openapi-spec-validator in a forked child while the house rules run in the parent.

The validator (and its import of pydantic, requests and jsonschema-path) is more than half of a
lint's time, and shares nothing with the house rules. On a machine with a free core, forking it
after the document is parsed makes a lint take about as long as the slower half instead of the
sum: the child inherits the parsed document (copy-on-write, nothing to re-parse) and sends back
its findings as JSON through a pipe. Used by the CLI only (never inside a test process with
threads), and only where ``os.fork`` exists and there is more than one CPU. If anything goes
wrong in the child, the parent simply validates inline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable


def usable_cpus() -> int:
    """CPUs this process may run on (``taskset`` and cgroup CPU sets shrink it), not all the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Fork only a single-threaded process (a thread holding the import lock would hang the child)."""
    import threading

    return (
        hasattr(os, "fork")
        and usable_cpus() > 1
        and threading.active_count() == 1
        and not os.environ.get("CONTRACTKIT_NO_FORK")
    )


def timeout_s() -> float:
    """How long the child may validate (generous: the 4 MB Stripe description takes a few seconds)."""
    try:
        return float(os.environ.get("CONTRACTKIT_VALIDATOR_TIMEOUT", "120"))
    except ValueError:
        return 120.0


class Prefetch:
    """A computation of ``[(pointer, message), ...]`` running in a forked child."""

    def __init__(self, compute: Callable[[], list[tuple[str, str]]]) -> None:
        self._pid = 0
        self._read = -1
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: compute, send, and leave without running any parent cleanup
            os.close(read)
            try:
                payload = json.dumps(compute()).encode("utf-8")
            except BaseException:
                payload = b""
            try:
                view = memoryview(payload)
                while view:
                    view = view[os.write(write, view) :]
            finally:
                os._exit(0)
        os.close(write)
        self._pid, self._read = pid, read

    def result(self) -> list[tuple[str, str]] | None:
        """The child's findings, or None if it could not deliver them (the caller then computes)."""
        if not self._pid:
            return None
        import select
        import signal
        import time

        chunks = []
        deadline = time.monotonic() + timeout_s()
        try:
            while True:
                remaining = deadline - time.monotonic()
                ready = select.select([self._read], [], [], max(remaining, 0))[0] if remaining > 0 else []
                if not ready:
                    os.kill(self._pid, signal.SIGKILL)
                    return [
                        (
                            "",
                            f"openapi-spec-validator did not finish within {timeout_s():g} s "
                            "(CONTRACTKIT_VALIDATOR_TIMEOUT); structural errors are not reported",
                        )
                    ]
                chunk = os.read(self._read, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(self._read)
            os.waitpid(self._pid, 0)
            self._pid = 0
        try:
            data = json.loads(b"".join(chunks).decode("utf-8"))
            return [(str(p), str(m)) for p, m in data]
        except (ValueError, TypeError):
            return None
