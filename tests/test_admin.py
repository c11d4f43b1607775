"""The /_mock/ admin API: health, namespaces, reset, load, journal, faults, and its token."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient

import specs
from mockserver.config import Faults
from tests.conftest import AUTH, ClientFactory

API = "/v1/retrievers/interactions"
CLICK = {"feature_id": "doc_1", "interaction_type": ["click"], "position": 2}


async def _json(response: Any, status: int = 200, model: str | None = None) -> Any:
    body = await response.json()
    assert response.status == status, body
    if model:
        assert specs.validator(model).is_valid(body), body
    return body


async def test_health_and_namespaces_count_records(make_client: ClientFactory) -> None:
    client = await make_client(count=7)
    await client.post(f"{API}/list", headers={**AUTH, "X-Namespace": "a"})
    await client.post(API, json=CLICK, headers={**AUTH, "X-Namespace": "b"})
    health = await _json(await client.get("/_mock/health"), model="MockHealth")
    assert health["namespaces"] == 2 and health["records"] == 15
    listed = await _json(await client.get("/_mock/namespaces"), model="MockNamespaces")
    assert listed["namespaces"] == [{"name": "a", "records": 7}, {"name": "b", "records": 8}]


async def test_reset_one_namespace_restores_its_seeded_records(make_client: ClientFactory) -> None:
    client = await make_client(count=5)
    before = await (await client.post(f"{API}/list", headers=AUTH)).read()
    await client.post(API, json=CLICK, headers=AUTH)
    first = (await (await client.post(f"{API}/list", headers=AUTH)).json())["results"][0]
    await client.delete(f"{API}/{first['interaction_id']}", headers=AUTH)
    other = {**AUTH, "X-Namespace": "other"}
    await client.post(API, json=CLICK, headers=other)
    reset = await _json(await client.post(f"/_mock/namespaces/{AUTH['X-Namespace']}/reset"))
    assert reset["records"] == 5
    assert await (await client.post(f"{API}/list", headers=AUTH)).read() == before
    untouched = await (await client.post(f"{API}/list", headers=other)).json()
    assert untouched["pagination"]["total"] == 6


async def test_reset_all_forgets_every_change(make_client: ClientFactory) -> None:
    client = await make_client(count=3)
    for namespace in ("a", "b"):
        await client.post(API, json=CLICK, headers={**AUTH, "X-Namespace": namespace})
    await _json(await client.post("/_mock/reset"))
    assert (await _json(await client.get("/_mock/health")))["namespaces"] == 0
    page = await (await client.post(f"{API}/list", headers={**AUTH, "X-Namespace": "a"})).json()
    assert page["pagination"]["total"] == 3


async def test_reset_of_a_namespace_outside_the_allowed_list_is_404(make_client: ClientFactory) -> None:
    client = await make_client(namespaces=frozenset({"prod"}))
    body = await _json(await client.post("/_mock/namespaces/other/reset"), 404, "ErrorResponse")
    assert body["error"]["type"] == "NotFoundError"


@pytest.mark.parametrize("shape", ["array", "object", "jsonl"])
async def test_load_records_in_every_documented_shape(client: TestClient[Any, Any], shape: str) -> None:
    stored = {**CLICK, "interaction_id": "fixed-id", "timestamp": "2025-03-01T00:00:00Z", "user_id": "u1"}
    records = [stored, {**CLICK, "position": 5}]
    payload: bytes = {
        "array": orjson.dumps(records),
        "object": orjson.dumps({"interactions": records}),
        "jsonl": b"\n".join(orjson.dumps(r) for r in records) + b"\n",
    }[shape]
    loaded = await _json(await client.post("/_mock/namespaces/test-ns/records", data=payload), model="MockLoadResult")
    assert loaded == {"namespace": "test-ns", "mode": "replace", "loaded": 2, "records": 2}
    kept = await _json(await client.get(f"{API}/fixed-id", headers=AUTH))
    assert kept["timestamp"] == "2025-03-01T00:00:00Z" and kept["user_id"] == "u1"
    page = await (await client.post(f"{API}/list", json={"feature_id": "doc_1"}, headers=AUTH)).json()
    assert page["pagination"]["total"] == 2
    assert all(specs.validator("InteractionResponse").is_valid(r) for r in page["results"])


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        (b'[{"feature_id": "f", "interaction_type": ["click"], "position": -1}]', ["body", 0, "position"]),
        (b'{"feature_id": "f"}\n{oops\n', ["body", 2]),
        (b'{"records": []}', ["body"]),
    ],
)
async def test_load_refuses_bad_records_naming_them(
    client: TestClient[Any, Any], payload: bytes, loc: list[Any]
) -> None:
    body = await _json(await client.post("/_mock/namespaces/test-ns/records", data=payload), 422, "ErrorResponse")
    assert body["detail"][0]["loc"][: len(loc)] == loc
    assert (await _json(await client.get("/_mock/health")))["records"] == 0


async def test_journal_records_api_requests_and_filters_them(client: TestClient[Any, Any]) -> None:
    await client.post(API, json=CLICK, headers=AUTH)
    await client.get(f"{API}/missing", headers={**AUTH, "X-Namespace": "other"})
    await client.post(f"{API}/list?limit=3", json={"user_id": "u"}, headers=AUTH)
    await client.get("/_mock/health")
    journal = await _json(await client.get("/_mock/journal"), model="MockJournal")
    assert [(e["method"], e["status"]) for e in journal["entries"]] == [("POST", 200), ("GET", 404), ("POST", 200)]
    assert journal["entries"][0]["body"] == CLICK and journal["entries"][2]["query"] == "limit=3"
    assert journal["entries"][0]["namespace"] == "test-ns"
    by_status = await _json(await client.get("/_mock/journal?status=404"))
    assert by_status["total"] == 1 and by_status["entries"][0]["namespace"] == "other"
    by_path = await _json(await client.get(f"/_mock/journal?path={API}/list"))
    assert by_path["total"] == 1
    by_namespace = await _json(await client.get("/_mock/journal?namespace=test-ns&limit=1"))
    assert by_namespace["total"] == 2 and len(by_namespace["entries"]) == 1
    assert by_namespace["entries"][0]["path"] == f"{API}/list"
    await _json(await client.delete("/_mock/journal"))
    assert (await _json(await client.get("/_mock/journal")))["total"] == 0


async def test_journal_is_a_bounded_ring(make_client: ClientFactory) -> None:
    client = await make_client(journal_size=3)
    for position in range(5):
        await client.post(API, json={**CLICK, "position": position}, headers=AUTH)
    journal = await _json(await client.get("/_mock/journal"))
    assert [e["body"]["position"] for e in journal["entries"]] == [2, 3, 4]


@pytest.mark.parametrize(("query", "loc"), [("status=abc", ["query", "status"]), ("limit=0", ["query", "limit"])])
async def test_journal_filters_are_validated(client: TestClient[Any, Any], query: str, loc: list[Any]) -> None:
    body = await _json(await client.get(f"/_mock/journal?{query}"), 422, "ErrorResponse")
    assert body["detail"][0]["loc"] == loc


async def test_faults_can_be_read_and_changed(client: TestClient[Any, Any]) -> None:
    initial = await _json(await client.get("/_mock/faults"), model="MockFaults")
    assert initial == {"latency_ms": None, "error_rate": 0.0, "rate_limit_per_s": None}
    changed = await _json(await client.put("/_mock/faults", json={"error_rate": 1, "latency_ms": 5}))
    assert changed == {"latency_ms": [5, 5], "error_rate": 1, "rate_limit_per_s": None}
    failing = await client.post(f"{API}/list", headers=AUTH)
    assert failing.status in {500, 503}
    assert "set by the admin API (PUT /_mock/faults)" in (await failing.json())["error"]["message"]
    await _json(await client.put("/_mock/faults", json={"error_rate": 0}))
    assert (await client.post(f"{API}/list", headers=AUTH)).status == 200


async def test_put_replaces_the_faults_and_patch_changes_some(client: TestClient[Any, Any]) -> None:
    await _json(await client.put("/_mock/faults", json={"latency_ms": [1, 2], "rate_limit_per_s": 50}))
    patched = await _json(await client.patch("/_mock/faults", json={"error_rate": 0.5}), model="MockFaults")
    assert patched == {"latency_ms": [1, 2], "error_rate": 0.5, "rate_limit_per_s": 50}
    replaced = await _json(await client.put("/_mock/faults", json={"rate_limit_per_s": 9}))
    assert replaced == {"latency_ms": None, "error_rate": 0, "rate_limit_per_s": 9}
    off = await _json(await client.put("/_mock/faults", json={}))
    assert off == {"latency_ms": None, "error_rate": 0, "rate_limit_per_s": None}
    body = await _json(await client.patch("/_mock/faults", json={"error_rate": 7}), 422, "ErrorResponse")
    assert body["detail"][0]["loc"] == ["body", "error_rate"]


async def test_an_injected_error_says_where_its_rate_was_set(make_client: ClientFactory) -> None:
    client = await make_client(faults=Faults(error_rate=1.0))
    started = await client.post(f"{API}/list", headers=AUTH)
    assert "set by the server's start-up options (--error-rate)" in (await started.json())["error"]["message"]
    await _json(await client.patch("/_mock/faults", json={"latency_ms": 0}))
    patched = await client.post(f"{API}/list", headers=AUTH)
    assert "set by the admin API (PATCH /_mock/faults)" in (await patched.json())["error"]["message"]


async def test_reset_all_puts_back_faults_and_clears_the_journal(make_client: ClientFactory) -> None:
    client = await make_client(count=2, faults=Faults(latency_ms=(1, 1)))
    await client.post(API, json=CLICK, headers=AUTH)
    await _json(await client.put("/_mock/faults", json={"error_rate": 1}))
    reset = await _json(await client.post("/_mock/reset"))
    assert reset == {
        "reset": "all",
        "namespaces": "seeded afresh on first use",
        "faults": {"latency_ms": [1, 1], "error_rate": 0.0, "rate_limit_per_s": None},
        "journal": "cleared",
    }
    assert (await _json(await client.get("/_mock/journal")))["total"] == 0
    assert (await client.post(f"{API}/list", headers=AUTH)).status == 200
    assert (await _json(await client.get("/_mock/faults")))["error_rate"] == 0


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"error_rate": 2}, ["body", "error_rate"]),
        ({"latency_ms": [10, 5]}, ["body", "latency_ms"]),
        ({"latency_ms": -1}, ["body", "latency_ms"]),
        ({"rate_limit_per_s": 0}, ["body", "rate_limit_per_s"]),
        ({"rate_limit_per_s": 1e-320}, ["body", "rate_limit_per_s"]),
        ({"errors": 1}, ["body", "errors"]),
    ],
)
async def test_bad_fault_settings_are_422(client: TestClient[Any, Any], payload: Any, loc: list[Any]) -> None:
    body = await _json(await client.put("/_mock/faults", json=payload), 422, "ErrorResponse")
    assert body["detail"][0]["loc"] == loc


async def test_admin_token_guards_the_admin_api_only(make_client: ClientFactory) -> None:
    client = await make_client(admin_token="s3cret")
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        body = await _json(await client.get("/_mock/health", headers=headers), 401, "ErrorResponse")
        assert "--admin-token" in body["error"]["message"]
    await _json(await client.get("/_mock/health", headers={"Authorization": "Bearer s3cret"}))
    assert (await client.post(f"{API}/list", headers=AUTH)).status == 200


async def test_admin_errors_are_json(client: TestClient[Any, Any]) -> None:
    await _json(await client.get("/_mock/nothing"), 404, "ErrorResponse")
    response = await client.post("/_mock/health")
    await _json(response, 405, "ErrorResponse")
    assert response.headers["Allow"] == "GET"


async def test_a_load_replaces_a_namespace_that_holds_only_its_seed(make_client: ClientFactory) -> None:
    client = await make_client(count=1000)
    loaded = await _json(
        await client.post("/_mock/namespaces/fresh/records", json=[CLICK] * 50), model="MockLoadResult"
    )
    assert loaded == {"namespace": "fresh", "mode": "replace", "loaded": 50, "records": 50}
    again = await _json(await client.post("/_mock/namespaces/fresh/records", json=[CLICK] * 5))
    assert (again["mode"], again["records"]) == ("append", 55)  # written to since: added to


async def test_a_load_says_which_mode_it_was_asked(make_client: ClientFactory) -> None:
    client = await make_client(count=10)
    await client.post(API, json=CLICK, headers=AUTH)  # written to: appended by default
    name = AUTH["X-Namespace"]
    appended = await _json(await client.post(f"/_mock/namespaces/{name}/records", json=[CLICK] * 3))
    assert (appended["mode"], appended["records"]) == ("append", 14)
    replaced = await _json(await client.post(f"/_mock/namespaces/{name}/records?mode=replace", json=[CLICK] * 2))
    assert (replaced["mode"], replaced["records"]) == ("replace", 2)
    bad = await _json(
        await client.post(f"/_mock/namespaces/{name}/records?mode=merge", json=[CLICK]), 422, "ErrorResponse"
    )
    assert bad["detail"][0]["loc"] == ["query", "mode"]


async def test_a_replace_over_the_limit_keeps_what_the_namespace_held(make_client: ClientFactory) -> None:
    client = await make_client(count=3, max_records=4)
    name = AUTH["X-Namespace"]
    full = await _json(await client.post(f"/_mock/namespaces/{name}/records?mode=replace", json=[CLICK] * 5), 507)
    assert full["error"]["type"] == "InsufficientStorageError"
    page = await (await client.post(f"{API}/list", headers=AUTH)).json()
    assert page["pagination"]["total"] == 3


async def test_a_namespace_can_be_emptied_and_reset(make_client: ClientFactory) -> None:
    client = await make_client(count=4)
    name = AUTH["X-Namespace"]
    emptied = await _json(await client.delete(f"/_mock/namespaces/{name}/records"))
    assert emptied == {"namespace": name, "removed": 4, "records": 0}
    assert (await (await client.post(f"{API}/list", headers=AUTH)).json())["pagination"]["total"] == 0
    loaded = await _json(await client.post(f"/_mock/namespaces/{name}/records", json=[CLICK]))
    assert (loaded["mode"], loaded["records"]) == ("append", 1)  # emptied is no longer as seeded
    await _json(await client.post(f"/_mock/namespaces/{name}/reset"))
    assert (await (await client.post(f"{API}/list", headers=AUTH)).json())["pagination"]["total"] == 4
