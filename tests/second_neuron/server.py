"""Serve the churn service on a free 127.0.0.1 port from a background thread, and stop it cleanly.

aiohttp's own runner (``AppRunner`` + ``TCPSite`` on port 0, so the OS picks a free port) runs in
an event loop owned by the thread; ``stop()`` cleans the runner up inside that loop, then stops it.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from aiohttp import web

from .app import create_app


class ChurnServer:
    """``with ChurnServer(client_id=..., client_secret=..., defect=None) as srv: srv.url``."""

    def __init__(self, **app_kwargs: Any) -> None:
        self.app_kwargs = app_kwargs
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, name="churn-service", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._start())
        except BaseException as exc:  # handed to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _start(self) -> None:
        self._runner = web.AppRunner(create_app(**self.app_kwargs), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    def start(self, timeout: float = 15.0) -> ChurnServer:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the churn service did not start")
        if self._error is not None:
            raise RuntimeError(f"the churn service did not start: {self._error!r}")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._runner is not None and self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)

    def __enter__(self) -> ChurnServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
