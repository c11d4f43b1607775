"""The server's HTTP behaviour outside the list semantics: operations, auth, namespaces, errors."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

import specs
from tests.conftest import AUTH, ClientFactory

API = "/v1/retrievers/interactions"
CLICK = {"feature_id": "doc_1", "interaction_type": ["click"], "position": 2}


def _is(model: str, body: Any) -> bool:
    return bool(specs.validator(model).is_valid(body))


async def _create(client: TestClient[Any, Any], body: dict[str, Any] = CLICK, **headers: str) -> dict[str, Any]:
    response = await client.post(API, json=body, headers={**AUTH, **headers})
    assert response.status == 200, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def _error(response: Any, status: int) -> dict[str, Any]:
    """Assert the status and that the body is an ErrorResponse; return it."""
    body: dict[str, Any] = await response.json()
    assert response.status == status, body
    assert response.content_type == "application/json"
    assert _is("ErrorResponse", body), body
    assert body["success"] is False and body["status"] == status
    return body


# --- operations -------------------------------------------------------------------------


async def test_create_assigns_uuid4_id_and_utc_timestamp(client: TestClient[Any, Any]) -> None:
    import uuid
    from datetime import datetime

    record = await _create(client, {**CLICK, "metadata": {"device": "mobile"}})
    assert _is("InteractionResponse", record)
    assert uuid.UUID(record["interaction_id"]).version == 4
    assert datetime.fromisoformat(record["timestamp"]).utcoffset() is not None
    assert record["timestamp"].endswith("Z")
    assert record["metadata"] == {"device": "mobile"} and record["user_id"] is None


async def test_create_stores_integral_float_as_integer(client: TestClient[Any, Any]) -> None:
    record = await _create(client, {**CLICK, "position": 3.0, "result_set_size": 20.0})
    assert record["position"] == 3 and isinstance(record["position"], int)
    assert isinstance(record["result_set_size"], int)


async def test_create_ignores_unknown_keys(client: TestClient[Any, Any]) -> None:
    record = await _create(client, {**CLICK, "occurred_at": "2026-01-01T00:00:00Z", "extra": 1})
    assert "extra" not in record and "occurred_at" not in record


async def test_get_list_delete_round_trip(client: TestClient[Any, Any]) -> None:
    record = await _create(client)
    got = await client.get(f"{API}/{record['interaction_id']}", headers=AUTH)
    assert await got.json() == record
    listed = await (await client.post(f"{API}/list", json={"feature_id": "doc_1"}, headers=AUTH)).json()
    assert _is("ListInteractionsResponse", listed)
    assert listed["results"] == [record] == listed["items"]
    deleted = await client.delete(f"{API}/{record['interaction_id']}", headers=AUTH)
    assert deleted.status == 200
    assert (await deleted.json())["interaction_id"] == record["interaction_id"]
    await _error(await client.get(f"{API}/{record['interaction_id']}", headers=AUTH), 404)
    again = await (await client.post(f"{API}/list", json={"feature_id": "doc_1"}, headers=AUTH)).json()
    assert again["results"] == [] and again["pagination"]["total"] == 0


@pytest.mark.parametrize("method", ["get", "delete"])
async def test_unknown_id_is_404_naming_it(client: TestClient[Any, Any], method: str) -> None:
    body = await _error(await client.request(method, f"{API}/no-such-id", headers=AUTH), 404)
    assert "no-such-id" in body["error"]["message"]
    assert body["error"]["details"] == {"id": "no-such-id", "resource": "interaction"}


async def test_list_without_body_lists_everything(make_client: ClientFactory) -> None:
    client = await make_client(count=25)
    response = await client.post(f"{API}/list", headers=AUTH)
    body = await response.json()
    assert response.status == 200 and body["pagination"]["total"] == 25


@pytest.mark.parametrize("raw", [b"\x0b", b"\x0c", b" \x0b\n", b"\xa0", b" \t\r\n", b"\n"])
async def test_a_body_of_characters_json_does_not_allow_is_invalid_json(make_client: ClientFactory, raw: bytes) -> None:
    client = await make_client(count=3)
    response = await client.post(f"{API}/list", data=raw, headers={**AUTH, "Content-Type": "application/json"})
    body = await _error(response, 422)
    assert body["detail"][0]["loc"] == ["body"] and "invalid JSON" in body["detail"][0]["msg"]
    assert ("whitespace alone" in body["detail"][0]["msg"]) == (not raw.strip(b" \t\r\n"))


@pytest.mark.parametrize("raw", [b"", b"null", b"{}"])
async def test_list_body_may_be_empty_or_null(make_client: ClientFactory, raw: bytes) -> None:
    client = await make_client(count=3)
    response = await client.post(f"{API}/list", data=raw, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status == 200 and (await response.json())["pagination"]["total"] == 3


async def test_batch_creates_every_item(client: TestClient[Any, Any]) -> None:
    items = [{**CLICK, "position": i} for i in range(5)]
    response = await client.post(f"{API}/batch", json={"interactions": items}, headers=AUTH)
    body = await response.json()
    assert response.status == 200 and _is("BatchInteractionsResponse", body)
    assert body["created"] == 5 and body["failed"] == 0 and body["errors"] == []
    assert [r["index"] for r in body["results"]] == list(range(5))
    for result in body["results"]:
        got = await client.get(f"{API}/{result['interaction_id']}", headers=AUTH)
        assert got.status == 200


async def test_batch_stores_the_good_items_and_names_each_bad_one(client: TestClient[Any, Any]) -> None:
    items = [CLICK, {"interaction_type": ["nope"], "position": -1}, "not an object", {**CLICK, "position": 7}]
    response = await client.post(f"{API}/batch", json={"interactions": items}, headers=AUTH)
    body = await response.json()
    assert response.status == 200 and _is("BatchInteractionsResponse", body)
    assert (body["created"], body["failed"]) == (2, 2)
    assert [(r["index"], r["status"]) for r in body["results"]] == [
        (0, "created"),
        (1, "failed"),
        (2, "failed"),
        (3, "created"),
    ]
    assert body["results"][1]["interaction_id"] == ""  # a string: the official client refuses null
    first, second = body["errors"]
    assert first.startswith("body.interactions.1.") and "(and 2 more problems)" in first  # type, position, feature_id
    assert second == "body.interactions.2: must be of type object, got a string"
    listed = await (await client.post(f"{API}/list", json={"sort": {"field": "position"}}, headers=AUTH)).json()
    assert [record["position"] for record in listed["results"]] == [2, 7]
    for result in (body["results"][0], body["results"][3]):
        assert (await client.get(f"{API}/{result['interaction_id']}", headers=AUTH)).status == 200


@pytest.mark.parametrize(
    ("sent", "loc"),
    [
        ([CLICK], ["body"]),
        ({"items": [CLICK]}, ["body", "interactions"]),
        ({"interactions": CLICK}, ["body", "interactions"]),
    ],
)
async def test_a_body_that_is_no_batch_is_refused_whole(
    client: TestClient[Any, Any], sent: Any, loc: list[Any]
) -> None:
    body = await _error(await client.post(f"{API}/batch", json=sent, headers=AUTH), 422)
    assert body["detail"][0]["loc"] == loc
    listed = await (await client.post(f"{API}/list", headers=AUTH)).json()
    assert listed["pagination"]["total"] == 0


async def test_strict_batch_fails_the_item_with_an_unknown_key_and_refuses_one_at_the_top(
    make_client: ClientFactory,
) -> None:
    client = await make_client(strict=True)
    answer = await client.post(f"{API}/batch", json={"interactions": [CLICK, {**CLICK, "colour": "red"}]}, headers=AUTH)
    body = await answer.json()
    assert answer.status == 200 and (body["created"], body["failed"]) == (1, 1)
    assert body["errors"][0].startswith("body.interactions.1.colour: unknown key 'colour'")
    top = await _error(await client.post(f"{API}/batch", json={"interactions": [CLICK], "x": 1}, headers=AUTH), 422)
    assert top["detail"][0]["loc"] == ["body", "x"]


@pytest.mark.parametrize("size", [0, 1001])
async def test_batch_size_is_bounded(client: TestClient[Any, Any], size: int) -> None:
    body = await _error(await client.post(f"{API}/batch", json={"interactions": [CLICK] * size}, headers=AUTH), 422)
    assert body["detail"][0]["loc"] == ["body", "interactions"]


# --- auth ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "Token abc", "bearer"],
)
async def test_missing_or_malformed_auth_is_401(client: TestClient[Any, Any], authorization: str | None) -> None:
    headers = {"X-Namespace": "ns"}
    if authorization is not None:
        headers["Authorization"] = authorization
    body = await _error(await client.post(f"{API}/list", headers=headers), 401)
    assert "Bearer" in body["error"]["message"]


async def test_any_token_is_accepted_without_configured_keys(client: TestClient[Any, Any]) -> None:
    response = await client.post(f"{API}/list", headers={"Authorization": "bearer whatever", "X-Namespace": "n"})
    assert response.status == 200


async def test_configured_keys_refuse_other_tokens(make_client: ClientFactory) -> None:
    client = await make_client(api_keys=frozenset({"k1", "k2"}))
    for key, status in [("k1", 200), ("k2", 200), ("k3", 401), ("k1 ", 200), ("K1", 401)]:
        response = await client.post(f"{API}/list", headers={"Authorization": f"Bearer {key}", "X-Namespace": "n"})
        assert response.status == status, key
    body = await _error(
        await client.post(f"{API}/list", headers={"Authorization": "Bearer nope", "X-Namespace": "n"}), 401
    )
    assert body["error"]["message"] == "API key not accepted by this server"


# --- namespaces ----------------------------------------------------------------------------


@pytest.mark.parametrize("namespace", [None, "", "   "])
async def test_missing_namespace_is_400(client: TestClient[Any, Any], namespace: str | None) -> None:
    headers = {"Authorization": "Bearer k"}
    if namespace is not None:
        headers["X-Namespace"] = namespace
    body = await _error(await client.post(f"{API}/list", headers=headers), 400)
    assert "X-Namespace" in body["error"]["message"]


@pytest.mark.parametrize("method", ["GET", "DELETE"])
@pytest.mark.parametrize("name", ["batch", "list"])
async def test_fixed_paths_read_as_ids_for_get_and_delete(client: TestClient[Any, Any], method: str, name: str) -> None:
    # The path template /interactions/{interaction_id} covers them, so the documented answer is 404.
    body = await _error(await client.request(method, f"{API}/{name}", headers=AUTH), 404)
    assert body["error"]["details"] == {"id": name, "resource": "interaction"}


async def test_overlong_namespace_is_400_saying_the_limit(client: TestClient[Any, Any]) -> None:
    headers = {"Authorization": "Bearer k", "X-Namespace": "n" * 257}
    body = await _error(await client.post(f"{API}/list", headers=headers), 400)
    assert "257 characters long; at most 256" in body["error"]["message"]
    headers["X-Namespace"] = "n" * 256
    assert (await client.post(f"{API}/list", headers=headers)).status == 200


async def test_auth_is_checked_before_namespace(client: TestClient[Any, Any]) -> None:
    await _error(await client.post(f"{API}/list"), 401)


async def test_data_never_crosses_namespaces(client: TestClient[Any, Any]) -> None:
    record = await _create(client, **{"X-Namespace": "alpha"})
    other = {**AUTH, "X-Namespace": "beta"}
    await _error(await client.get(f"{API}/{record['interaction_id']}", headers=other), 404)
    await _error(await client.delete(f"{API}/{record['interaction_id']}", headers=other), 404)
    listed = await (await client.post(f"{API}/list", headers=other)).json()
    assert listed["pagination"]["total"] == 0
    still = await client.get(f"{API}/{record['interaction_id']}", headers={**AUTH, "X-Namespace": "alpha"})
    assert still.status == 200


async def test_restricted_namespaces_answer_upstream_not_found(make_client: ClientFactory) -> None:
    client = await make_client(namespaces=frozenset({"prod"}))
    ok = await client.post(f"{API}/list", headers={**AUTH, "X-Namespace": "prod"})
    assert ok.status == 200
    body = await _error(await client.post(f"{API}/list", headers={**AUTH, "X-Namespace": "ns_123"}), 404)
    assert body["error"] == {
        "message": "Namespace not found",
        "type": "NotFoundError",
        "details": {"id": "ns_123", "resource": "namespace"},
    }


async def test_seeded_data_is_the_same_bytes_after_restart(make_client: ClientFactory) -> None:
    async def first_page(seed: int) -> bytes:
        client = await make_client(count=30, seed=seed)
        response = await client.post(f"{API}/list?limit=30", json={}, headers=AUTH)
        return await response.read()

    assert await first_page(7) == await first_page(7)
    assert await first_page(7) != await first_page(8)


async def test_seeded_data_differs_per_namespace(make_client: ClientFactory) -> None:
    client = await make_client(count=5)
    pages = []
    for namespace in ("a", "b"):
        response = await client.post(f"{API}/list", headers={**AUTH, "X-Namespace": namespace})
        pages.append([r["interaction_id"] for r in (await response.json())["results"]])
    assert pages[0] != pages[1]


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "loc", "fragment"),
    [
        (b"{bad", ["body"], "invalid JSON"),
        (b'{"a": NaN}', ["body"], "invalid JSON"),
        (b"[1, 2]", ["body"], "must be of type object, got an array"),
        (b'"text"', ["body"], "must be of type object, got a string"),
        (b'{"interaction_type": ["click"], "position": 1}', ["body", "feature_id"], "field required"),
        (b'{"feature_id": 5, "interaction_type": ["click"], "position": 1}', ["body", "feature_id"], "string"),
        (
            b'{"feature_id": "f", "interaction_type": ["clack"], "position": 1}',
            ["body", "interaction_type", 0],
            "one of",
        ),
        (b'{"feature_id": "f", "interaction_type": ["click"], "position": -3}', ["body", "position"], "at least 0"),
        (b'{"feature_id": "f", "interaction_type": ["click"], "position": true}', ["body", "position"], "integer"),
    ],
)
async def test_bad_create_bodies_are_422_naming_the_field(
    client: TestClient[Any, Any], raw: bytes, loc: list[Any], fragment: str
) -> None:
    response = await client.post(API, data=raw, headers={**AUTH, "Content-Type": "application/json"})
    body = await _error(response, 422)
    assert _is("HTTPValidationError", body)
    assert body["detail"][0]["loc"] == loc
    assert fragment in body["detail"][0]["msg"]
    assert fragment in body["error"]["message"]
    assert body["error"]["details"]["validation_errors"] == body["detail"]


async def test_empty_create_body_is_422(client: TestClient[Any, Any]) -> None:
    body = await _error(await client.post(API, headers=AUTH), 422)
    assert body["detail"][0]["loc"] == ["body"]


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("limit=0", ["query", "limit"]),
        ("limit=1001", ["query", "limit"]),
        ("limit=ten", ["query", "limit"]),
        ("offset=-1", ["query", "offset"]),
        ("offset=10001", ["query", "offset"]),
    ],
)
async def test_bad_list_parameters_are_422(client: TestClient[Any, Any], query: str, loc: list[Any]) -> None:
    body = await _error(await client.post(f"{API}/list?{query}", headers=AUTH), 422)
    assert body["detail"][0]["loc"] == loc


async def test_unknown_path_is_json_404(client: TestClient[Any, Any]) -> None:
    body = await _error(await client.get("/v2/nothing", headers=AUTH), 404)
    assert "/v2/nothing" in body["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", API, "POST"),
        ("PUT", f"{API}/batch", "POST"),
        ("OPTIONS", f"{API}/batch", "POST"),
        ("PATCH", f"{API}/list", "POST"),
        ("PATCH", f"{API}/abc", "DELETE,GET"),
    ],
)
async def test_wrong_method_is_405_with_allow(client: TestClient[Any, Any], method: str, path: str, allow: str) -> None:
    response = await client.request(method, path, headers=AUTH)
    await _error(response, 405)
    assert sorted(response.headers["Allow"].split(",")) == allow.split(",")


async def test_oversized_body_is_413(make_client: ClientFactory) -> None:
    client = await make_client(max_body_bytes=1024)
    body = await _error(await client.post(API, data=b"x" * 4096, headers=AUTH), 413)
    assert "1024" in body["error"]["message"]


async def test_each_missing_field_is_named_once(client: TestClient[Any, Any]) -> None:
    response = await client.post(API, json={"feature_id": "f"}, headers=AUTH)
    body = await _error(response, 422)
    assert [e["loc"] for e in body["detail"]] == [["body", "interaction_type"], ["body", "position"]]
    assert all(e["msg"] == "field required" for e in body["detail"])


_ITEMS = st.one_of(
    st.fixed_dictionaries(
        {"feature_id": st.text(max_size=5), "interaction_type": st.just(["view"]), "position": st.integers(0, 9)}
    ),
    st.fixed_dictionaries(
        {"feature_id": st.integers() | st.text(max_size=3)},
        optional={"interaction_type": st.sampled_from([["click"], ["nope"], "view"]), "position": st.integers(-2, 2)},
    ),
    st.none() | st.integers() | st.lists(st.integers(), max_size=2),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_ITEMS, min_size=1, max_size=12))
def test_each_item_of_a_batch_is_stored_or_named_alone(items: list[Any]) -> None:
    """An item is created exactly when it is a valid SearchInteraction by itself; a failed one is named by its index."""
    from mockserver.handlers import _batch
    from mockserver.jsonio import dumps
    from mockserver.validation import BodyRules

    batch = _batch(BodyRules(), dumps({"interactions": items}))
    valid = [specs.validator("SearchInteraction").is_valid(item) for item in items]
    assert [isinstance(outcome, dict) for outcome in batch.outcomes] == valid
    assert len(batch.records) == sum(valid) == sum(len(rows) for rows in batch.parts)
    for index, outcome in enumerate(batch.outcomes):
        if not valid[index]:
            assert outcome.message.startswith(f"body.interactions.{index}")


def test_a_batchs_first_bad_items_are_worded_in_full_and_the_rest_named() -> None:
    """Wording costs tens of microseconds an item: past WORDED_BAD_ITEMS, a bad item is named by its index only."""
    from mockserver.handlers import WORDED_BAD_ITEMS, _batch
    from mockserver.jsonio import dumps
    from mockserver.validation import BodyRules

    items = [{**CLICK, "position": -1 - i} for i in range(WORDED_BAD_ITEMS + 5)] + [CLICK]
    batch = _batch(BodyRules(), dumps({"interactions": items}))
    assert len(batch.records) == 1
    messages = [outcome.message for outcome in batch.outcomes if not isinstance(outcome, dict)]
    assert messages[0] == "body.interactions.0.position: must be at least 0, got -1"
    last_worded = WORDED_BAD_ITEMS - 1
    assert (
        messages[last_worded]
        == f"body.interactions.{last_worded}.position: must be at least 0, got -{WORDED_BAD_ITEMS}"
    )
    assert messages[WORDED_BAD_ITEMS].startswith(f"body.interactions.{WORDED_BAD_ITEMS}: not a valid interaction;")
    assert len(messages) == WORDED_BAD_ITEMS + 5
