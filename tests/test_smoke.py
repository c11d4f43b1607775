from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import AUTH


async def test_create_then_get(client: TestClient[Any, Any]) -> None:
    created = await client.post(
        "/v1/retrievers/interactions",
        json={"feature_id": "d", "interaction_type": ["click"], "position": 0},
        headers=AUTH,
    )
    assert created.status == 200
    record = await created.json()
    fetched = await client.get(f"/v1/retrievers/interactions/{record['interaction_id']}", headers=AUTH)
    assert await fetched.json() == record
