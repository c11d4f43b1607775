"""GET /openapi.json serves the contract pointing at the running mock."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

import specs
from tests.conftest import ClientFactory


async def test_served_document_is_the_contract_with_this_server(client: TestClient[Any, Any]) -> None:
    response = await client.get("/openapi.json")
    document = await response.json()
    assert response.status == 200
    validate(document)
    assert document["servers"] == [{"url": str(client.make_url("")).rstrip("/"), "description": "This mock."}]
    expected = specs.contract_openapi()
    assert document["paths"] == expected["paths"]
    assert document["components"]["schemas"] == expected["components"]["schemas"]


async def test_served_document_needs_no_auth(client: TestClient[Any, Any]) -> None:
    assert (await client.get("/openapi.json", headers={})).status == 200


async def test_auth_is_optional_in_the_document_when_any_token_is_accepted(client: TestClient[Any, Any]) -> None:
    document = await (await client.get("/openapi.json")).json()
    assert document["security"] == [{"BearerAuth": []}, {}]
    assert "any non-empty Bearer token" in document["components"]["securitySchemes"]["BearerAuth"]["description"]


async def test_auth_is_required_in_the_document_when_keys_are_configured(make_client: ClientFactory) -> None:
    client = await make_client(api_keys=frozenset({"k"}))
    document = await (await client.get("/openapi.json")).json()
    assert document["security"] == [{"BearerAuth": []}]
    assert document["components"]["securitySchemes"] == specs.contract_openapi()["components"]["securitySchemes"]
