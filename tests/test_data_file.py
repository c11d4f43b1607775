"""--data FILE: the mock serves a file's records (e.g. `fixtures generate` output)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
import requests

from fixtures import generate_interactions
from mockserver.data_file import DataFileError, read_data_file
from mockserver.validation import BodyRules
from tests.conftest import AUTH, ClientFactory, RunningCli

API = "/v1/retrievers/interactions"


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


async def test_every_namespace_serves_the_file(make_client: ClientFactory, tmp_path: Path) -> None:
    records = list(generate_interactions(40, 3, "x"))
    client = await make_client(data_file=_write(tmp_path / "d.jsonl", records))
    for namespace in ("a", "b"):
        page = await (await client.post(f"{API}/list?limit=1000", headers={**AUTH, "X-Namespace": namespace})).json()
        assert sorted(r["interaction_id"] for r in page["results"]) == sorted(r["interaction_id"] for r in records)
    kept = await (await client.get(f"{API}/{records[0]['interaction_id']}", headers=AUTH)).json()
    assert kept == records[0]


async def test_reset_puts_the_file_back(make_client: ClientFactory, tmp_path: Path) -> None:
    records = list(generate_interactions(3, 3, "x"))
    client = await make_client(data_file=_write(tmp_path / "d.jsonl", records))
    await client.delete(f"{API}/{records[0]['interaction_id']}", headers=AUTH)
    await client.post("/_mock/namespaces/test-ns/reset")
    assert (await client.get(f"{API}/{records[0]['interaction_id']}", headers=AUTH)).status == 200


def test_records_without_ids_get_them(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [{"feature_id": "f", "interaction_type": ["view"], "position": 0}])
    [record] = read_data_file(path, BodyRules())
    assert record["interaction_id"] and record["timestamp"] and record["user_id"] is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'{"feature_id": "f", "interaction_type": ["view"], "position": 0}\n{"feature_id": 1}\n',
            "record 2.feature_id",
        ),
        (b"[1, 2]", "expected a JSON object"),
        (b"{nope\n", "d.jsonl:1"),
    ],
)
def test_bad_files_are_refused_naming_the_record(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(content)
    with pytest.raises(DataFileError, match=message):
        read_data_file(path, BodyRules())


def test_cli_serves_the_file_and_refuses_a_missing_one(tmp_path: Path, cli: Callable[..., RunningCli]) -> None:
    path = _write(tmp_path / "d.jsonl", list(generate_interactions(5, 1, "")))
    running = cli("--data", str(path))
    assert f"records of {path}" in "\n".join(running.banner)
    page = requests.post(f"{running.url}{API}/list", headers=AUTH, timeout=10).json()
    assert page["pagination"]["total"] == 5
    missing = subprocess.run(
        ["mockserver", "--port", "0", "--data", str(tmp_path / "absent.jsonl")],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert missing.returncode == 2 and "cannot open" in missing.stderr and "Traceback" not in missing.stderr
