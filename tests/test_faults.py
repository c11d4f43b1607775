"""Faults for client testing: latency, error rate, rate limit and the Prefer header."""

from __future__ import annotations

import time
from typing import Any

import pytest

import specs
from mockserver.config import Faults
from mockserver.errors import BadRequest
from mockserver.faults import Preferences, parse_prefer
from tests.conftest import AUTH, ClientFactory

LIST = "/v1/retrievers/interactions/list"


def test_faults_are_off_by_default() -> None:
    assert Faults() == Faults(latency_ms=None, error_rate=0.0, rate_limit_per_s=None)


@pytest.mark.parametrize(
    ("header", "parsed"),
    [
        ("", Preferences()),
        ("code=429", Preferences(code=429)),
        ("code=500, latency=20", Preferences(code=500, latency=20)),
        ('latency="5"; dynamic=true', Preferences(latency=5, ignored=("dynamic=true",))),
        ("respond-async, example=mine", Preferences(ignored=("respond-async", "example=mine"))),
    ],
)
def test_prefer_header_is_parsed(header: str, parsed: Preferences) -> None:
    assert parse_prefer(header) == parsed


@pytest.mark.parametrize("header", ["code=abc", "code=99", "code=600", "latency=-1", "latency=600000"])
def test_bad_prefer_values_are_refused(header: str) -> None:
    with pytest.raises(BadRequest, match="Prefer"):
        parse_prefer(header)


@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        (400, "BadRequestError"),
        (401, "AuthenticationError"),
        (403, "ForbiddenError"),
        (404, "NotFoundError"),
        (413, "PayloadTooLargeError"),
        (422, "ValidationError"),
        (429, "RateLimitError"),
        (500, "InternalServerError"),
        (503, "ServiceUnavailableError"),
    ],
)
async def test_prefer_code_answers_as_a_real_answer_of_that_status(
    make_client: ClientFactory, code: int, error_type: str
) -> None:
    client = await make_client()
    response = await client.post(LIST, headers={**AUTH, "Prefer": f"code={code}"})
    body = await response.json()
    assert response.status == code and body["error"]["type"] == error_type
    documented = specs.operation("list_interactions")[2]["responses"][str(code)]
    schema = documented["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert specs.validator("ErrorResponse").is_valid(body)
    if schema == "ValidationErrorResponse":
        assert body["detail"] == [{"loc": ["body"], "msg": "Forced 422 by the Prefer header", "type": "forced"}]
    assert ("Retry-After" in response.headers) == (code in {429, 503})
    assert response.headers["Preference-Applied"] == f"code={code}"


async def test_prefer_code_the_operation_does_not_document_is_a_400(make_client: ClientFactory) -> None:
    client = await make_client()
    for code in (201, 418, 507):
        response = await client.post(LIST, headers={**AUTH, "Prefer": f"code={code}"})
        body = await response.json()
        assert response.status == 400
        assert f"Prefer code={code}: POST {LIST} documents only 200, 400, 401" in body["error"]["message"]
    created = await client.post(f"{LIST.rsplit('/', 1)[0]}/batch", headers={**AUTH, "Prefer": "code=507"})
    assert created.status == 507 and (await created.json())["error"]["type"] == "InsufficientStorageError"
    assert (await client.post(LIST, headers={**AUTH, "Prefer": "code=200"})).status == 200


async def test_unknown_preferences_are_reported_and_honoured_ones_applied(make_client: ClientFactory) -> None:
    client = await make_client()
    response = await client.post(LIST, headers={**AUTH, "Prefer": "latency=1, example=mine; dynamic=true"})
    assert response.status == 200
    assert response.headers["Preference-Applied"] == "latency=1"
    assert response.headers["X-Mock-Ignored-Preferences"].startswith("example=mine, dynamic=true")
    plain = await client.post(LIST, headers=AUTH)
    assert "Preference-Applied" not in plain.headers and "X-Mock-Ignored-Preferences" not in plain.headers


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
