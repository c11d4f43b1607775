"""--state-file: state survives restarts; bad files are refused, never emptied."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
import requests

from mockserver.persistence import FORMAT, VERSION, StateFileError, load_state, save_state
from tests.conftest import RunningCli

API = "/v1/retrievers/interactions"
HEADERS = {"Authorization": "Bearer k", "X-Namespace": "keep"}
CLICK = {"feature_id": "doc_1", "interaction_type": ["click"], "position": 2}


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    saved = {"a": [{"interaction_id": "1", "position": 0}], "b": []}
    save_state(path, {name: [orjson.dumps(r) for r in records] for name, records in saved.items()})
    assert load_state(path) == saved
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_missing_file_means_a_fresh_start(tmp_path: Path) -> None:
    assert load_state(tmp_path / "absent.json") is None


def test_save_replaces_the_previous_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    save_state(path, {"a": [orjson.dumps({"interaction_id": str(i)}) for i in range(1000)]})
    save_state(path, {"b": []})
    assert load_state(path) == {"b": []}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{torn", "is not valid JSON"),
        (b"[]", "is not a mockserver state file"),
        (orjson.dumps({"format": "other"}), "is not a mockserver state file"),
        (orjson.dumps({"format": FORMAT, "version": 99, "namespaces": {}}), "has version 99"),
        (orjson.dumps({"format": FORMAT, "version": VERSION}), 'has no "namespaces" object'),
        (orjson.dumps({"format": FORMAT, "version": VERSION, "namespaces": {"a": [{"x": 1}]}}), "namespace 'a'"),
    ],
)
def test_bad_files_are_refused_saying_why(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(StateFileError, match=reason):
        load_state(path)
    assert path.read_bytes() == content


def test_records_survive_a_restart(tmp_path: Path, cli: Callable[..., RunningCli]) -> None:
    path = tmp_path / "state.json"
    first = cli("--count", "2", "--state-file", str(path))
    created = requests.post(f"{first.url}{API}", json=CLICK, headers=HEADERS, timeout=10).json()
    seeded = requests.post(f"{first.url}{API}/list", headers=HEADERS, timeout=10).json()["results"]
    requests.delete(f"{first.url}{API}/{seeded[-1]['interaction_id']}", headers=HEADERS, timeout=10)
    code, _ = first.stop()
    assert code == 0 and path.exists()

    second = cli("--count", "2", "--state-file", str(path))
    page = requests.post(f"{second.url}{API}/list", headers=HEADERS, timeout=10).json()
    ids = {r["interaction_id"] for r in page["results"]}
    assert created["interaction_id"] in ids and seeded[-1]["interaction_id"] not in ids
    assert page["pagination"]["total"] == 2


def test_periodic_save_happens_without_shutdown(tmp_path: Path, cli: Callable[..., RunningCli]) -> None:
    path = tmp_path / "state.json"
    running = cli("--count", "0", "--state-file", str(path), "--save-interval", "0.2")
    requests.post(f"{running.url}{API}", json=CLICK, headers=HEADERS, timeout=10)
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        state = load_state(path) if path.exists() else None
        if state and state.get("keep"):
            break
        time.sleep(0.1)
    running.process.kill()
    state = load_state(path)
    assert state is not None and len(state["keep"]) == 1


def test_corrupt_state_file_stops_the_start(tmp_path: Path) -> None:
    import subprocess

    path = tmp_path / "state.json"
    path.write_text("not json")
    result = subprocess.run(
        ["mockserver", "--port", "0", "--state-file", str(path)], capture_output=True, text=True, timeout=20
    )
    assert result.returncode == 2
    assert f"state file {path} is not valid JSON" in result.stderr and "Traceback" not in result.stderr
    assert path.read_text() == "not json"


def test_state_file_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    import subprocess

    result = subprocess.run(
        ["mockserver", "--port", "0", "--state-file", str(tmp_path / "nope" / "s.json")],
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ},
    )
    assert result.returncode == 2 and "folder that does not exist" in result.stderr


def wait_for_file(path: Path) -> None:
    import time

    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline, f"no save reached {path} in 30 s"
        time.sleep(0.01)


def test_kill_9_during_saves_never_leaves_a_torn_file(tmp_path: Path, cli: Callable[..., RunningCli]) -> None:
    import random
    import signal
    import time

    path = tmp_path / "state.json"
    rng = random.Random(7)
    held = 30_000  # round 0 starts from the seed; each later round from what the file kept
    for _ in range(4):
        running = cli("--count", "30000", "--state-file", str(path), "--save-interval", "0.02", "--quiet")
        page = requests.post(f"{running.url}{API}/list?limit=1", headers=HEADERS, timeout=30).json()
        assert page["pagination"]["total"] == held
        requests.post(f"{running.url}{API}", json=CLICK, headers=HEADERS, timeout=10)
        wait_for_file(path)  # a kill before the first save ever finished would leave nothing to check
        time.sleep(rng.uniform(0.05, 0.6))
        running.process.send_signal(signal.SIGKILL)
        running.process.wait(timeout=10)
        state = load_state(path)  # raises if the file is torn
        assert state is not None, "the state file vanished"
        assert len(state["keep"]) in {held, held + 1}, "the file holds neither the old nor the new state"
        held = len(state["keep"])
    cli("--state-file", str(path), "--quiet")
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"], "a killed save's temporary file was left"
