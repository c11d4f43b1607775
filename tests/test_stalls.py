"""No request stalls the others: slow work is reported (--slow-ms), and a large body is read off the event loop."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient

from mockserver import handlers, validation
from tests.conftest import AUTH, ClientFactory

API = "/v1/retrievers/interactions"


async def _journal(client: TestClient[Any, Any], query: str = "") -> list[dict[str, Any]]:
    answer = await client.get(f"/_mock/journal{query}")
    assert answer.status == 200
    entries: list[dict[str, Any]] = (await answer.json())["entries"]
    return entries


def _holding_the_loop(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Make every list query hold the event loop at least ``seconds`` while it is read."""
    real = handlers.parse_list_request

    def slow(*args: Any) -> Any:
        time.sleep(seconds)  # never returns sooner
        return real(*args)

    monkeypatch.setattr(handlers, "parse_list_request", slow)


async def test_a_request_that_holds_the_loop_is_said_once_and_marked(
    make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client = await make_client(slow_ms=40)
    _holding_the_loop(monkeypatch, 0.08)
    body = orjson.dumps({"user_id": "u"})
    with caplog.at_level(logging.WARNING, logger="mockserver.slow"):
        answer = await client.post(f"{API}/list", data=body, headers=AUTH)
        assert answer.status == 200
        quick = await client.get(f"{API}/missing", headers=AUTH)
        assert quick.status == 404
    said = [record.getMessage() for record in caplog.records if record.name == "mockserver.slow"]
    assert len(said) == 1
    assert f"POST {API}/list" in said[0] and "namespace test-ns" in said[0] and f"{len(body)}-byte body" in said[0]
    assert "--slow-ms 40" in said[0]
    (slow,) = await _journal(client, "?slow=true")
    assert slow["path"] == f"{API}/list" and slow["slow"] is True and slow["held_ms"] >= 80
    assert [entry["path"] for entry in await _journal(client, "?slow=false")] == [f"{API}/missing"]


async def test_waiting_is_not_holding(make_client: ClientFactory) -> None:
    """Latency a client asks for passes on the event loop's clock, not on the request's hold of it."""
    client = await make_client(slow_ms=150)
    answer = await client.post(f"{API}/list", json={}, headers={**AUTH, "Prefer": "latency=400"})
    assert answer.status == 200
    (entry,) = await _journal(client)
    assert entry["latency_ms"] >= 400 and entry["held_ms"] < 150 and entry["slow"] is False


async def test_slow_ms_0_reports_nothing(
    make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client = await make_client(slow_ms=0)
    _holding_the_loop(monkeypatch, 0.02)
    with caplog.at_level(logging.WARNING, logger="mockserver.slow"):
        assert (await client.post(f"{API}/list", json={}, headers=AUTH)).status == 200
    assert not [record for record in caplog.records if record.name == "mockserver.slow"]
    assert await _journal(client, "?slow=true") == []


async def test_a_refusal_in_progress_lets_other_requests_through(
    make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a large hostile body is being refused, a GET sent after it is answered before it: an order, not
    a time. Were the refusal worded on the event loop, the GET could not be answered until it ended."""
    client = await make_client(count=3)
    wording_started, release = threading.Event(), threading.Event()
    real = validation._schema_errors

    def held_until_released(*args: Any) -> Any:
        wording_started.set()
        release.wait(timeout=60)
        return real(*args)

    monkeypatch.setattr(validation, "_schema_errors", held_until_released)
    hostile = orjson.dumps({"filters": {"position": {"in": list(range(100_000))}}})
    assert len(hostile) >= handlers.OFF_LOOP_BYTES
    answered: list[str] = []

    async def refused() -> None:
        answer = await client.post(f"{API}/list", data=hostile, headers=AUTH)
        assert answer.status == 422
        assert "at most 1000 items" in (await answer.json())["error"]["message"]
        answered.append("refusal")

    async def other() -> None:
        assert await asyncio.get_running_loop().run_in_executor(None, wording_started.wait, 60)
        answer = await client.get(f"{API}/missing", headers=AUTH)
        assert answer.status == 404
        answered.append("get")
        release.set()

    await asyncio.gather(refused(), other())
    assert answered == ["get", "refusal"]
    refusal = next(entry for entry in await _journal(client) if entry["status"] == 422)
    assert refusal["latency_ms"] > 0 and 0 <= refusal["held_ms"] <= refusal["latency_ms"]
