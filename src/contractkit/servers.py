"""Run ASGI apps on free loopback ports in background threads, and stop them cleanly.

Used by ``contractkit serve stack``, ``contractkit demo``, the self-test and the project's own
tests: every server binds 127.0.0.1 on a port the OS picked, so runs never collide.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class BackgroundServer:
    """A uvicorn server in a daemon thread; ``url`` is valid once ``start()`` returns."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int | None = None, **uvicorn_kw: Any):
        import uvicorn

        self.host = host
        self.port = port or free_port(host)
        config = uvicorn.Config(
            app, host=host, port=self.port, log_level="warning", lifespan="on", **uvicorn_kw
        )
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.run, name=f"uvicorn:{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on {self.url} did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def serving(app: Any, **kw: Any) -> Iterator[BackgroundServer]:
    """``with serving(app) as srv: httpx.get(srv.url + "/health")``."""
    server = BackgroundServer(app, **kw).start()
    try:
        yield server
    finally:
        server.stop()
