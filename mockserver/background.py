"""Run a mock in a background thread, for tests that want a real URL (pytest plugin, suites).

The server gets its own event loop, so synchronous test code (requests, Hypothesis, the
official client) can talk to it over a real socket on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from aiohttp import web

from mockserver.app import create_app
from mockserver.config import Settings
from mockserver.serving import make_runner

_START_TIMEOUT_S = 10.0


class BackgroundServer:
    """``with BackgroundServer(Settings(count=0)) as server: requests.get(server.url + ...)``."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings(port=0)
        self.app = create_app(self.settings)
        self._loop = asyncio.new_event_loop()
        self._runner = make_runner(self.app)
        self._thread = threading.Thread(target=self._loop.run_forever, name="mockserver", daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port = future.result(timeout=_START_TIMEOUT_S)
        return self

    async def _start(self) -> int:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        await site.start()
        port: int = self._runner.addresses[0][1]
        return port

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=_START_TIMEOUT_S)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=_START_TIMEOUT_S)
        self._loop.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
