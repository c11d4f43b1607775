"""The README's section on real servers, run as written: the staging URL is a local mock, the port a free one."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from mockserver import BackgroundServer, Settings
from tests.conftest import RunningCli

ROOT = Path(__file__).resolve().parents[1]
SECTION = (ROOT / "README.md").read_text().split("## Between your app and a real server", 1)[1].split("\n## ", 1)[0]
STAGING = "https://staging.example.com"
PROXY_URL = "http://127.0.0.1:8100"
HEADERS = {"Authorization": "Bearer dev", "X-Namespace": "demo"}
LIST = "/v1/retrievers/interactions/list"


def commands() -> list[list[str]]:
    """Each sh block of the section, as its lines."""
    return [block.strip().splitlines() for block in re.findall(r"```sh\n(.*?)```", SECTION, flags=re.DOTALL)]


@pytest.fixture(scope="module")
def staging() -> Iterator[BackgroundServer]:
    with BackgroundServer(Settings(port=0, count=60)) as running:
        yield running


def start(cli: Callable[..., RunningCli], line: str, staging: str) -> RunningCli:
    words = shlex.split(line.replace(STAGING, staging))
    assert words[0] == "mockserver"
    if "--port" in words:
        del words[words.index("--port") : words.index("--port") + 2]
    return cli(*words[1:])


def shell(line: str, proxy: str, cwd: Path) -> str:
    done = subprocess.run(
        ["bash", "-c", line.replace(PROXY_URL, proxy)], cwd=cwd, capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout


def test_the_verifying_proxy_example(cli: Callable[..., RunningCli], staging: BackgroundServer, tmp_path: Path) -> None:
    start_line, *curls = commands()[0]
    proxy = start(cli, start_line, staging.url)
    assert any("proxy to" in line for line in proxy.banner)
    for offset in (0, 5, 10):
        answer = requests.post(
            f"{proxy.url}{LIST}?limit=5&offset={offset}",
            json={"sort": {"field": "position"}},
            headers=HEADERS,
            timeout=10,
        )
        direct = requests.post(
            f"{staging.url}{LIST}?limit=5&offset={offset}",
            json={"sort": {"field": "position"}},
            headers=HEADERS,
            timeout=10,
        )
        assert answer.status_code == 200 and answer.content == direct.content
    summary, journal = (json.loads(shell(line, proxy.url, tmp_path)) for line in curls)
    assert summary["checked"] == 3 and summary["violations"] == 0 and summary["strict"] is True
    assert journal["entries"] == []


def test_the_record_and_replay_example(
    cli: Callable[..., RunningCli], staging: BackgroundServer, tmp_path: Path
) -> None:
    record_line, export_line, serve_line = commands()[1]
    proxy = start(cli, record_line, staging.url)
    pages = []
    path: str | None = f"{LIST}?limit=7"
    while path is not None:
        body = requests.post(proxy.url + path, json={"interaction_type": "click"}, headers=HEADERS, timeout=10).json()
        pages.append(body["results"])
        path = body["pagination"]["next_page"]
    shell(export_line, proxy.url, tmp_path)
    recorded = (tmp_path / "recorded.jsonl").read_text().splitlines()
    assert len(recorded) == sum(map(len, pages)) > 7
    offline = start(cli, serve_line.replace("recorded.jsonl", str(tmp_path / "recorded.jsonl")), staging.url)
    again = requests.post(
        f"{offline.url}{LIST}?limit=1000", json={"interaction_type": "click"}, headers=HEADERS, timeout=10
    )
    assert again.json()["results"] == [record for page in pages for record in page]


def test_the_pull_example(cli: Callable[..., RunningCli], staging: BackgroundServer, tmp_path: Path) -> None:
    pull_line, serve_line, filtered = commands()[2][0], commands()[2][1], " ".join(commands()[2][2:])
    env = {"STAGING_API_KEY": "dev"}
    for line in (pull_line, filtered.replace("\\ ", "")):
        subprocess.run(
            ["bash", "-c", line.replace(STAGING, staging.url)],
            cwd=tmp_path,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
            timeout=60,
        )
    pulled = (tmp_path / "staging.jsonl").read_bytes().splitlines()
    stored = requests.get(f"{staging.url}/_mock/namespaces/demo/export", timeout=10).content.splitlines()
    assert sorted(pulled) == sorted(stored) and len(pulled) == 60
    assert (tmp_path / "mobile.parquet").stat().st_size > 0
    offline = start(cli, serve_line.replace("staging.jsonl", str(tmp_path / "staging.jsonl")), staging.url)
    some = json.loads(stored[0])["interaction_id"]
    assert (
        requests.get(f"{offline.url}/v1/retrievers/interactions/{some}", headers=HEADERS, timeout=10).content
        == stored[0]
    )
