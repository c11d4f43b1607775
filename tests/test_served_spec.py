"""GET /openapi.json serves the contract pointing at the running mock."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

import specs


async def test_served_document_is_the_contract_with_this_server(client: TestClient[Any, Any]) -> None:
    response = await client.get("/openapi.json")
    document = await response.json()
    assert response.status == 200
    validate(document)
    assert document["servers"] == [{"url": str(client.make_url("")).rstrip("/"), "description": "This mock."}]
    expected = specs.contract_openapi()
    assert document["paths"] == expected["paths"]
    assert document["components"] == expected["components"]


async def test_served_document_needs_no_auth(client: TestClient[Any, Any]) -> None:
    assert (await client.get("/openapi.json", headers={})).status == 200
