"""A request body is read whole however it arrives: at once (taken from the buffer) or in pieces (awaited)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import AUTH, ClientFactory

API = "/v1/retrievers/interactions"
CLICK = {"feature_id": "doc_1", "interaction_type": ["click"], "position": 2, "metadata": {"note": "x" * 3000}}


async def send(client: TestClient[Any, Any], path: str, body: bytes, pieces: int) -> tuple[int, dict[str, Any]]:
    """POST ``body`` over a raw connection, in ``pieces`` writes a moment apart; the status and JSON answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
    headers = "".join(f"{name}: {value}\r\n" for name, value in AUTH.items())
    head = f"POST {path} HTTP/1.1\r\nHost: mock\r\n{headers}Content-Type: application/json\r\n"
    writer.write(f"{head}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode())
    size = -(-len(body) // pieces)
    for start in range(0, len(body), size):
        writer.write(body[start : start + size])
        await writer.drain()
        if pieces > 1:
            await asyncio.sleep(0.05)  # the handler is already waiting for the rest
    answer = await reader.read()
    writer.close()
    head_text, _, payload = answer.partition(b"\r\n\r\n")
    return int(head_text.split()[1]), json.loads(payload)


@pytest.mark.parametrize("pieces", [1, 3])
async def test_a_body_is_read_whole_and_journalled(make_client: ClientFactory, pieces: int) -> None:
    client = await make_client()
    status, created = await send(client, API, json.dumps(CLICK).encode(), pieces)
    assert status == 200, created
    assert {key: created[key] for key in CLICK} == CLICK
    journal = await (await client.get("/_mock/journal")).json()
    assert [entry["body"] for entry in journal["entries"]] == [CLICK]


@pytest.mark.parametrize("pieces", [1, 3])
async def test_a_body_over_the_limit_is_413_however_it_arrives(make_client: ClientFactory, pieces: int) -> None:
    client = await make_client(max_body_bytes=1024)
    status, refused = await send(client, API, json.dumps(CLICK).encode(), pieces)
    assert status == 413
    assert refused["error"]["message"] == ("Request body exceeds the 1024 bytes this server accepts (--max-body-bytes)")
    listed = await client.post(f"{API}/list", json={}, headers=AUTH)
    assert (await listed.json())["results"] == []
