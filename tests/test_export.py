"""GET /_mock/namespaces/{ns}/export: a namespace's stored records, one a line, served again by --data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from fixtures import generate_encoded
from mockserver import admin
from tests.conftest import AUTH, ClientFactory, RunningCli

API = "/v1/retrievers/interactions"
NS = AUTH["X-Namespace"]
CLICK = {"feature_id": "doc_1", "interaction_type": ["click"], "position": 2}


async def _export(client: Any, namespace: str = NS, query: str = "") -> bytes:
    answer = await client.get(f"/_mock/namespaces/{namespace}/export{query}")
    body: bytes = await answer.read()
    assert answer.status == 200, body
    assert answer.headers["Content-Type"] == "application/x-ndjson"
    return body


async def test_a_seeded_namespace_exports_its_records_as_generated_and_as_get_answers_them(
    make_client: ClientFactory,
) -> None:
    client = await make_client(count=40, seed=7)
    lines = (await _export(client)).splitlines()
    assert lines == list(generate_encoded(40, 7, NS)), "the seed's bytes, in the order they were stored"
    for line in lines[:10]:
        got = await client.get(f"{API}/{orjson.loads(line)['interaction_id']}", headers=AUTH)
        assert await got.read() == line


async def test_creates_come_last_and_deleted_records_are_gone(make_client: ClientFactory) -> None:
    client = await make_client(count=5)
    created = [await (await client.post(API, json={**CLICK, "position": n}, headers=AUTH)).read() for n in range(3)]
    gone = orjson.loads(created[1])["interaction_id"]
    assert (await client.delete(f"{API}/{gone}", headers=AUTH)).status == 200
    lines = (await _export(client, query="?format=jsonl")).splitlines()
    assert len(lines) == 7
    assert lines[-2:] == [created[0], created[2]]


async def test_a_big_namespace_is_written_in_chunks_of_whole_lines(
    make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin, "EXPORT_CHUNK", 7)
    client = await make_client(count=30)
    answer = await client.get(f"/_mock/namespaces/{NS}/export")
    assert answer.headers["Transfer-Encoding"] == "chunked"
    body = await answer.read()
    assert body.count(b"\n") == 30 and body.endswith(b"\n")


async def test_an_empty_namespace_exports_nothing_and_an_unused_one_its_seed(make_client: ClientFactory) -> None:
    client = await make_client(count=3)
    assert (await client.delete(f"/_mock/namespaces/{NS}/records")).status == 200
    assert await _export(client) == b""
    # As every admin route and the API do: a namespace springs into being, seeded, on first use.
    assert len((await _export(client, "never-used")).splitlines()) == 3


async def test_an_unknown_format_is_a_422_naming_the_allowed_ones(make_client: ClientFactory) -> None:
    client = await make_client()
    answer = await client.get(f"/_mock/namespaces/{NS}/export?format=csv")
    body = await answer.json()
    assert answer.status == 422, body
    assert body["error"]["message"] == 'query.format: "csv" is not allowed; use one of: jsonl'
    assert body["detail"] == [
        {"loc": ["query", "format"], "msg": '"csv" is not allowed; use one of: jsonl', "type": "enum"}
    ]


async def test_a_namespace_the_server_does_not_serve_is_a_404(make_client: ClientFactory) -> None:
    client = await make_client(namespaces=frozenset({"only"}))
    answer = await client.get("/_mock/namespaces/other/export")
    assert answer.status == 404
    assert (await answer.json())["error"]["details"]["resource"] == "namespace"


async def test_the_admin_token_guards_it(make_client: ClientFactory) -> None:
    client = await make_client(admin_token="secret")
    assert (await client.get(f"/_mock/namespaces/{NS}/export")).status == 401
    answer = await client.get(f"/_mock/namespaces/{NS}/export", headers={"Authorization": "Bearer secret"})
    assert answer.status == 200


async def test_an_export_served_with_data_answers_every_get_and_list_identically(
    make_client: ClientFactory, cli: Callable[..., RunningCli], tmp_path: Path
) -> None:
    client = await make_client(count=300, seed=3)
    for position in range(5):  # ids and timestamps the server assigned, beside the seed's
        await client.post(API, json={**CLICK, "position": position}, headers=AUTH)
    exported = tmp_path / "exported.jsonl"
    exported.write_bytes(await _export(client))
    served = cli("--data", str(exported), "--quiet")
    async with aiohttp.ClientSession(served.url) as again:
        for line in exported.read_bytes().splitlines()[::15]:
            path = f"{API}/{orjson.loads(line)['interaction_id']}"
            async with again.get(path, headers=AUTH) as answer:
                assert await answer.read() == line
        for query in ("?limit=1000", "?limit=50&offset=100"):
            ours = await (await client.post(f"{API}/list{query}", json={}, headers=AUTH)).read()
            async with again.post(f"{API}/list{query}", json={}, headers=AUTH) as answer:
                assert await answer.read() == ours
        async with again.get(f"/_mock/namespaces/{NS}/export") as answer:
            assert await answer.read() == exported.read_bytes()
