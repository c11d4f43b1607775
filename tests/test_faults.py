"""Faults for client testing: latency, error rate, rate limit and the Prefer header."""

from __future__ import annotations

import time
from typing import Any

import pytest

import specs
from mockserver.config import Faults
from mockserver.errors import BadRequest
from mockserver.faults import parse_prefer
from tests.conftest import AUTH, ClientFactory

LIST = "/v1/retrievers/interactions/list"


def test_faults_are_off_by_default() -> None:
    assert Faults() == Faults(latency_ms=None, error_rate=0.0, rate_limit_per_s=None)


@pytest.mark.parametrize(
    ("header", "parsed"),
    [
        ("", {}),
        ("code=429", {"code": 429}),
        ("code=500, latency=20", {"code": 500, "latency": 20}),
        ('latency="5"; dynamic=true', {"latency": 5}),
        ("respond-async", {}),
    ],
)
def test_prefer_header_is_parsed(header: str, parsed: dict[str, int]) -> None:
    assert parse_prefer(header) == parsed


@pytest.mark.parametrize("header", ["code=abc", "code=99", "code=600", "latency=-1", "latency=600000"])
def test_bad_prefer_values_are_refused(header: str) -> None:
    with pytest.raises(BadRequest, match="Prefer"):
        parse_prefer(header)


async def test_prefer_code_forces_that_response(make_client: ClientFactory) -> None:
    client = await make_client()
    for code in (429, 500, 503, 418):
        response = await client.post(LIST, headers={**AUTH, "Prefer": f"code={code}"})
        body = await response.json()
        assert response.status == code and specs.validator("ErrorResponse").is_valid(body)
        assert ("Retry-After" in response.headers) == (code in {429, 503})
    assert (await client.post(LIST, headers={**AUTH, "Prefer": "code=200"})).status == 200


async def test_bad_prefer_header_is_a_400(make_client: ClientFactory) -> None:
    client = await make_client()
    response = await client.post(LIST, headers={**AUTH, "Prefer": "code=nope"})
    assert response.status == 400 and "Prefer code" in (await response.json())["error"]["message"]


async def test_prefer_latency_delays_one_response(make_client: ClientFactory) -> None:
    client = await make_client()
    started = time.monotonic()
    assert (await client.post(LIST, headers={**AUTH, "Prefer": "latency=150"})).status == 200
    assert time.monotonic() - started >= 0.15


async def test_configured_latency_range_applies(make_client: ClientFactory) -> None:
    client = await make_client(faults=Faults(latency_ms=(50, 60)))
    started = time.monotonic()
    await client.post(LIST, headers=AUTH)
    assert time.monotonic() - started >= 0.05


async def test_error_rate_is_seeded_and_repeatable(make_client: ClientFactory) -> None:
    async def statuses(seed: int) -> list[int]:
        client = await make_client(faults=Faults(error_rate=0.5), seed=seed)
        return [(await client.post(LIST, headers=AUTH)).status for _ in range(30)]

    first = await statuses(1)
    assert set(first) == {200, 500, 503}
    assert first == await statuses(1)
    assert first != await statuses(2)


async def test_rate_limit_answers_429_with_retry_after_per_key(make_client: ClientFactory) -> None:
    client = await make_client(faults=Faults(rate_limit_per_s=3))
    statuses = [(await client.post(LIST, headers=AUTH)).status for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]
    limited = await client.post(LIST, headers=AUTH)
    body: Any = await limited.json()
    assert limited.status == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "3 requests/s" in body["error"]["message"]
    other_key = await client.post(LIST, headers={**AUTH, "Authorization": "Bearer someone-else"})
    assert other_key.status == 200


async def test_faults_leave_the_admin_api_alone(make_client: ClientFactory) -> None:
    client = await make_client(faults=Faults(error_rate=1.0))
    assert (await client.get("/_mock/health")).status == 200
    assert (await client.get("/openapi.json")).status == 200
