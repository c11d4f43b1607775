"""NamespaceStore: records by id, and the indexes, orders and columns the list engine reads, kept right on write."""

from __future__ import annotations

import gc
import sys
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures.stamps import Timestamps
from mockserver.errors import NotFound
from mockserver.query.paths import MISSING, reader
from mockserver.store import FROZEN_FROM, NamespaceStore, Store


def rec(interaction_id: str, stamp: str | None = "2025-01-01T00:00:00Z", **fields: Any) -> dict[str, Any]:
    return {"interaction_id": interaction_id, "timestamp": stamp, "interaction_type": ["click"], **fields}


def values(store: NamespaceStore, field: str) -> list[Any]:
    column = store.column((field,), reader((field,)))
    return [column.values[code] for code in column.codes]


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


def test_indexes_follow_adds_replacements_and_deletes() -> None:
    store = NamespaceStore("ns")
    store.add(rec("1", user_id="u", session_id="s", interaction_type=["click", "purchase", "click"]))
    store.add(rec("2", user_id="u", session_id=None, interaction_type=["view"]))
    assert sorted(store.ids_with("user_id", "u")) == ["1", "2"]
    assert sorted(store.ids_with("interaction_type", "click")) == ["1"]
    assert sorted(store.ids_with("session_id", "s")) == ["1"]
    store.add(rec("1", user_id="v", interaction_type=["view"]))
    assert sorted(store.ids_with("user_id", "u")) == ["2"]
    assert sorted(store.ids_with("user_id", "v")) == ["1"]
    assert sorted(store.ids_with("interaction_type", "click")) == []
    assert sorted(store.ids_with("interaction_type", "view")) == ["1", "2"]
    store.delete("2")
    assert sorted(store.ids_with("interaction_type", "view")) == ["1"]
    assert sorted(store.ids_with("feature_id", "anything")) == []


@pytest.mark.parametrize("count", [5, 200])
def test_id_order_and_newest_first_after_few_or_many_writes(count: int) -> None:
    """Up to 64 additions are inserted one by one, more are merged by a sort: both must end up alike."""
    store = NamespaceStore("ns")
    for i in range(count):
        store.add(rec(f"{(i * 37) % count:04d}", f"2025-01-01T00:{i % 7:02d}:00Z"))
    ids = list(store.ids_in_order())
    assert ids == sorted(ids)
    assert [orjson.loads(r)["interaction_id"] for r in store.raws_in_id_order()] == ids
    newest = store.newest_positions()
    assert newest is not None
    records = [orjson.loads(raw) for raw in store]
    expected = sorted(records, key=lambda r: (r["timestamp"], [-ord(c) for c in r["interaction_id"]]), reverse=True)
    assert [ids[p] for p in newest] == [r["interaction_id"] for r in expected]
    store.delete(ids[1])
    store.add(rec("zzzz", "2030-01-01T00:00:00Z"))
    newest = store.newest_positions()
    assert newest is not None
    assert store.ids_in_order()[newest[0]] == "zzzz"
    assert ids[1] not in store.ids_in_order()


def test_newest_first_is_withheld_while_a_timestamp_is_no_instant() -> None:
    store = NamespaceStore("ns")
    store.add(rec("a"))
    store.add(rec("b", "whenever"))
    assert store.newest_positions() is None
    store.delete("b")
    assert list(store.newest_positions() or ()) == [0]
    store.add(rec("c", None))
    assert store.newest_positions() is None


def test_columns_are_updated_in_place_on_write() -> None:
    store = NamespaceStore("ns")
    for interaction_id, position in (("b", 2), ("d", 4)):
        store.add(rec(interaction_id, position=position))
    assert values(store, "position") == [2, 4]
    store.add(rec("c", position=3))
    store.add(rec("a"))
    assert values(store, "position") == [MISSING, 2, 3, 4]
    store.delete("c")
    assert values(store, "position") == [MISSING, 2, 4]
    store.add(rec("b", position=9))
    assert values(store, "position") == [MISSING, 9, 4]


def test_columns_beyond_the_cap_are_rebuilt_on_demand() -> None:
    store = NamespaceStore("ns")
    store.add(rec("a", metadata={f"k{i}": i for i in range(100)}))
    for i in range(100):
        path = ("metadata", f"k{i}")
        column = store.column(path, reader(path))
        assert column.values[column.codes[0]] == i


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
    """Everything the engine reads from a namespace."""
    fields = ("user_id", "session_id", "interaction_type")
    return {
        "records": list(store),
        "in_id_order": list(store.ids_in_order()),
        "newest": None if (newest := store.newest_positions()) is None else list(newest),
        "indexed": {(f, v): sorted(store.ids_with(f, v)) for f in fields for v in ("u", "v", "click", "view")},
        "positions": values(store, "position"),
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


@given(RECORDS, RECORDS)
def test_filling_at_once_is_adding_one_by_one(before: list[dict[str, Any]], records: list[dict[str, Any]]) -> None:
    """fill (seeding) must leave a namespace as add would, repeated ids included, and forget remembered reads."""
    one_by_one, at_once = NamespaceStore("ns"), NamespaceStore("ns")
    for store in (one_by_one, at_once):
        for record in before:
            store.add(record)
        observed(store)  # builds the orders and a column, so the writes below must update them
        store.answers.put("query", b"answer")
    for record in records:
        one_by_one.add(record)
    at_once.fill(records)
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
    def seeder(name: str) -> list[dict[str, Any]]:
        return [rec(f"{i:06d}", user_id=f"u{i % 50}") for i in range(FROZEN_FROM if name == "big" else 10)]

    store = Store(seeder=seeder)
    frozen = gc.get_freeze_count()
    try:
        store.namespace("small")
        assert gc.get_freeze_count() == frozen
        big = store.namespace("big")
        assert gc.get_freeze_count() > frozen
        assert list(big.ids_in_order()) == sorted(big.ids_in_order())
        assert len(big.ids_with("user_id", "u7")) == FROZEN_FROM // 50
        # Many more additions, then a read that merges them: the id order stays out of sight.
        for i in range(200):
            big.add(rec(f"new{i:03d}"))
        in_order = big.ids_in_order()
        assert len(in_order) == FROZEN_FROM + 200 and list(in_order) == sorted(in_order)
        assert not any(tracked is in_order for tracked in gc.get_objects())
    finally:
        gc.unfreeze()  # back to the collector: this test process goes on
