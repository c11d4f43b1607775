"""--state-file: state survives restarts, read back exactly from its Arrow IPC snapshot; bad files are refused."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.persistence import StateFileError, capture, load_state, restore, save_state
from mockserver.query import parse_list_request, run_query
from mockserver.snapshot import FIELDS, FORMAT, JSON_VERSION, MAGIC, VERSION
from mockserver.store import Record, Store, rows_of
from mockserver.table import FIRST_VALUE_CODE, Rows
from tests.conftest import RunningCli

API = "/v1/retrievers/interactions"
HEADERS = {"Authorization": "Bearer k", "X-Namespace": "keep"}
CLICK = {"feature_id": "doc_1", "interaction_type": ["click"], "position": 2}
# Each read by every round trip below, before and after: the list engine's answers must be the same bytes.
QUERIES: list[dict[str, Any]] = [
    {},
    {"sort": {"field": "document_score"}},
    {"sort": {"field": "metadata.k", "direction": "desc"}},
    {"filters": {"metadata.k": {"gte": 0}}},
    {"filters": {"OR": [{"field": "document_score", "operator": "exists", "value": True}]}},
    {"search": "é"},
]


def unseeded() -> Store:
    return Store(seeder=lambda name: [])


def filled(namespaces: dict[str, list[Record]]) -> Store:
    store = unseeded()
    for name, records in namespaces.items():
        store.replace(name, rows_of(records))
    return store


def reloaded(path: Path, store: Store) -> Store:
    """What a restart with ``path`` makes of ``store``: saved, then loaded into an empty store."""
    save_state(path, capture(store))
    saved = load_state(path)
    assert saved is not None
    back = unseeded()
    restore(path, back, saved)
    return back


def exact(value: Any) -> Any:
    """A stand-in telling apart what == does not: 1, 1.0 and true; 0.0 and -0.0."""
    if type(value) is list:
        return ("list", tuple(exact(item) for item in value))
    return (type(value).__name__, repr(value))


def columns(rows: Rows) -> dict[tuple[str, ...], list[Any]]:
    """Each path's value at every row, exactly (codes 0..2 as they are): the order of a column's values is free."""
    return {
        path: [code if code < FIRST_VALUE_CODE else exact(values[code - FIRST_VALUE_CODE]) for code in codes.tolist()]
        for path, (values, codes) in rows.paths.items()
    }


def answers(store: Store, name: str) -> list[bytes]:
    namespace = store.namespace(name)
    return [run_query(namespace, parse_list_request(body, {"limit": "100"}), "/list").body() for body in QUERIES]


def assert_same(before: Store, after: Store) -> None:
    assert after.names() == before.names()
    for name in before.names():
        old, new = before.namespace(name).table.live_rows(), after.namespace(name).table.live_rows()
        assert new.ids == old.ids
        assert new.raws == old.raws
        for field in ("id_keys", "instants"):
            assert getattr(new, field).dtype == getattr(old, field).dtype
            assert np.array_equal(getattr(new, field), getattr(old, field))
        assert columns(new) == columns(old)
        assert answers(after, name) == answers(before, name)


def counts(path: Path) -> dict[str, int] | None:
    """Records per namespace in the state file (None: no file)."""
    saved = load_state(path)
    return None if saved is None else {name: sum(map(len, parts)) for name, parts in saved.items()}


# -- Exact round trips -------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.integers(2**63 - 1, 2**70) | st.integers(-(2**70), -(2**63) - 1),  # past 64 bits
    st.sampled_from([0.0, -0.0, 1.0, 2.5]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=4) | st.sampled_from(["é", "ß", "日本", "😀"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["k", "é"]), inner, max_size=2),
    max_leaves=6,
)
maybe = st.none() | st.just(1)  # None: the key is missing


@st.composite
def records(draw: st.DrawFn, ids: list[str]) -> list[Record]:
    """Records whose paths hold every kind in turn: strings, numbers, lists, objects, null, or nothing."""
    made = []
    for interaction_id in ids:
        record: Record = {"interaction_id": interaction_id}
        if draw(maybe):
            record["timestamp"] = draw(st.sampled_from(["2025-01-01T00:00:00Z", "2025-01-01T00:00:00.000000Z", "x"]))
        if draw(maybe):
            record["metadata"] = draw(st.dictionaries(st.sampled_from(["k", "é", "n"]), values, max_size=3) | values)
        if draw(maybe):
            record["document_score"] = draw(values)
        made.append(record)
    return made


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_column_and_answer_come_back_exactly(tmp_path: Path, data: st.DataObject) -> None:
    ids = data.draw(st.lists(st.text(min_size=1, max_size=6), max_size=30, unique=True))
    split = data.draw(st.integers(0, len(ids)))
    # An X-Namespace byte that is no UTF-8 is read by aiohttp as a surrogate: the name still round-trips.
    store = filled({"a": data.draw(records(ids[:split])), "empty-é-\udcff": []})
    namespace = store.namespace("a")
    for record in data.draw(records(ids[split:])):
        namespace.add(record)
    deleted = data.draw(st.lists(st.sampled_from(ids), unique=True) if ids else st.just([]))
    for interaction_id in deleted:
        namespace.delete(interaction_id)

    back = reloaded(tmp_path / "state.arrow", store)

    assert_same(store, back)
    assert not set(deleted) & set(back.namespace("a").table.ids)


def test_a_compacted_table_comes_back_exactly(tmp_path: Path) -> None:
    """Past 1024 tombstones the table drops them (mockserver/table.py): its columns keep values no row uses."""
    store = filled({"a": [{"interaction_id": f"{i:04d}", "metadata": {"k": i % 7 or str(i)}} for i in range(3000)]})
    for i in range(0, 3000, 3):
        store.namespace("a").delete(f"{i:04d}")
    for i in range(1, 3000, 3):
        store.namespace("a").delete(f"{i:04d}")
    assert store.namespace("a").table.size < 3000
    assert_same(store, reloaded(tmp_path / "state.arrow", store))


def test_loading_decodes_no_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the few JSON texts of the file are parsed (path names, distinct values: arrays), never a record."""
    from mockserver import persistence, snapshot, store

    path = tmp_path / "state.arrow"
    before = filled({"a": [{"interaction_id": str(i), "metadata": {"k": i}} for i in range(100)]})
    save_state(path, capture(before))

    def refuse_objects(text: bytes) -> Any:
        assert not text.startswith(b"{"), "a record was decoded"
        return orjson.loads(text)

    def refuse(*args: Any) -> Any:
        raise AssertionError("records were taken apart again")

    monkeypatch.setattr(snapshot, "loads", refuse_objects)
    monkeypatch.setattr(persistence, "rows_of", refuse)
    monkeypatch.setattr(store, "Decomposer", refuse)
    saved = load_state(path)
    assert saved is not None
    back = unseeded()
    restore(path, back, saved)
    monkeypatch.undo()
    assert_same(before, back)


def test_deleted_records_are_not_saved(tmp_path: Path) -> None:
    path = tmp_path / "state.arrow"
    store = filled({"a": [{"interaction_id": str(i), "position": i, "metadata": {"gone": i == 1}} for i in range(3)]})
    store.namespace("a").delete("1")
    save_state(path, capture(store))
    batch = ipc.open_file(path).get_batch(0)
    assert batch.column("ids").to_pylist() == ["0", "2"]
    assert [orjson.loads(raw)["interaction_id"] for raw in batch.column("raws").to_pylist()] == ["0", "2"]
    assert b'"position":1' not in path.read_bytes()


def test_capture_is_a_copy_later_writes_do_not_reach(tmp_path: Path) -> None:
    store = filled({"a": [{"interaction_id": "1", "position": 1}]})
    copy = capture(store)
    store.namespace("a").add({"interaction_id": "2", "position": 2})
    store.namespace("a").delete("1")
    save_state(tmp_path / "state.arrow", copy)
    assert counts(tmp_path / "state.arrow") == {"a": 1}


def test_every_field_of_rows_has_a_column() -> None:
    """A field the table adds to Rows must be saved too: FIELDS is where it is added."""
    assert set(FIELDS) == {field.name for field in dataclasses.fields(Rows)} - {"paths"}


def test_a_path_coded_wider_in_another_namespace_comes_back(tmp_path: Path) -> None:
    """A path column is as wide as its widest namespace; each namespace reads its own values back."""
    store = filled(
        {
            "wide": [{"interaction_id": str(i), "position": i} for i in range(300)],
            "narrow": [{"interaction_id": "x", "position": 1.0, "other": True}],
        }
    )
    assert_same(store, reloaded(tmp_path / "state.arrow", store))


def test_missing_file_means_a_fresh_start(tmp_path: Path) -> None:
    assert load_state(tmp_path / "absent.arrow") is None


def test_save_replaces_the_previous_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "state.arrow"
    save_state(path, capture(filled({"a": [{"interaction_id": str(i)} for i in range(1000)]})))
    save_state(path, capture(filled({"b": []})))
    assert counts(path) == {"b": 0}
    assert [p.name for p in tmp_path.iterdir()] == ["state.arrow"]


def test_the_file_is_arrow_ipc_any_arrow_reader_opens(tmp_path: Path) -> None:
    path = tmp_path / "state.arrow"
    save_state(path, capture(filled({"a": [{"interaction_id": "1", "metadata": {"city": "Lyon"}}]})))
    reader = ipc.open_file(path)
    assert reader.schema.metadata == {b"format": FORMAT.encode(), b"version": str(VERSION).encode()}
    batch, metadata = reader.get_batch_with_custom_metadata(0)
    assert metadata[b"namespace"] == b"a"
    assert json.loads(metadata[b'["metadata","city"]']) == ["Lyon"]
    assert batch.column('["metadata","city"]').to_pylist() == [FIRST_VALUE_CODE]


# -- Version 1: JSON state files -----------------------------------------------------------------------


def json_state(namespaces: dict[str, list[Record]]) -> bytes:
    return orjson.dumps({"format": FORMAT, "version": JSON_VERSION, "namespaces": namespaces})


def test_a_version_1_json_file_still_loads(tmp_path: Path) -> None:
    kept = [
        {"interaction_id": "1", "document_score": 2**70, "metadata": {"k": -0.0}},
        {"interaction_id": "2", "document_score": 1.0, "metadata": {"k": True}},
    ]
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format": FORMAT, "version": JSON_VERSION, "namespaces": {"a": kept, "b": []}}))
    saved = load_state(path)
    assert saved is not None
    back = unseeded()
    restore(path, back, saved)
    assert_same(filled({"a": kept, "b": []}), back)


def test_a_version_1_file_is_saved_as_arrow_by_the_next_save(tmp_path: Path, cli: Callable[..., RunningCli]) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(json_state({"keep": [{"interaction_id": "old", **CLICK}]}))
    running = cli("--count", "0", "--state-file", str(path))
    page = requests.post(f"{running.url}{API}/list", headers=HEADERS, timeout=10).json()
    assert [r["interaction_id"] for r in page["results"]] == ["old"]
    code, _ = running.stop()
    assert code == 0 and path.read_bytes().startswith(MAGIC)
    assert counts(path) == {"keep": 1}


# -- Refusals ----------------------------------------------------------------------------------------


def assert_refused(path: Path, reason: str, store: Store | None = None) -> None:
    """Refused at load (or restore) with a message naming the file and the way out; the file left as it was."""
    content = path.read_bytes() if path.is_file() else None
    with pytest.raises(StateFileError, match=reason) as refused:
        saved = load_state(path)
        assert saved is not None
        restore(path, store or unseeded(), saved)
    assert str(refused.value).startswith(f"state file {path} ")
    assert "start without --state-file" in str(refused.value)
    assert (path.read_bytes() if path.is_file() else None) == content


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "is neither an Arrow IPC state file nor valid JSON"),
        (b"{torn", "is neither an Arrow IPC state file nor valid JSON"),
        (b"[]", "is not a mockserver state file"),
        (orjson.dumps({"format": "other"}), "is not a mockserver state file"),
        (
            orjson.dumps({"format": FORMAT, "version": 99, "namespaces": {}}),
            r"has version 99; this mockserver reads version 2 \(Arrow IPC\) and version 1 \(JSON\)",
        ),
        (orjson.dumps({"format": FORMAT, "version": JSON_VERSION}), 'has no "namespaces" object'),
        (json_state({"a": [{"x": 1}]}), "namespace 'a'"),
    ],
)
def test_bad_json_files_are_refused_saying_why(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    assert_refused(path, reason)


Spoil = Callable[[dict[str, Any], dict[bytes, bytes], dict[bytes, bytes]], None]


def spoiled(path: Path, spoil: Spoil, batches: int = 1) -> None:
    """A valid snapshot of two records rewritten with one thing spoiled: ``spoil`` edits its columns, its
    batch's custom metadata and its schema metadata in place."""
    store = filled({"a": [{"interaction_id": "1", "position": 0}, {"interaction_id": "2", "position": [1]}]})
    save_state(path, capture(store))
    reader = ipc.open_file(pa.BufferReader(path.read_bytes()))  # in memory: the file is rewritten below
    batch, batch_metadata = reader.get_batch_with_custom_metadata(0)
    columns = dict(zip(batch.schema.names, batch.columns, strict=True))
    batch_metadata, schema_metadata = dict(batch_metadata), dict(reader.schema.metadata)
    spoil(columns, batch_metadata, schema_metadata)
    table = pa.RecordBatch.from_arrays(list(columns.values()), names=list(columns))
    schema = table.schema.with_metadata(schema_metadata)
    with ipc.new_file(str(path), schema) as writer:
        for _ in range(batches):
            writer.write_batch(table.replace_schema_metadata(schema_metadata), custom_metadata=batch_metadata)


POSITION = '["position"]'


def _set(mapping: dict[Any, Any], key: Any, value: Any) -> None:
    mapping[key] = value


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda c, b, s: s.clear(), "is not a mockserver state file"),
        (lambda c, b, s: _set(s, b"format", b"someone-else"), "is not a mockserver state file"),
        (lambda c, b, s: _set(s, b"version", b"3"), r"has version '3'; this mockserver reads version 2"),
        (lambda c, b, s: c.pop("raws"), "has no column 'raws'"),
        (lambda c, b, s: _set(c, "ids", pa.array([1, 2])), "has no column 'ids' of type large_string"),
        (lambda c, b, s: _set(c, "position", c.pop(POSITION)), "column 'position' that is neither a field nor a path"),
        (lambda c, b, s: _set(c, POSITION, pa.array([3, 0], pa.int8())), "neither a field nor a path"),
        (
            lambda c, b, s: _set(c, POSITION, pa.array([3, None], pa.uint8())),
            "has nulls in the columns of namespace 'a'",
        ),
        (lambda c, b, s: _set(c, POSITION, pa.array([3, 5], pa.uint8())), r"has codes past the values of path \["),
        (lambda c, b, s: _set(c, '["new"]', pa.array([0, 3], pa.uint8())), "has codes past the values"),
        (lambda c, b, s: _set(b, POSITION.encode(), b"[0,"), "has malformed values for path"),
        (lambda c, b, s: _set(b, POSITION.encode(), b'{"a": 1}'), "has malformed values for path"),
        (lambda c, b, s: _set(b, POSITION.encode(), b'[{"a": 1}]'), "has malformed values for path"),
        (lambda c, b, s: _set(b, POSITION.encode(), b"[[[0]]]"), "has malformed values for path"),
        (lambda c, b, s: _set(b, b'["gone"]', b"[1]"), "has values for no column in namespace 'a'"),
        (lambda c, b, s: b.pop(b"namespace"), "has a record batch without a namespace name"),
        (lambda c, b, s: _set(c, "ids", pa.array(["1", "1"], pa.large_string())), "holds an interaction_id twice"),
        (
            lambda c, b, s: _set(
                c,
                "raws",
                pa.Array.from_buffers(
                    pa.large_binary(), 2, [None, pa.py_buffer(np.array([0, 2, 1], np.int64)), pa.py_buffer(b"{}")]
                ),
            ),
            "has a torn or corrupt record batch",
        ),
    ],
)
def test_malformed_snapshots_are_refused_saying_why(tmp_path: Path, spoil: Spoil, reason: str) -> None:
    path = tmp_path / "state.arrow"
    spoiled(path, spoil)
    assert_refused(path, reason)


def test_a_namespace_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.arrow"
    spoiled(path, lambda c, b, s: None, batches=2)
    assert_refused(path, "holds namespace 'a' twice")


@pytest.mark.parametrize("keep", [0.5, 0.99, 8 / 9])
def test_a_truncated_snapshot_is_refused(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "state.arrow"
    save_state(path, capture(filled({"a": [{"interaction_id": str(i), "position": i} for i in range(100)]})))
    content = path.read_bytes()
    path.write_bytes(content[: int(len(content) * keep)])
    assert_refused(path, "is not a complete Arrow IPC file, torn or corrupt")


def test_a_foreign_arrow_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.arrow"
    with ipc.new_file(str(path), pa.schema([("x", pa.int64())])) as writer:
        writer.write_batch(pa.record_batch([pa.array([1])], names=["x"]))
    assert_refused(path, "is not a mockserver state file")


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "state.arrow").mkdir()
    assert_refused(tmp_path / "state.arrow", "cannot be read")


def test_a_namespace_the_server_does_not_allow_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.arrow"
    save_state(path, capture(filled({"other": []})))
    assert_refused(
        path, "holds namespace 'other', which --namespaces does not allow", Store(lambda name: [], frozenset({"a"}))
    )


# -- Through the command line ------------------------------------------------------------------------


def test_records_survive_a_restart(tmp_path: Path, cli: Callable[..., RunningCli]) -> None:
    path = tmp_path / "state.arrow"
    first = cli("--count", "2", "--state-file", str(path))
    created = requests.post(f"{first.url}{API}", json=CLICK, headers=HEADERS, timeout=10).json()
    seeded = requests.post(f"{first.url}{API}/list", headers=HEADERS, timeout=10).json()["results"]
    requests.delete(f"{first.url}{API}/{seeded[-1]['interaction_id']}", headers=HEADERS, timeout=10)
    before = requests.post(f"{first.url}{API}/list", headers=HEADERS, timeout=10).content
    code, _ = first.stop()
    assert code == 0 and path.exists()

    second = cli("--count", "2", "--state-file", str(path))
    after = requests.post(f"{second.url}{API}/list", headers=HEADERS, timeout=10)
    ids = {r["interaction_id"] for r in after.json()["results"]}
    assert created["interaction_id"] in ids and seeded[-1]["interaction_id"] not in ids
    assert after.content == before


def test_periodic_save_happens_without_shutdown(tmp_path: Path, cli: Callable[..., RunningCli]) -> None:
    path = tmp_path / "state.arrow"
    running = cli("--count", "0", "--state-file", str(path), "--save-interval", "0.2")
    requests.post(f"{running.url}{API}", json=CLICK, headers=HEADERS, timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (counts(path) if path.exists() else None) != {"keep": 1}:
        time.sleep(0.1)
    running.process.kill()
    assert counts(path) == {"keep": 1}


def start_refused(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mockserver", "--port", "0", *args], capture_output=True, text=True, timeout=60)


def test_corrupt_state_file_stops_the_start(tmp_path: Path) -> None:
    path = tmp_path / "state.arrow"
    save_state(path, capture(filled({"a": [{"interaction_id": "1"}]})))
    torn = path.read_bytes()[:-20]
    path.write_bytes(torn)
    result = start_refused("--state-file", str(path))
    assert result.returncode == 2
    assert f"state file {path} is not a complete Arrow IPC file" in result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == torn


def test_state_file_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    result = start_refused("--state-file", str(tmp_path / "nope" / "s.arrow"))
    assert result.returncode == 2 and "folder that does not exist" in result.stderr


def wait_for_file(path: Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline, f"no save reached {path} in 30 s"
        time.sleep(0.01)


def test_kill_9_during_saves_never_leaves_a_torn_file(tmp_path: Path, cli: Callable[..., RunningCli]) -> None:
    import random

    path = tmp_path / "state.arrow"
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
        state = counts(path)  # raises if the file is torn
        assert state is not None, "the state file vanished"
        assert state["keep"] in {held, held + 1}, "the file holds neither the old nor the new state"
        held = state["keep"]
    cli("--state-file", str(path), "--quiet")
    assert [p.name for p in tmp_path.iterdir()] == ["state.arrow"], "a killed save's temporary file was left"
