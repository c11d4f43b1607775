"""NamespaceStore and its table: records by id, and the columns the list engine reads, filled on write."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures.stamps import Timestamps
from mockserver.errors import NotFound
from mockserver.jsonio import loads
from mockserver.query.paths import MISSING, reader
from mockserver.store import FROZEN_FROM, NamespaceStore, Store, rows_of
from mockserver.table import OBJECT, OPAQUE, Rows


def rec(interaction_id: str, stamp: str | None = "2025-01-01T00:00:00Z", **fields: Any) -> dict[str, Any]:
    return {"interaction_id": interaction_id, "timestamp": stamp, "interaction_type": ["click"], **fields}


def held(store: NamespaceStore, path: tuple[str, ...]) -> list[Any]:
    """The value each live row's column holds at ``path``, in insertion order (objects, opaque arrays: stand-ins)."""
    table = store.table
    column = table.column(path)
    rows = [row for row in range(table.size) if table.alive[row]]
    if column is None:
        return [MISSING] * len(rows)
    codes = column.at(table.size)
    return [column.values[codes[row]] for row in rows]


def stand_in(value: Any) -> Any:
    """What a column keeps for a value: itself, or the object / opaque-array stand-in."""
    if type(value) is dict:
        return OBJECT
    if type(value) is list and any(type(item) in (list, dict) for item in value):
        return OPAQUE
    return value


def test_records_by_id_in_insertion_order() -> None:
    store = NamespaceStore("ns")
    for interaction_id in ("b", "a", "c"):
        store.add(rec(interaction_id))
    assert len(store) == 3
    assert [orjson.loads(r)["interaction_id"] for r in store] == ["b", "a", "c"]
    assert store.get("a")["interaction_id"] == "a"
    assert store.delete("a")["interaction_id"] == "a"
    with pytest.raises(NotFound) as missing:
        store.get("a")
    assert missing.value.details == {"id": "a", "resource": "interaction"}
    with pytest.raises(NotFound):
        store.delete("a")


def test_columns_follow_adds_replacements_and_deletes() -> None:
    store = NamespaceStore("ns")
    store.add(rec("b", position=2, metadata={"device": "mobile"}))
    store.add(rec("d", position=4))
    assert held(store, ("position",)) == [2, 4]
    store.add(rec("c", position=3))
    store.add(rec("a"))
    assert held(store, ("position",)) == [2, 4, 3, MISSING]
    store.delete("c")
    assert held(store, ("position",)) == [2, 4, MISSING]
    store.add(rec("b", position=9))  # a replacement is a new row: insertion order moves it last
    assert held(store, ("position",)) == [4, MISSING, 9]
    assert held(store, ("metadata", "device")) == [MISSING, MISSING, MISSING]
    assert held(store, ("never", "seen")) == [MISSING, MISSING, MISSING]


def test_records_are_kept_as_their_own_json_and_no_bigger() -> None:
    store = NamespaceStore("ns")
    record = rec("a", metadata={"device": "mobile", "n": 2**70})
    raw = store.add(record)
    assert store.raw("a") is raw
    assert orjson.loads(raw.replace(str(2**70).encode(), b"0")) == {**record, "metadata": {"device": "mobile", "n": 0}}
    assert store.get("a")["metadata"]["n"] == 2**70, "integers past 64 bits survive exactly"
    # orjson returns its whole 8 KB write buffer; kept as is, 100k records would take 800 MB.
    assert sys.getsizeof(raw) < len(raw) + 64


def observed(store: NamespaceStore) -> dict[str, Any]:
    """Everything the engine reads from a namespace, row by row in insertion order."""
    table = store.table
    live = [row for row in range(table.size) if table.alive[row]]
    paths = ("user_id", "session_id", "interaction_type", "position", "timestamp")
    return {
        "records": list(store),
        "ids": [table.ids[row] for row in live],
        "id_keys": [int(table.id_keys[row]) for row in live],
        "instants": [int(table.instants[row]) for row in live],
        "untimed": table.untimed,
        "columns": {path: held(store, (path,)) for path in paths},
    }


STAMPS = st.one_of(
    st.none(),
    st.just("no time"),
    st.integers(0, 2**40).map(lambda micros: Timestamps().text(1_700_000_000_000_000 + micros)),
)
RECORDS = st.lists(
    st.builds(
        rec,
        st.sampled_from("abcdefghij"),
        STAMPS,
        user_id=st.sampled_from(["u", "v", None]),
        session_id=st.sampled_from(["u", None]),
        interaction_type=st.lists(st.sampled_from(["click", "view", 3]), max_size=3),
        position=st.integers(0, 5),
    ),
    max_size=80,
)


@given(RECORDS, RECORDS, st.integers(1, 90))
def test_filling_at_once_is_adding_one_by_one(
    before: list[dict[str, Any]], records: list[dict[str, Any]], chunk: int
) -> None:
    """fill (seeding) must leave a namespace as add would, repeated ids included, and forget remembered reads."""
    one_by_one, at_once = NamespaceStore("ns"), NamespaceStore("ns")
    for store in (one_by_one, at_once):
        for record in before:
            store.add(record)
        store.answers.put("query", b"answer")
    for record in records:
        one_by_one.add(record)
    at_once.fill(rows_of(records, chunk))
    assert observed(at_once) == observed(one_by_one)
    assert at_once.answers.get("query") is None


@given(st.integers(0, 2**50), st.sampled_from(["a", "b"]))
def test_a_stamp_handed_over_orders_as_its_text_does(micros: int, interaction_id: str) -> None:
    handed, read = NamespaceStore("ns"), NamespaceStore("ns")
    for store in (handed, read):
        store.add(rec("m", Timestamps().text(2**49)))
    record = rec(interaction_id, Timestamps().text(micros))
    handed.add(record, micros)
    read.add(record)
    assert observed(handed) == observed(read)


def test_only_a_big_namespace_is_frozen_out_of_the_collector() -> None:
    def seeder(name: str) -> Iterator[Rows]:
        return rows_of(rec(f"{i:06d}", user_id=f"u{i % 50}") for i in range(FROZEN_FROM if name == "big" else 10))

    store = Store(seeder=seeder)
    frozen = gc.get_freeze_count()
    try:
        store.namespace("small")
        assert gc.get_freeze_count() == frozen
        big = store.namespace("big")
        assert gc.get_freeze_count() > frozen
        assert held(big, ("user_id",))[:3] == ["u0", "u1", "u2"]
    finally:
        gc.unfreeze()  # back to the collector: this test process goes on


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("xyz"), inner, max_size=3),
    max_leaves=8,
)
MIXED = st.lists(
    st.builds(
        lambda i, metadata, position: {"interaction_id": i, "metadata": metadata, "position": position},
        st.sampled_from("abcdef"),
        st.dictionaries(st.sampled_from(["device", "n", "deep"]), JSON_VALUES, max_size=3),
        JSON_VALUES,
    ),
    max_size=30,
)


@given(MIXED)
def test_every_path_a_record_holds_has_its_column_filled_on_write(records: list[dict[str, Any]]) -> None:
    """Strings, numbers, arrays, objects, null and missing, mixed at one path: each row's column holds its value."""
    one_by_one, at_once = NamespaceStore("ns"), NamespaceStore("ns")
    for record in records:
        one_by_one.add(record)
    at_once.fill(rows_of(records))  # the bulk coding of Column.codes_for
    for store in (one_by_one, at_once):
        stored = [loads(raw) for raw in store]  # exact past 64 bits, as the store itself reads
        paths = {path for record in stored for path in _paths(record) if path != ("interaction_id",)}
        assert paths <= set(store.table.columns), "every path has its column before any query"
        for path in paths | {("metadata", "absent")}:
            read = reader(path)
            expected = [stand_in(read(record)) for record in stored]
            assert [_same(value) for value in held(store, path)] == [_same(value) for value in expected]


def _paths(node: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every path through objects in ``node``."""
    found = []
    for key, value in node.items():
        found.append((*prefix, key))
        if type(value) is dict:
            found += _paths(value, (*prefix, key))
    return found


def _same(value: Any) -> Any:
    """A value as equality should see it here: 1, 1.0 and true, and 0.0 and -0.0, told apart."""
    if type(value) is list:
        return [_same(item) for item in value]
    return (type(value), repr(value)) if type(value) in (int, float, bool) else value


def test_a_first_query_on_a_path_reads_no_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """Columns are filled at write time: a path's first query decodes nothing (mockserver/table.py)."""
    from mockserver.query import masks, parse_list_request, run_query

    store = NamespaceStore("ns")
    store.fill(rows_of(rec(f"{i:04d}", metadata={"city": f"c{i % 7}", "n": i}) for i in range(500)))

    def no_decoding(raw: bytes) -> Any:
        raise AssertionError("a record was decoded to answer the query")

    monkeypatch.setattr(masks, "loads", no_decoding)
    body = {"filters": {"metadata.city": {"in": ["c1", "c2"]}}, "sort": {"field": "metadata.n"}, "search": "c1"}
    page = orjson.loads(run_query(store, parse_list_request(body, {"limit": "3"}), "/list").body())
    assert page["pagination"]["total"] == len([i for i in range(500) if i % 7 == 1])
    assert [r["metadata"]["n"] for r in page["results"]] == [1, 8, 15]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"filters": {"interaction_id": "b2"}}, ["b2"]),
        ({"filters": {"interaction_id": {"in": ["a1", "c3", "zz"]}}}, ["a1"]),
        ({"filters": {"interaction_id": {"starts_with": "B", "ne": "b2"}}}, ["b1"]),
        (
            {"filters": {"interaction_id": {"exists": True}}, "sort": {"field": "interaction_id", "direction": "desc"}},
            ["b2", "b1", "a1"],
        ),
        ({"sort": {"field": "interaction_id"}}, ["a1", "b1", "b2"]),
    ],
)
def test_interaction_id_is_queried_from_the_ids_the_table_keeps(body: dict[str, Any], expected: list[str]) -> None:
    """interaction_id has no column of its own (ids are unique): it reads the table's ids, deleted rows left out."""
    from mockserver.query import parse_list_request, run_query

    store = NamespaceStore("ns")
    for interaction_id in ("b2", "c3", "a1", "b1"):
        store.add(rec(interaction_id))
    store.delete("c3")
    page = orjson.loads(run_query(store, parse_list_request(body, {}), "/list").body())
    assert [r["interaction_id"] for r in page["results"]] == expected
    assert ("interaction_id",) not in store.table.columns


def test_a_value_read_back_from_its_json_keeps_integers_past_64_bits() -> None:
    """An array holding objects has no column value: such rows are read back, as exactly as the store reads them."""
    from mockserver.query import parse_list_request, run_query

    store = NamespaceStore("ns")
    store.add(rec("big", metadata={"items": [{"n": 2**70}]}))
    store.add(rec("small", metadata={"items": [{"n": 7}]}))
    page = orjson.loads(run_query(store, parse_list_request({"search": str(2**70)}, {}), "/list").body())
    assert [r["interaction_id"] for r in page["results"]] == ["big"]


def test_tombstones_are_compacted_and_every_column_stays_right() -> None:
    """After as many deletes as live rows, the table drops its dead rows; queries answer as before."""
    from mockserver.query import parse_list_request, run_query

    store = NamespaceStore("ns")
    store.fill(rows_of(rec(f"{i:05d}", position=i % 10, metadata={"city": f"c{i % 3}"}) for i in range(3000)))
    for i in range(0, 3000, 3):
        store.delete(f"{i:05d}")
    for i in range(1, 3000, 3):
        store.delete(f"{i:05d}")
    table = store.table
    # Compacted once, when 1,500 of 3,000 rows were dead; the 500 deleted since are tombstones.
    assert table.size == 1500 and len(store) == 1000
    assert int(table.live().sum()) == 1000
    assert held(store, ("metadata", "city")) == ["c2"] * 1000
    assert held(store, ("position",)) == [i % 10 for i in range(2, 3000, 3)]
    body = {"filters": {"position": {"lte": 2}}, "sort": {"field": "position", "direction": "desc"}}
    page = orjson.loads(run_query(store, parse_list_request(body, {"limit": "2"}), "/list").body())
    assert page["pagination"]["total"] == len([i for i in range(2, 3000, 3) if i % 10 <= 2])
    assert [r["interaction_id"] for r in page["results"]] == ["00002", "00032"]
    store.add(rec("new", position=2))
    assert store.get("new")["position"] == 2 and held(store, ("position",))[-1] == 2


@given(RECORDS, st.lists(st.sampled_from("abcdefghij"), max_size=20))
def test_compacting_changes_no_answer(records: list[dict[str, Any]], doomed: list[str]) -> None:
    """A table compacting at every chance answers exactly as one that never does."""
    from unittest import mock

    from mockserver.query import parse_list_request, run_query

    stores = []
    for compact_from in (1, 10**9):
        with mock.patch("mockserver.table._COMPACT_FROM", compact_from):
            store = NamespaceStore("ns")
            store.fill(rows_of(records))
            for interaction_id in doomed:
                if store.table.row(interaction_id) is not None:
                    store.delete(interaction_id)
                    store.add(rec(interaction_id + "-again", position=len(store) % 6))
        stores.append(store)
    body = {"filters": {"position": {"gte": 1}}, "sort": {"field": "position"}}
    answers = [run_query(s, parse_list_request(body, {"limit": "100"}), "/list").body() for s in stores]
    assert answers[0] == answers[1]
    assert list(stores[0]) == list(stores[1])
    assert held(stores[0], ("position",)) == held(stores[1], ("position",))


def test_a_filled_namespace_keeps_no_spare_room_and_grows_again() -> None:
    store = Store(seeder=lambda name: rows_of(rec(f"{i:05d}", position=i % 10) for i in range(3000)))
    table = store.namespace("ns").table
    assert len(table.alive) == len(table.instants) == table.size == 3000
    assert all(len(column.codes) == 3000 for column in table.columns.values())
    store.namespace("ns").add(rec("new", position=7))
    assert held(store.namespace("ns"), ("position",))[-1] == 7 and len(table.alive) > 3001


def test_memory_is_given_back_only_where_the_c_library_can(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without glibc's malloc_trim (another C library, another system) a big namespace still fills."""
    import ctypes

    tried: list[str] = []

    def no_glibc(name: str) -> None:
        tried.append(name)
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(ctypes, "CDLL", no_glibc)
    store = Store(seeder=lambda name: rows_of(rec(f"{i:06d}") for i in range(FROZEN_FROM)))
    try:
        assert len(store.namespace("big")) == FROZEN_FROM
    finally:
        gc.unfreeze()  # back to the collector: this test process goes on
    assert tried == ["libc.so.6"]


def test_a_search_term_looked_for_before_finds_values_added_since() -> None:
    """Columns keep each term's hits per distinct value until a value is added (Column.search_hits)."""
    from mockserver.query import parse_list_request, run_query

    store = NamespaceStore("ns")
    store.add(rec("a", metadata={"city": "Lyon"}))

    def found(term: str) -> list[str]:
        page = orjson.loads(run_query(store, parse_list_request({"search": term}, {}), "/list").body())
        return [r["interaction_id"] for r in page["results"]]

    assert found("paris") == []
    store.add(rec("b", metadata={"city": "Paris"}))
    store.add(rec("c", metadata={"tags": [{"city": "paris"}]}))  # an array holding an object: read back
    assert found("paris") == ["b", "c"]  # one timestamp: by id


RARE = st.lists(
    st.builds(
        lambda i, metadata, position: rec(f"{i:03d}", metadata=metadata, position=position),
        st.integers(0, 60),
        # One record in twenty holds "rare": a filled table keeps that column's held rows only.
        st.integers(0, 19).flatmap(
            lambda k: st.builds(lambda v: {"rare": v}, JSON_VALUES) if k == 0 else st.just({"device": "mobile"})
        ),
        st.integers(0, 3),
    ),
    min_size=40,  # enough rows for a rare path's few to be kept alone
    max_size=120,
)


# Deleting up to every id: often over half the rows, when a table compacts.
@given(RARE, st.lists(st.integers(0, 60), min_size=20, max_size=60), st.lists(JSON_VALUES, max_size=5), st.booleans())
def test_a_fitted_table_answers_as_one_never_fitted(
    records: list[dict[str, Any]], doomed: list[int], added: list[Any], compact: bool
) -> None:
    """Rows holding a rare path kept alone (Column.fit) read, answer and change as a dense column does."""
    from unittest import mock

    from mockserver.query import parse_list_request, run_query

    stores = []
    for fitted in (False, True):
        with mock.patch("mockserver.table._COMPACT_FROM", 1 if compact else 10**9):
            store = NamespaceStore("ns")
            store.fill(rows_of(records))
            if fitted:
                store.table.fit()
            for number in doomed:
                if store.table.row(f"{number:03d}") is not None:
                    store.delete(f"{number:03d}")
            for n, value in enumerate(added):
                store.add(rec(f"new{n}", metadata={"rare": value}, position=n % 4))
        stores.append(store)
    plain, fitted_store = stores
    assert list(plain) == list(fitted_store)
    for path in set(plain.table.columns) | set(fitted_store.table.columns):
        assert held(plain, path) == held(fitted_store, path), path
    for body in (
        {"filters": {"metadata.rare": {"exists": True}}, "sort": {"field": "metadata.rare"}},
        {"filters": {"metadata.rare": {"gte": 0}}, "search": "1"},
        {"sort": {"field": "metadata.rare", "direction": "desc"}},
    ):
        answers = [run_query(s, parse_list_request(body, {"limit": "200"}), "/list").body() for s in stores]
        assert answers[0] == answers[1], body
