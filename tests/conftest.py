"""Shared fixtures: the real app behind a real socket on 127.0.0.1 (aiohttp's test server, serving as the CLI does)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import BaseRunner

import specs
from mockserver import Settings, create_app
from mockserver.serving import MockRunner

AUTH = {"Authorization": "Bearer test-key", "X-Namespace": "test-ns"}
# Every contract the specs hold: the seed's, the seed's with 2026's interaction types, and 2026-11.
EDITIONS = (specs.SEED, specs.edition(upstream_enums=True), *map(specs.edition, specs.API_VERSIONS[1:]))

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


class ServedTestServer(TestServer):
    """aiohttp's test server, serving the app as the CLI does: with the direct routes (mockserver/serving.py)."""

    async def _make_runner(self, **kwargs: Any) -> BaseRunner:
        return MockRunner(self.app, **kwargs)


@pytest.fixture
def make_client(aiohttp_client: Any) -> ClientFactory:
    """Start a mock with the given Settings fields (``count`` defaults to 0: an empty store)."""

    async def start(**overrides: Any) -> TestClient[Any, Any]:
        overrides.setdefault("count", 0)
        client: TestClient[Any, Any] = await aiohttp_client(ServedTestServer(create_app(Settings(**overrides))))
        return client

    return start


@pytest.fixture
async def client(make_client: ClientFactory) -> TestClient[Any, Any]:
    """An empty mock that accepts any token."""
    return await make_client()


class RunningCli:
    """A ``mockserver`` console-script process and the URL its banner announced."""

    def __init__(self, process: subprocess.Popen[str], url: str, banner: list[str]) -> None:
        self.process = process
        self.url = url
        self.banner = banner

    def stop(self) -> tuple[int, str]:
        """SIGTERM, then the exit code and whatever else it wrote to stderr."""
        self.process.send_signal(signal.SIGTERM)
        _, rest = self.process.communicate(timeout=10)
        return self.process.returncode, rest


def start_cli(*args: str, env: dict[str, str] | None = None) -> RunningCli:
    """Start the console script on a free port (unless told otherwise) and wait for its banner."""
    command = [shutil.which("mockserver") or "mockserver", *args]
    if "--port" not in args and not (env and "MOCKSERVER_PORT" in env):
        command += ["--port", "0"]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stderr is not None
    banner: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        banner.append(line.rstrip("\n"))
        if "press Ctrl+C to stop" in line:
            url = re.search(r"listening on (http://\S+)", "\n".join(banner))
            assert url, banner
            return RunningCli(process, url.group(1), banner)
    process.kill()
    raise AssertionError(f"mockserver did not start: {banner}")


@pytest.fixture
def cli() -> Iterator[Callable[..., RunningCli]]:
    """Start ``mockserver`` processes; any still running at the end are killed."""
    started: list[RunningCli] = []

    def start(*args: str, env: dict[str, str] | None = None) -> RunningCli:
        running = start_cli(*args, env=env)
        started.append(running)
        return running

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait(timeout=10)
