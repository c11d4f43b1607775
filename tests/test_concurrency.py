"""Many concurrent creates, deletes and lists in one namespace: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import AUTH, ClientFactory

API = "/v1/retrievers/interactions"


async def _walk(client: TestClient[Any, Any], limit: int = 37) -> tuple[list[str], set[int]]:
    """Every id the list shows, following next_page; and every total it reported on the way."""
    ids: list[str] = []
    totals: set[int] = set()
    link: str | None = f"{API}/list?limit={limit}"
    while link:
        page = await (await client.post(link, json={"feature_id": "shared"}, headers=AUTH)).json()
        ids += [r["interaction_id"] for r in page["results"]]
        totals.add(page["pagination"]["total"])
        link = page["pagination"]["next_page"]
    return ids, totals


async def test_concurrent_writes_and_reads_stay_consistent(make_client: ClientFactory) -> None:
    client = await make_client()
    seeded = await client.post(
        f"{API}/batch",
        json={
            "interactions": [{"feature_id": "shared", "interaction_type": ["view"], "position": i} for i in range(150)]
        },
        headers=AUTH,
    )
    doomed = [r["interaction_id"] for r in (await seeded.json())["results"]][:75]

    async def create(i: int) -> str:
        body = {"feature_id": "shared", "interaction_type": ["click"], "position": i % 20}
        response = await client.post(API, json=body, headers=AUTH)
        assert response.status == 200
        created: str = (await response.json())["interaction_id"]
        return created

    async def delete(interaction_id: str) -> None:
        assert (await client.delete(f"{API}/{interaction_id}", headers=AUTH)).status == 200

    async def list_page(offset: int) -> None:
        response = await client.post(
            f"{API}/list?limit=50&offset={offset}", json={"feature_id": "shared"}, headers=AUTH
        )
        page = await response.json()
        ids = [r["interaction_id"] for r in page["results"]]
        assert response.status == 200 and len(ids) == len(set(ids))

    jobs: list[Any] = [create(i) for i in range(300)]
    jobs += [delete(i) for i in doomed]
    jobs += [list_page(offset) for offset in range(0, 400, 20)]
    outcomes = await asyncio.gather(*jobs)
    created = [o for o in outcomes if isinstance(o, str)]

    ids, totals = await _walk(client)
    assert len(ids) == len(set(ids)), "a record was listed twice"
    seeded_ids = {r["interaction_id"] for r in (await seeded.json())["results"]}
    expected = (seeded_ids - set(doomed)) | set(created)
    assert set(ids) == expected
    assert totals == {len(expected)}
    for interaction_id in doomed[:10]:
        assert (await client.get(f"{API}/{interaction_id}", headers=AUTH)).status == 404


async def test_deleting_the_same_id_concurrently_succeeds_once(make_client: ClientFactory) -> None:
    client = await make_client()
    body = {"feature_id": "f", "interaction_type": ["view"], "position": 0}
    record = await (await client.post(API, json=body, headers=AUTH)).json()
    statuses = await asyncio.gather(
        *(client.delete(f"{API}/{record['interaction_id']}", headers=AUTH) for _ in range(20))
    )
    assert sorted(r.status for r in statuses) == [200] + [404] * 19
