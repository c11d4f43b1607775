"""The direct routes (mockserver/serving.py) answer every request exactly as the app's own routing does."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver import Settings, create_app
from mockserver.serving import DirectRoutes, make_runner
from tests.conftest import AUTH, ClientFactory

API = "/v1/retrievers/interactions"
SEEDED = Settings(count=5, seed=11)


class TwoWays:
    """The same seeded mock twice on one loop: served by aiohttp's AppRunner, and by make_runner."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._runners = [web.AppRunner(create_app(SEEDED)), make_runner(create_app(SEEDED))]
        self.ports: list[int] = []

    async def _start(self, runner: web.BaseRunner) -> int:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port: int = runner.addresses[0][1]
        return port

    def start(self) -> None:
        self._thread.start()
        self.ports = [asyncio.run_coroutine_threadsafe(self._start(r), self.loop).result(30) for r in self._runners]

    def stop(self) -> None:
        for runner in self._runners:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def two_ways() -> Iterator[TwoWays]:
    servers = TwoWays()
    servers.start()
    yield servers
    servers.stop()


def exchange(port: int, method: str, target: str, body: bytes | None) -> tuple[int, str | None, Any]:
    """Status, Allow and body of one request sent exactly as written (no client-side quoting).

    The served spec names the server it came from, and the admin API tells times: those are
    left out of the comparison.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {**AUTH, "Content-Type": "application/json"}
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read().replace(f"127.0.0.1:{port}".encode(), b"HOST")
        return response.status, response.getheader("Allow"), _timeless(json.loads(raw)) if raw else None
    finally:
        connection.close()


_CLOCK_READINGS = frozenset({"at", "time", "latency_ms", "held_ms", "slow", "uptime_s"})


def _timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _timeless(item) for key, item in value.items() if key not in _CLOCK_READINGS}
    if isinstance(value, list):
        return [_timeless(item) for item in value]
    return value


def seeded_ids(port: int) -> list[str]:
    _, _, page = exchange(port, "POST", f"{API}/list?limit=5", b"{}")
    return [record["interaction_id"] for record in page["results"]]


SEGMENTS = st.sampled_from(
    ["list", "batch", "interactions", "x", "", ".", "..", "{id}", "a}", "%41", "%2F", "abc%20d", "SEEDED"]
)
PREFIXES = st.sampled_from([API, "/v1/retrievers", "/v1", "/openapi.json", "/_mock/journal", "/_mock", ""])
METHODS = st.sampled_from(["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=METHODS,
    prefix=PREFIXES,
    segments=st.lists(SEGMENTS, max_size=2),
    query=st.sampled_from(["", "?limit=2", "?limit=-1", "?x=%41"]),
)
def test_direct_routes_answer_as_the_app_does(
    two_ways: TwoWays, method: str, prefix: str, segments: list[str], query: str
) -> None:
    ids = seeded_ids(two_ways.ports[0])
    assert ids == seeded_ids(two_ways.ports[1])  # the same seed: the same records
    seeded = ids[len(prefix) % len(ids)] if ids else "all-deleted"  # DELETE examples delete them, on both
    path = "/".join([prefix, *(seeded if s == "SEEDED" else s for s in segments)]) or "/"
    body = b"{}" if method in ("POST", "PUT", "PATCH") else None
    plain, direct = (exchange(port, method, path + query, body) for port in two_ways.ports)
    assert direct == plain, (method, path + query)


async def test_a_request_expecting_100_continue_is_answered(make_client: ClientFactory) -> None:
    client: TestClient[Any, Any] = await make_client()
    body = {"feature_id": "doc_1", "interaction_type": ["click"], "position": 0}
    response = await client.post(API, json=body, headers=AUTH, expect100=True)
    assert response.status == 200
    created = await response.json()
    assert (await client.get(f"{API}/{created['interaction_id']}", headers=AUTH)).status == 200


class Fallback:
    """Stands for the app's own handler, and counts the requests it is handed."""

    def __init__(self) -> None:
        self.handed: list[str] = []

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        self.handed.append(request.raw_path)
        return web.Response(status=599)


@pytest.mark.parametrize(
    ("method", "target", "headers", "direct"),
    [
        ("GET", f"{API}/abc", {}, True),
        ("DELETE", f"{API}/abc", {}, True),
        ("GET", "/openapi.json", {}, True),
        ("GET", f"{API}/ab%63", {}, False),
        ("GET", f"{API}/a{{b}}", {}, False),
        ("GET", f"{API}/abc", {"Expect": "100-continue"}, False),
        ("GET", "/_mock/journal", {}, False),
        ("GET", f"{API}/abc/def", {}, False),
        ("POST", f"{API}/abc", {}, False),
        ("HEAD", f"{API}/abc", {}, False),
    ],
)
async def test_what_goes_direct_and_what_goes_to_the_app(
    method: str, target: str, headers: dict[str, str], direct: bool
) -> None:
    app = create_app(Settings(count=0))
    fallback = Fallback()
    request = make_mocked_request(method, target, headers={**AUTH, **headers}, app=app)
    response = await DirectRoutes(app, fallback)(request)
    assert fallback.handed == ([] if direct else [target])
    assert (response.status != 599) is direct


def test_an_app_with_another_middleware_is_refused() -> None:
    app = create_app(Settings(count=0))

    @web.middleware
    async def extra(request: web.Request, handler: Any) -> web.StreamResponse:
        response: web.StreamResponse = await handler(request)
        return response

    app.middlewares.append(extra)
    with pytest.raises(ValueError, match="exactly one middleware, not 2"):
        DirectRoutes(app, Fallback())


async def test_a_variable_with_its_own_pattern_is_left_to_the_app() -> None:
    app = create_app(Settings(count=0))

    async def numbered(request: web.Request) -> web.Response:
        return web.Response(text=request.match_info["n"])

    app.router.add_get(r"/things/{n:\d+}", numbered)
    fallback = Fallback()
    response = await DirectRoutes(app, fallback)(make_mocked_request("GET", "/things/12", app=app))
    assert (response.status, fallback.handed) == (599, ["/things/12"])
