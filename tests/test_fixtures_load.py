"""load_records against scripted servers (retries, fallback, refusals) and against the real mock."""

from __future__ import annotations

import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from fixtures import LoadError, LoadReport, RetryPolicy, Target, generate_interactions, load_records
from fixtures.records import SEARCH_FIELDS, search_interaction
from tests.conftest import ClientFactory

API = "/v1/retrievers/interactions"
FAST = RetryPolicy(retries=3, backoff=0.01)
ServerFactory = Callable[..., Awaitable[TestServer]]


class Recorder:
    """A fake implementation: answers from a script first, then like a healthy server."""

    def __init__(self, script: list[web.Response] | None = None, *, batch: bool = True) -> None:
        self.script = list(script or [])
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self.batch = batch

    async def _scripted(self, request: web.Request) -> web.Response | None:
        self.requests.append((request.path, dict(request.headers), await request.json()))
        return self.script.pop(0) if self.script else None

    async def create(self, request: web.Request) -> web.Response:
        scripted = await self._scripted(request)
        if scripted is not None:
            return scripted
        return web.json_response({**self.requests[-1][2], "interaction_id": "x", "timestamp": "t"})

    async def create_batch(self, request: web.Request) -> web.Response:
        scripted = await self._scripted(request)
        if scripted is not None:
            return scripted
        items = self.requests[-1][2]["interactions"]
        results = [{"index": i, "interaction_id": f"id{i}", "status": "created"} for i in range(len(items))]
        return web.json_response({"created": len(items), "failed": 0, "errors": [], "results": results})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(API, self.create)
        if self.batch:
            app.router.add_post(f"{API}/batch", self.create_batch)
        return app

    def created_items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for path, _, body in self.requests:
            items.extend(body["interactions"] if path.endswith("/batch") else [body])
        return items


def error(status: int, message: str = "nope", headers: dict[str, str] | None = None, **details: Any) -> web.Response:
    body = {"success": False, "status": status, "error": {"message": message, "type": "E", "details": details or None}}
    return web.json_response(body, status=status, headers=headers)


async def start(aiohttp_server: ServerFactory, recorder: Recorder) -> Target:
    server = await aiohttp_server(recorder.app())
    return Target(str(server.make_url("/")), "test-key", "ns-load")


def sample(count: int) -> list[dict[str, Any]]:
    return list(generate_interactions(count, 4, "load"))


async def test_sends_only_search_fields_with_auth_and_namespace(aiohttp_server: ServerFactory) -> None:
    recorder = Recorder()
    target = await start(aiohttp_server, recorder)
    report = await load_records(sample(25), target, batch_size=10, retry=FAST)
    assert (report.created, report.failed, report.sent, report.endpoint) == (25, 0, 25, "batch")
    assert [len(body["interactions"]) for _, _, body in recorder.requests] == [10, 10, 5]
    for _, headers, _ in recorder.requests:
        assert headers["Authorization"] == "Bearer test-key"
        assert headers["X-Namespace"] == "ns-load"
    for item in recorder.created_items():
        assert set(item) <= set(SEARCH_FIELDS), "ids and timestamps are the server's to assign"
        assert {"feature_id", "interaction_type", "position"} <= set(item)


async def test_retries_a_server_error_then_succeeds(aiohttp_server: ServerFactory) -> None:
    recorder = Recorder([error(503, "warming up")])
    target = await start(aiohttp_server, recorder)
    report = await load_records(sample(5), target, retry=FAST)
    assert (report.created, report.failed, report.retries) == (5, 0, 1)
    assert len(recorder.requests) == 2


async def test_honours_retry_after_on_429(aiohttp_server: ServerFactory) -> None:
    recorder = Recorder([error(429, "slow down", headers={"Retry-After": "1"})])
    target = await start(aiohttp_server, recorder)
    began = time.monotonic()
    report = await load_records(sample(5), target, retry=RetryPolicy(retries=2, backoff=0.01))
    assert report.created == 5
    assert time.monotonic() - began >= 0.95, "waited as long as Retry-After said, not the 10 ms back-off"


async def test_gives_up_after_the_last_retry_and_counts_the_batch_failed(aiohttp_server: ServerFactory) -> None:
    recorder = Recorder([error(500, "boom") for _ in range(3)])
    target = await start(aiohttp_server, recorder)
    report = await load_records(sample(4), target, retry=RetryPolicy(retries=2, backoff=0.01))
    assert (report.created, report.failed) == (0, 4)
    assert "500 boom" in report.errors[0]


@pytest.mark.parametrize("batch_status", [404, 405])
async def test_falls_back_to_one_create_per_record(aiohttp_server: ServerFactory, batch_status: int) -> None:
    recorder = Recorder(batch=batch_status == 405)
    if batch_status == 405:
        recorder.script = [web.json_response({"error": {"message": "no"}}, status=405)]
    target = await start(aiohttp_server, recorder)
    records = sample(12)
    report = await load_records(records, target, batch_size=5, retry=FAST)
    assert (report.created, report.failed, report.endpoint) == (12, 0, "single")
    singles = [body for path, _, body in recorder.requests if path == API]
    assert sorted(map(orjson.dumps, singles)) == sorted(orjson.dumps(search_interaction(r)) for r in records)


async def test_a_rejected_batch_is_retried_one_by_one_so_only_bad_records_fail(aiohttp_server: ServerFactory) -> None:
    recorder = Recorder([error(422, "bad record"), web.json_response({}), error(422, "position: must be >= 0")])
    target = await start(aiohttp_server, recorder)
    report = await load_records(sample(3), target, retry=FAST)
    assert (report.created, report.failed) == (2, 1)
    assert report.errors == ["record 2: 422 position: must be >= 0"]


async def test_a_partial_batch_names_each_failed_record_by_its_number(aiohttp_server: ServerFactory) -> None:
    results = [{"index": i, "interaction_id": "" if i in (1, 3) else f"id{i}", "status": "created"} for i in range(4)]
    results[1]["status"] = results[3]["status"] = "failed"
    partial = {"created": 2, "failed": 2, "errors": ["item 1 is bad"], "results": results}
    recorder = Recorder(
        [web.json_response({"created": 4, "failed": 0, "errors": [], "results": []}), web.json_response(partial)]
    )
    target = await start(aiohttp_server, recorder)
    report = await load_records(sample(8), target, batch_size=4, retry=FAST, concurrency=1)
    # The first answer has no result per record: its four count as failed, with that reason.
    assert (report.created, report.failed) == (2, 6), report.errors
    assert report.errors[-2:] == ["record 6: item 1 is bad", "record 8: no reason given"]


async def test_a_too_large_batch_is_split(aiohttp_server: ServerFactory) -> None:
    recorder = Recorder([error(413, "too large")])
    target = await start(aiohttp_server, recorder)
    report = await load_records(sample(8), target, retry=FAST)
    assert (report.created, report.failed) == (8, 0)
    assert [len(b["interactions"]) for _, _, b in recorder.requests[1:]] == [4, 4]


async def test_a_refused_key_stops_at_once(aiohttp_server: ServerFactory) -> None:
    recorder = Recorder([error(401, "API key not accepted")])
    target = await start(aiohttp_server, recorder)
    report = LoadReport()
    with pytest.raises(LoadError, match="refused the API key: 401 API key not accepted"):
        await load_records(sample(50), target, batch_size=10, retry=FAST, report=report)
    assert len(recorder.requests) == 1 and report.created == 0


async def test_an_unknown_namespace_stops_rather_than_falling_back(aiohttp_server: ServerFactory) -> None:
    recorder = Recorder([error(404, "Namespace not found", id="ns-load", resource="namespace")])
    target = await start(aiohttp_server, recorder)
    with pytest.raises(LoadError, match="does not serve namespace 'ns-load'"):
        await load_records(sample(3), target, retry=FAST)


async def test_an_unreachable_server_is_a_load_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = Target(f"http://127.0.0.1:{port}", "k", "ns")
    with pytest.raises(LoadError, match="cannot reach"):
        await load_records(sample(2), target, retry=RetryPolicy(retries=1, backoff=0.01))


def test_target_refuses_what_cannot_work() -> None:
    for url in ("localhost:8000", "ftp://host", "http://"):
        with pytest.raises(ValueError, match="base URL"):
            Target(url, "k", "ns")
    with pytest.raises(ValueError, match="API key"):
        Target("http://h", "", "ns")
    with pytest.raises(ValueError, match="namespace"):
        Target("http://h", "k", " ")


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    policy = RetryPolicy(backoff=1.0)
    assert policy.delay(0, "2") == 2.0
    assert policy.delay(0, "Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: go now
    assert 0.5 <= policy.delay(0, "soon") <= 1.0  # unreadable: normal back-off
    assert 2.0 <= policy.delay(2) <= 4.0


async def test_loads_into_the_mock_and_list_finds_them_all(make_client: ClientFactory) -> None:
    client: TestClient[Any, Any] = await make_client()
    records = sample(1200)
    target = Target(str(client.make_url("/")), "test-key", "loaded")
    report = await load_records(records, target, batch_size=250, retry=FAST)
    assert (report.created, report.failed, report.endpoint) == (1200, 0, "batch")
    headers = {"Authorization": "Bearer test-key", "X-Namespace": "loaded"}
    listed = await client.post(f"{API}/list?limit=1", json={}, headers=headers)
    assert (await listed.json())["pagination"]["total"] == 1200
    user = next(r["user_id"] for r in records if r["user_id"])
    by_user = await client.post(f"{API}/list?limit=1", json={"user_id": user}, headers=headers)
    assert (await by_user.json())["pagination"]["total"] == sum(r["user_id"] == user for r in records)


async def test_repeats_a_2026_server_drops_are_counted_apart_from_failures(aiohttp_server: ServerFactory) -> None:
    statuses = ["created", "deduplicated", "failed", "deduplicated"]
    results = [{"index": i, "interaction_id": "", "status": status} for i, status in enumerate(statuses)]
    batch = {"created": 1, "failed": 1, "errors": ["item 2 is bad"], "results": results}
    single = {"interaction_id": None, "deduplicated": True}
    recorder = Recorder([web.json_response(batch)])
    target = await start(aiohttp_server, recorder)
    report = await load_records(sample(4), target, retry=FAST, api_version="2026-11")
    assert (report.created, report.deduplicated, report.failed) == (1, 2, 1)
    assert report.errors == ["record 3: item 2 is bad"], "the batch's message goes to the failed record"
    assert report.counts() == "1 created, 2 deduplicated, 1 failed"
    one_by_one = Recorder([web.json_response(single), web.json_response({"interaction_id": "x"})], batch=False)
    report = await load_records(sample(2), await start(aiohttp_server, one_by_one), retry=FAST, api_version="2026-11")
    assert (report.created, report.deduplicated, report.failed, report.endpoint) == (1, 1, 0, "single")


async def test_to_a_2026_server_occurred_at_and_feature_uri_go_too(aiohttp_server: ServerFactory) -> None:
    records = list(generate_interactions(30, 4, "load", api_version="2026-11")) + sample(5)
    recorder = Recorder()
    report = await load_records(records, await start(aiohttp_server, recorder), retry=FAST, api_version="2026-11")
    assert report.created == 35
    sent = recorder.created_items()
    assert [item["occurred_at"] for item in sent] == [r.get("occurred_at", r["timestamp"]) for r in records]
    assert [item.get("feature_uri") for item in sent] == [r.get("feature_uri") for r in records]
    assert not any("interaction_id" in item or "timestamp" in item for item in sent)
