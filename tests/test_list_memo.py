"""Repeated list requests are answered from memory, and every write makes the namespace answer afresh."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import AUTH, ClientFactory

API = "/v1/retrievers/interactions"
LIST = f"{API}/list"
CLICK = {"feature_id": "doc_1", "interaction_type": ["click"], "position": 1, "user_id": "u"}


async def _ids(client: TestClient[Any, Any], body: Any, params: dict[str, str]) -> tuple[list[str], int]:
    response = await client.post(LIST, json=body, params=params, headers=AUTH)
    assert response.status == 200, await response.text()
    page = await response.json()
    assert page["items"] == page["results"]
    return [r["interaction_id"] for r in page["results"]], page["pagination"]["total"]


@pytest.mark.parametrize(
    "body",
    [None, {"user_id": "u"}, {"filters": {"position": {"lte": 5}}, "search": "blue", "sort": {"field": "position"}}],
    ids=["no body", "simple field", "tree, search and sort"],
)
async def test_every_write_changes_the_next_answer(make_client: ClientFactory, body: Any) -> None:
    client = await make_client()
    made = [
        (await (await client.post(API, json={**CLICK, "metadata": {"c": "blue"}}, headers=AUTH)).json())[
            "interaction_id"
        ]
        for _ in range(3)
    ]
    first = await _ids(client, body, {"limit": "2"})
    assert first == await _ids(client, body, {"limit": "2"})
    assert first[1] == 3 and set(first[0]) <= set(made)

    created = await (await client.post(API, json={**CLICK, "metadata": {"c": "blue"}}, headers=AUTH)).json()
    ids, total = await _ids(client, body, {"limit": "10"})
    assert total == 4 and created["interaction_id"] in ids

    await client.post(f"{API}/batch", json={"interactions": [{**CLICK, "metadata": {"c": "blue"}}]}, headers=AUTH)
    assert (await _ids(client, body, {"limit": "2"}))[1] == 5

    await client.delete(f"{API}/{created['interaction_id']}", headers=AUTH)
    ids, total = await _ids(client, body, {"limit": "10"})
    assert total == 4 and created["interaction_id"] not in ids

    await client.post(f"/_mock/namespaces/{AUTH['X-Namespace']}/reset")
    assert (await _ids(client, body, {"limit": "2"}))[1] == 0


async def test_the_same_body_in_another_namespace_or_url_is_its_own_answer(client: TestClient[Any, Any]) -> None:
    await client.post(API, json=CLICK, headers=AUTH)
    assert (await _ids(client, {}, {"limit": "1"}))[1] == 1
    other = {**AUTH, "X-Namespace": "elsewhere"}
    response = await client.post(LIST, json={}, params={"limit": "1"}, headers=other)
    assert (await response.json())["pagination"]["total"] == 0
    second = await client.post(LIST, json={}, params={"limit": "1", "offset": "1"}, headers=AUTH)
    assert (await second.json())["pagination"]["previous_page"] == f"{LIST}?limit=1&offset=0"


async def test_a_refusal_is_never_remembered_as_an_answer(client: TestClient[Any, Any]) -> None:
    for _ in range(2):
        response = await client.post(LIST, json={"sort": {"field": 5}}, headers=AUTH)
        assert response.status == 422
    assert (await client.post(LIST, json={}, params={"limit": "0"}, headers=AUTH)).status == 422
    assert (await client.post(LIST, json={}, params={"limit": "1"}, headers=AUTH)).status == 200
