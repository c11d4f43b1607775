"""Bounds on what a client controls: each refused with a clear 4xx, never a 500 or a hang."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import BackgroundServer, Settings
from mockserver.errors import StartupError
from mockserver.jsonio import decode
from mockserver.validation import MAX_DEPTH
from tests.conftest import AUTH, ClientFactory

API = "/v1/retrievers/interactions"
CLICK = {"feature_id": "doc_1", "interaction_type": ["click"], "position": 2}


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b'{"a": NaN}', "invalid JSON"),
        (b'{"a": Infinity}', "invalid JSON"),
        (b'{"a": -Infinity, "n": 12345678901234567890}', "Infinity is not JSON"),
        (b'{"a": 1e400}', "infinity"),
        (_nested(MAX_DEPTH + 1), f"nested more than {MAX_DEPTH} levels"),
        (_nested(5000), "invalid JSON"),
        (b'{"s": "12345678901234567890", "d": ' + _nested(5000) + b"}", "invalid JSON"),
    ],
)
def test_bodies_json_cannot_carry_are_refused(raw: bytes, fragment: str) -> None:
    from mockserver.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match=fragment):
        decode(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 9223372036854775807, "b": -9223372036854775808}',
        b'{"a": 123456789012345678901234567890, "b": -9223372036854775809}',
        b'{"id": "123456789012345678901234"}',
        _nested(MAX_DEPTH),
    ],
)
def test_bodies_within_bounds_are_read_exactly(raw: bytes) -> None:
    import json

    assert decode(raw) == json.loads(raw)


@pytest.mark.parametrize("path", [API, f"{API}/batch", f"{API}/list"])
async def test_deep_bodies_are_422_on_every_operation(make_client: ClientFactory, path: str) -> None:
    client = await make_client()
    body = b'{"metadata": ' + b'{"a": ' * 200 + b"1" + b"}" * 200 + b"}"
    response = await client.post(path, data=body, headers=AUTH)
    assert response.status == 422
    assert "nested more than" in (await response.json())["error"]["message"]


@pytest.mark.parametrize("big", [2**63 - 1, -(2**63), 2**64, -(10**30), 10**40 + 1])
async def test_integers_of_any_size_round_trip_exactly(make_client: ClientFactory, big: int) -> None:
    client = await make_client()
    body = {**CLICK, "metadata": {"big": big, "nested": [big]}}
    created = await client.post(API, json=body, headers=AUTH)
    record = await created.json()
    assert created.status == 200 and record["metadata"] == body["metadata"]
    fetched = await (await client.get(f"{API}/{record['interaction_id']}", headers=AUTH)).json()
    assert fetched["metadata"]["big"] == big
    listed = await client.post(f"{API}/list", json={"filters": {"metadata.big": big}}, headers=AUTH)
    assert [r["interaction_id"] for r in (await listed.json())["results"]] == [record["interaction_id"]]
    sorted_ = await client.post(f"{API}/list", json={"sort": {"field": "metadata.big"}}, headers=AUTH)
    assert sorted_.status == 200


async def test_positions_beyond_64_bits_are_refused_by_the_schema(make_client: ClientFactory) -> None:
    client = await make_client()
    response = await client.post(API, json={**CLICK, "position": 2**63}, headers=AUTH)
    assert response.status == 422 and (await response.json())["detail"][0]["loc"] == ["body", "position"]


async def test_full_namespace_refuses_more_with_507(make_client: ClientFactory) -> None:
    client = await make_client(count=2, max_records=3)
    assert (await client.post(API, json=CLICK, headers=AUTH)).status == 200
    full = await client.post(API, json=CLICK, headers=AUTH)
    body: Any = await full.json()
    assert full.status == 507 and body["error"]["type"] == "InsufficientStorageError"
    assert "--max-records" in body["error"]["message"] and body["error"]["details"]["max_records"] == 3
    batch = await client.post(f"{API}/batch", json={"interactions": [CLICK]}, headers=AUTH)
    assert batch.status == 507
    loaded = await client.post("/_mock/namespaces/test-ns/records", json=[CLICK], headers=AUTH)
    assert loaded.status == 507
    page = await (await client.post(f"{API}/list", headers=AUTH)).json()
    assert page["pagination"]["total"] == 3
    other = await client.post(API, json=CLICK, headers={**AUTH, "X-Namespace": "other"})
    assert other.status == 200


def test_seeding_past_the_limit_stops_the_start() -> None:
    with pytest.raises(StartupError, match="--count 10 records, more than --max-records 5"):
        BackgroundServer(Settings(port=0, count=10, max_records=5))
    result = subprocess.run(
        ["mockserver", "--port", "0", "--count", "10", "--max-records", "5"], capture_output=True, text=True, timeout=20
    )
    assert result.returncode == 2 and "--max-records 5" in result.stderr


def test_long_header_is_still_answered_in_json() -> None:
    with BackgroundServer(Settings(port=0, count=0)) as server:
        headers = {**AUTH, "X-Namespace": "n" * 20_000}
        response = requests.post(f"{server.url}{API}/list", headers=headers, timeout=10)
        assert response.status_code == 400
        assert response.json()["error"]["message"] == "X-Namespace is 20000 characters long; at most 256 are allowed"


@pytest.mark.parametrize(
    ("body", "loc", "says"),
    [
        ({"filters": {"p": {"in": list(range(1001))}}}, ["body", "filters", "p", "in"], "at most 1000 items"),
        ({"filters": {"AND": [{"field": "a" * 257, "value": 1}]}}, ["body", "filters", "AND", 0, "field"], "256"),
        ({"sort": {"field": "s" * 257}}, ["body", "sort", "field"], "at most 256 characters"),
        ({"filters": {"k" * 257: 1}}, ["body", "filters"], 'key "kkk'),
        ({"search": "w " * 600}, ["body", "search"], "at most 1000 characters"),
    ],
)
async def test_list_request_sizes_are_bounded(make_client: ClientFactory, body: Any, loc: list[Any], says: str) -> None:
    client = await make_client()
    response = await client.post(f"{API}/list", json=body, headers=AUTH)
    detail = (await response.json())["detail"][0]
    assert response.status == 422 and detail["loc"] == loc and says in detail["msg"], detail


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


_tricky_text = st.text(alphabet='[]{}"\\\\ab,:', max_size=8)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | _tricky_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_tricky_text, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_json_values, st.sampled_from([None, 1]))
def test_depth_read_from_the_bytes_is_the_values_depth(value: object, indent: int | None) -> None:
    """Brackets, quotes and backslashes inside strings never count; every container does."""
    import json

    from mockserver.jsonio import deepest

    assert deepest(json.dumps(value, indent=indent).encode()) == _depth(value)
