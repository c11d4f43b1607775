"""The list rules over HTTP, through the real app: answers, 422s, the hostile regex, and no 500 for any body."""

from __future__ import annotations

import asyncio
import http.client
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver import Settings
from mockserver.background import BackgroundServer
from tests.conftest import AUTH, ClientFactory
from tests.test_query_reference import naive_list, summary

API = "/v1/retrievers/interactions"
LIST = f"{API}/list"


def interaction(**fields: Any) -> dict[str, Any]:
    return {"feature_id": "doc_1", "interaction_type": ["click"], "position": 0, **fields}


async def stored(client: TestClient[Any, Any], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    created = await client.post(f"{API}/batch", json={"interactions": items}, headers=AUTH)
    assert created.status == 200, await created.text()
    ids = [r["interaction_id"] for r in (await created.json())["results"]]
    return [await (await client.get(f"{API}/{i}", headers=AUTH)).json() for i in ids]


ITEMS = [
    interaction(position=1, user_id="u1", metadata={"device": "Mobile", "ms": 12000}, interaction_type=["click"]),
    interaction(position=3, user_id="u1", metadata={"device": "desktop", "ms": 500}, interaction_type=["purchase"]),
    interaction(position=5, user_id="u2", metadata={"device": "mobile"}, interaction_type=["view", "click"]),
    interaction(position=7, metadata=None, interaction_type=["view"]),
    interaction(position=9, user_id="u3", metadata={"device": "tablet", "tags": ["Summer", "sale"]}),
]

BODIES = [
    {},
    {"user_id": "u1"},
    {"interaction_type": "click", "sort": {"field": "position", "direction": "desc"}},
    {"filters": {"metadata.device": "MOBILE"}},
    {"filters": {"metadata.device": {"eq": "MOBILE"}, "case_sensitive": True}},
    {
        "filters": {
            "OR": [{"position": {"lte": 1}}, {"NOT": {"field": "metadata.ms", "operator": "exists", "value": True}}]
        }
    },
    {
        "filters": {
            "AND": [{"field": "metadata.tags", "operator": "contains", "value": "summer", "case_sensitive": None}]
        }
    },
    {"filters": {"created_at": {"gte": "2000-01-01"}}, "sort": {"field": "metadata.ms"}},
    {"search": "mobile 12000"},
    {"filters": {"metadata.device": {"regex": "^(mob|tab)"}}, "sort": {"field": "position"}},
]


@pytest.mark.parametrize("body", BODIES, ids=[orjson.dumps(b).decode()[:50] for b in BODIES])
async def test_answers_follow_the_rules(make_client: ClientFactory, body: dict[str, Any]) -> None:
    client = await make_client()
    records = await stored(client, ITEMS)
    for params in ({"limit": "2"}, {"limit": "2", "offset": "2"}, {"page": "2", "page_size": "3"}):
        response = await client.post(LIST, json=body, params=params, headers=AUTH)
        assert response.status == 200, await response.text()
        assert summary(await response.json()) == naive_list(records, body, params)


async def test_next_page_links_walk_every_match_over_http(make_client: ClientFactory) -> None:
    client = await make_client()
    records = await stored(client, ITEMS * 3)
    body = {"filters": {"position": {"gte": 3}}, "sort": {"field": "position"}}
    seen: list[str] = []
    link: str | None = f"{LIST}?limit=4"
    while link:
        response = await client.post(link, json=body, headers=AUTH)
        page = await response.json()
        seen += [r["interaction_id"] for r in page["results"]]
        link = page["pagination"]["next_page"]
    assert seen == naive_list(records, body, {"limit": "100"})["ids"]


async def test_no_body_lists_everything(make_client: ClientFactory) -> None:
    client = await make_client(count=12)
    for raw in (b"", b"null", b"{}"):
        response = await client.post(LIST, data=raw, headers={**AUTH, "Content-Type": "application/json"})
        block = (await response.json())["pagination"]
        assert (response.status, block["total"], block["page_size"]) == (200, 12, 10)


@pytest.mark.parametrize(
    ("body", "params", "loc", "says"),
    [
        ({"filters": {"OR": []}}, {}, ["body", "filters", "OR"], "at least 1 item"),
        ({"filters": {"x": {"regex": r"(a)\1"}}}, {}, ["body", "filters", "x", "regex"], "RE2"),
        ({"filters": {"created_at": {"gt": "soon"}}}, {}, ["body", "filters", "created_at", "gt"], "RFC 3339"),
        (
            {"filters": {"x": {"eq": {"type": "dynamic", "field": "q"}}}},
            {},
            ["body", "filters", "x", "eq"],
            "DynamicValue",
        ),
        ({}, {"limit": "5", "page_size": "6"}, ["query", "page_size"], "say the same thing twice"),
        ({}, {"cursor": "nope"}, ["query", "cursor"], "next_cursor"),
        ({}, {"offset": "10001"}, ["query", "offset"], "at most 10000"),
    ],
)
async def test_refusals_name_the_place_and_the_fix(
    client: TestClient[Any, Any], body: Any, params: dict[str, str], loc: list[Any], says: str
) -> None:
    response = await client.post(LIST, json=body, params=params, headers=AUTH)
    assert response.status == 422
    answer = await response.json()
    assert answer["detail"][0]["loc"] == loc
    assert says in answer["detail"][0]["msg"]
    assert answer["error"]["type"] == "ValidationError"
    assert says in answer["error"]["message"]


async def test_a_hostile_regex_neither_stalls_the_server_nor_other_requests(make_client: ClientFactory) -> None:
    client = await make_client()
    await stored(client, [interaction(metadata={"v": "a" * 40 + "!"}) for _ in range(200)])
    hostile = {"filters": {"metadata.v": {"regex": "(a+)+$"}}}
    started = time.perf_counter()

    async def timed(coro: Any) -> tuple[int, float]:
        response = await coro
        return response.status, time.perf_counter() - started

    (hostile_status, hostile_s), (other_status, other_s) = await asyncio.gather(
        timed(client.post(LIST, json=hostile, headers=AUTH)),
        timed(client.post(LIST, json={"search": "nothing"}, headers=AUTH)),
    )
    assert hostile_status in (200, 422)
    assert other_status == 200
    assert hostile_s < 0.5 and other_s < 0.5, (hostile_s, other_s)


# Any JSON at all, plus shapes close to real requests so that the parser's deeper paths run too.
KEYS = ("filters", "sort", "search", "user_id", "interaction_type", "AND", "OR", "NOT", "field", "operator")
KEYS += ("value", "case_sensitive", "direction", "eq", "in", "gt", "regex", "exists", "created_at", "metadata.x")
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=25,
)
query_strings = st.dictionaries(
    st.sampled_from(("limit", "offset", "page", "page_size", "cursor", "include_total")),
    st.sampled_from(("0", "1", "10", "-1", "10001", "x", "", "true", "b2Zmc2V0OjU")) | st.text(max_size=6),
    max_size=3,
)


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(Settings(port=0, count=40, quiet=True)) as running:
        yield running


def post(server: BackgroundServer, raw: bytes, params: dict[str, str]) -> int:
    connection = http.client.HTTPConnection(server.settings.host, server.port, timeout=10)
    try:
        query = urllib.parse.urlencode(params)  # a space or a "&" in a value stays a value
        headers = {**AUTH, "Content-Type": "application/json"}
        connection.request("POST", f"{LIST}?{query}", body=raw, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(body=json_values, params=query_strings)
def test_no_body_of_any_shape_is_a_500(server: BackgroundServer, body: Any, params: dict[str, str]) -> None:
    status = post(server, orjson.dumps(body), {k: v for k, v in params.items() if v.isprintable() and v.isascii()})
    assert status in (200, 422), (status, body, params)


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"[" * 2000 + b"]" * 2000,
        b'{"filters": ' + b'{"AND": [' * 200 + b"{}" + b"]}" * 200 + b"}",
        b'{"filters": {"x": {"eq": ' + b"[" * 1000 + b"]" * 1000 + b"}}}",
        b'{"filters": {"x": {"in": [' + b"1," * 100_000 + b"1]}}}",
        b"\xff\xfe",
    ],
    ids=["truncated", "too deep for JSON", "deep tree", "deep operand", "long operand", "not UTF-8"],
)
def test_hostile_bodies_are_refused_not_crashed(server: BackgroundServer, raw: bytes) -> None:
    assert post(server, raw, {}) in (200, 413, 422)
