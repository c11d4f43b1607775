"""--strict and --upstream-enums: how strictly request bodies are read."""

from __future__ import annotations

import pytest

import specs
from mockserver.errors import ValidationFailed
from mockserver.validation import BodyRules
from tests.conftest import AUTH, ClientFactory

API = "/v1/retrievers/interactions"
CLICK = {"feature_id": "doc_1", "interaction_type": ["click"], "position": 2}
NEWER_TYPES = ["impression", "dwell", "play", "download", "save", "add_to_project", "rating"]


UPSTREAM_ENUMS = specs.edition(upstream_enums=True)


def test_upstream_edition_only_adds_values() -> None:
    seed = specs.schema("InteractionType")["enum"]
    upstream = specs.schema("InteractionType", UPSTREAM_ENUMS)["enum"]
    assert upstream == specs.schema("InteractionType", specs.edition(specs.V2026_11))["enum"]
    assert upstream[: len(seed)] == seed and upstream[len(seed) :] == NEWER_TYPES


@pytest.mark.parametrize("kind", NEWER_TYPES)
def test_newer_types_need_the_option(kind: str) -> None:
    body = {**CLICK, "interaction_type": [kind]}
    with pytest.raises(ValidationFailed) as refused:
        BodyRules().check("SearchInteraction", body)
    assert refused.value.errors[0].loc == ("body", "interaction_type", 0)
    BodyRules(UPSTREAM_ENUMS).check("SearchInteraction", body)
    BodyRules(UPSTREAM_ENUMS).check("BatchInteractionsRequest", {"interactions": [body]})


def test_unknown_values_stay_refused_in_the_upstream_edition() -> None:
    with pytest.raises(ValidationFailed, match=r"use one of: .*rating"):
        BodyRules(UPSTREAM_ENUMS).check("SearchInteraction", {**CLICK, "interaction_type": ["hover"]})


def test_unknown_keys_are_ignored_by_default_and_named_when_strict() -> None:
    body = {**CLICK, "occurred_at": "2026-01-01T00:00:00Z"}
    BodyRules().check("SearchInteraction", body)
    with pytest.raises(ValidationFailed) as refused:
        BodyRules(strict=True).check("SearchInteraction", body)
    error = refused.value.errors[0]
    assert error.loc == ("body", "occurred_at") and error.type == "extra_forbidden"
    assert "allowed: feature_id, interaction_type, position" in error.msg


async def test_strict_server_refuses_unknown_list_keys_only_at_the_top(make_client: ClientFactory) -> None:
    client = await make_client(strict=True)
    refused = await client.post(f"{API}/list", json={"user": "u1"}, headers=AUTH)
    body = await refused.json()
    assert refused.status == 422 and body["detail"][0] == {
        "loc": ["body", "user"],
        "msg": body["detail"][0]["msg"],
        "type": "extra_forbidden",
    }
    assert "user_id" in body["detail"][0]["msg"]
    shorthand = await client.post(f"{API}/list", json={"filters": {"metadata.device": "mobile"}}, headers=AUTH)
    assert shorthand.status == 200


async def test_lenient_server_ignores_unknown_list_keys(make_client: ClientFactory) -> None:
    client = await make_client()
    assert (await client.post(f"{API}/list", json={"user": "u1"}, headers=AUTH)).status == 200


async def test_upstream_enums_server_stores_newer_types(make_client: ClientFactory) -> None:
    client = await make_client(upstream_enums=True)
    created = await client.post(API, json={**CLICK, "interaction_type": ["dwell"]}, headers=AUTH)
    assert created.status == 200 and (await created.json())["interaction_type"] == ["dwell"]
    seed_only = await make_client()
    refused = await seed_only.post(API, json={**CLICK, "interaction_type": ["dwell"]}, headers=AUTH)
    assert refused.status == 422
