"""The journal as WireMock users expect it: whole exchanges, masked credentials, filters, one entry by id."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from aiohttp.test_utils import TestClient

import specs
from tests.conftest import AUTH, ClientFactory, RunningCli

API = "/v1/retrievers/interactions"
CLICK = {"feature_id": "doc_1", "interaction_type": ["click"], "position": 2}
SECRET = {"Authorization": "Bearer sk-live-0123456789abcd", "X-Namespace": "journal"}


async def _entries(client: TestClient[Any, Any], query: str = "") -> list[dict[str, Any]]:
    answer = await client.get(f"/_mock/journal{query}")
    assert answer.status == 200, await answer.text()
    body = await answer.json()
    assert specs.validator("MockJournal").is_valid(body)
    entries: list[dict[str, Any]] = body["entries"]
    return entries


async def test_an_entry_holds_the_whole_exchange_with_credentials_masked(make_client: ClientFactory) -> None:
    client = await make_client()
    created = await client.post(API, json=CLICK, headers={**SECRET, "Prefer": "latency=1"})
    (entry,) = await _entries(client)
    assert entry["id"] == 1 and entry["status"] == 200
    assert datetime.fromisoformat(entry["time"]).timestamp() == pytest.approx(entry["at"], abs=1e-5)
    assert entry["time"].endswith("Z")
    request = entry["request"]
    assert request["headers"]["Authorization"] == "Bearer ***abcd" and request["headers"]["Prefer"] == "latency=1"
    assert request["body"] == CLICK and request["truncated"] is False
    response = entry["response"]
    assert response["body"] == await created.json() and response["truncated"] is False
    assert response["headers"]["Content-Type"].startswith("application/json")
    assert response["headers"]["Preference-Applied"] == "latency=1"


async def test_a_long_body_is_cut_and_marked(make_client: ClientFactory) -> None:
    client = await make_client(count=100)
    await client.post(f"{API}/list?limit=100", headers=AUTH)
    (entry,) = await _entries(client)
    assert entry["response"]["truncated"] is True
    assert isinstance(entry["response"]["body"], str) and len(entry["response"]["body"]) == 10_000


async def test_entries_are_filtered_by_method_and_time(make_client: ClientFactory) -> None:
    client = await make_client(count=3)
    await client.post(f"{API}/list", headers=AUTH)
    middle = time.time()
    await client.get(f"{API}/missing", headers=AUTH)
    assert [e["method"] for e in await _entries(client, "?method=get")] == ["GET"]
    iso = datetime.fromtimestamp(middle, UTC).isoformat().replace("+00:00", "Z")
    assert [e["method"] for e in await _entries(client, f"?since={iso}")] == ["GET"]
    assert [e["method"] for e in await _entries(client, f"?until={middle}")] == ["POST"]
    bad = await client.get("/_mock/journal?since=yesterday")
    assert bad.status == 422 and (await bad.json())["detail"][0]["loc"] == ["query", "since"]


async def test_one_entry_by_its_id(make_client: ClientFactory) -> None:
    client = await make_client(journal_size=2)
    for _ in range(3):
        await client.post(f"{API}/list", headers=AUTH)
    first, second = await _entries(client)
    assert (first["id"], second["id"]) == (2, 3)
    one = await client.get("/_mock/journal/3")
    assert one.status == 200 and (await one.json()) == second
    for gone in ("1", "99", "x"):
        missing = await client.get(f"/_mock/journal/{gone}")
        body = await missing.json()
        assert missing.status == 404 and body["error"]["type"] == "NotFoundError"


def test_the_access_log_says_when(cli: Callable[..., RunningCli]) -> None:
    running = cli("--count", "1")
    requests.post(f"{running.url}{API}/list", headers=AUTH, timeout=10)
    _, log = running.stop()
    line = next(line for line in log.splitlines() if f'"POST {API}/list' in line)
    assert re.search(r"\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]", line), line
