"""Every example in the README runs, against a real mock, and does what the text says."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mockserver import BackgroundServer, Settings
from tests.conftest import RunningCli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
DEFAULT_URL = "http://127.0.0.1:8000"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(Settings(port=0, count=50)) as running:
        yield running


def _json_documents(text: str) -> list[Any]:
    decoder = json.JSONDecoder()
    documents, position = [], 0
    text = text.strip()
    while position < len(text):
        document, position = decoder.raw_decode(text, position)
        documents.append(document)
        while position < len(text) and text[position].isspace():
            position += 1
    return documents


def test_quick_start_commands_are_the_two_documented_ones() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("## ", 1)[0]
    assert re.findall(r"```sh\n(.*?)\n```", quick_start) == [
        "pip install -e . && mockserver",
        "pip install -e '.[test]' -c test.lock && pytest -n auto --dist loadfile",
    ]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci[-1] == "pip install -e '.[test]' -c test.lock && pytest -n auto --dist loadfile", (
        "CI runs the README's test command"
    )
    assert any(line.startswith("python3 -m venv ") for line in ci), "CI tests in a brand-new virtual environment"


# The API version 2026-11 example, run against a mock serving that version.
BACKFILL = "X-Namespace: backfill"


def test_curl_examples_work(server: BackgroundServer) -> None:
    curl_blocks = [b for b in blocks("sh") if b.startswith("curl ") and BACKFILL not in b]
    assert len(curl_blocks) >= 5
    created_id = ""
    for block in curl_blocks:
        script = block.replace(DEFAULT_URL, server.url).replace("INTERACTION_ID", created_id)
        out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30, check=True).stdout
        if "Prefer: code=429" in block:
            assert out.startswith("HTTP/1.1 429") and "Retry-After" in out, out
            continue
        documents = _json_documents(out)
        assert documents, f"no JSON from:\n{script}"
        if "/batch" in block:  # the good item stored, the bad one named
            (answer,) = documents
            assert (answer["created"], answer["failed"]) == (1, 1), answer
            assert answer["errors"][0].startswith('body.interactions.1.interaction_type.0: "nope" is not allowed')
            assert answer["results"][1] == {"index": 1, "interaction_id": "", "status": "failed"}
        for document in documents:
            assert document.get("success") is not False, document
        if "interaction_id" in documents[0] and not created_id:
            created_id = documents[0]["interaction_id"]
    assert created_id
    # The fault example switched faults on for the whole server; leave it as found.
    subprocess.run(
        ["curl", "-s", "-X", "PUT", f"{server.url}/_mock/faults", "-d", '{"latency_ms": null, "error_rate": 0}'],
        check=True,
        capture_output=True,
    )


def test_the_2026_example_backfills_dedups_and_finds_by_place(cli: Callable[..., RunningCli]) -> None:
    start = next(b for b in blocks("sh") if b.startswith("mockserver --api-version"))
    running = cli(*start.split()[1:])
    assert "API version: 2026-11; duplicates dropped for 300 s" in "\n".join(running.banner)
    running.stop()
    block = next(b for b in blocks("sh") if BACKFILL in b)
    create = block.split("\ncurl ")[0]
    with BackgroundServer(Settings(port=0, count=0, api_version="2026-11")) as server:

        def run(script: str) -> list[Any]:
            script = script.replace(DEFAULT_URL, server.url)
            done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30, check=True)
            return _json_documents(done.stdout)

        created, listed = run(block)
        assert created["occurred_at"] == "2026-03-01T09:30:00.000000Z" and created["deduplicated"] is False
        assert "feature_uri" in created["warning"]
        assert listed["pagination"]["total"] == 1
        assert [r["interaction_id"] for r in listed["results"]] == [created["interaction_id"]]
        (again,) = run(create)
        assert again["deduplicated"] is True and again["interaction_id"] is None


def test_state_file_example_starts_the_mock(cli: Callable[..., RunningCli], tmp_path: Path) -> None:
    line = next(b for b in blocks("sh") if b.startswith("mockserver --state-file"))
    args = line.split()[1:]
    args[args.index("state.json")] = str(tmp_path / "state.json")
    running = cli(*args)
    assert "saved every 10 s" in "\n".join(running.banner)
    code, rest = running.stop()
    assert code == 0 and (tmp_path / "state.json").exists()
    assert f"state saved to {tmp_path / 'state.json'}: 0 namespace(s), 0 records" in rest


def test_environment_example_starts_the_mock(cli: Callable[..., RunningCli]) -> None:
    line = next(b for b in blocks("sh") if b.startswith("MOCKSERVER_PORT="))
    env_part, command = line.strip().split(" mockserver ", 1)
    assert env_part == "MOCKSERVER_PORT=9000"
    running = cli(*command.split(), env={"MOCKSERVER_PORT": "0"})
    banner = "\n".join(running.banner)
    assert "namespaces: demo" in banner and "a new one starts with 10000 generated records (seed 7)" in banner


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_examples_run(server: BackgroundServer, index: int) -> None:
    source = blocks("python")[index].replace(DEFAULT_URL, server.url)
    if "mixpeek_mock" in source:
        pytest.skip("the pytest plugin example is run by tests/test_pytest_plugin.py")
    if "import mixpeek" in source:
        pytest.importorskip("mixpeek", reason="the official client is not installed")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, f"README python block {index}", "exec"), {})
    if "print(" in source:
        assert printed.getvalue().strip()
    if "BackgroundServer(Settings(port=0, count=50" in source:  # its filter filters: some records, not all
        total, _, types = printed.getvalue().partition(" ")
        assert 0 < int(total) < 50 and "click" in types


def test_error_examples_are_valid_error_bodies() -> None:
    import specs

    examples = [json.loads(b) for b in blocks("json")]
    assert examples
    for example in examples:
        assert specs.validator("ErrorResponse").is_valid(example)
        if example["status"] == 422:
            assert specs.validator("HTTPValidationError").is_valid(example)


def test_fixtures_examples_work(server: BackgroundServer, tmp_path: Path) -> None:
    block = next(b for b in blocks("sh") if b.startswith("fixtures generate"))
    script = block.replace(DEFAULT_URL, server.url)
    headers = {"Authorization": "Bearer dev", "X-Namespace": "demo"}
    listing = f"{server.url}/v1/retrievers/interactions/list?limit=1"
    before = requests.post(listing, headers=headers, timeout=10).json()["pagination"]["total"]
    subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True)
    assert len((tmp_path / "demo.jsonl").read_text().splitlines()) == 10_000
    assert len(json.loads((tmp_path / "week.json").read_text())) == 500
    served = [json.loads(line) for line in (tmp_path / "served-by-default.jsonl").read_text().splitlines()]
    with BackgroundServer(Settings(port=0)) as default_mock:
        everything = f"{default_mock.url}/v1/retrievers/interactions/list?limit=1000"
        page = requests.post(everything, headers=headers, timeout=30).json()
    assert {r["interaction_id"] for r in page["results"]} == {r["interaction_id"] for r in served}
    after = requests.post(listing, headers=headers, timeout=10).json()["pagination"]["total"]
    assert after - before == 10_000


def test_remote_contract_example_runs_against_a_served_mock(tmp_path: Path) -> None:
    line = next(b for b in blocks("sh") if "CONTRACT_API_KEY=" in b).strip().splitlines()[-1]
    assignment, command = line.split(" ", 1)
    variable, key = assignment.split("=", 1)
    report = tmp_path / "contract.xml"
    with BackgroundServer(Settings(port=0, count=0, api_keys=frozenset({key}))) as remote:
        args = command.replace("https://staging.example.com", remote.url).replace("contract.xml", str(report)).split()
        assert args[:2] == ["pytest", "contract_tests"]
        result = subprocess.run(
            [sys.executable, "-m", *args, "-k", "auth", "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env={**os.environ, variable: key},
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "<testsuite" in report.read_text()
