"""Seeding a namespace on every core: the records and columns are those of one process."""

from __future__ import annotations

import pytest

from fixtures import generate_interactions
from mockserver.seeding import seeded_rows
from mockserver.store import NamespaceStore, rows_of


def _every_column(store: NamespaceStore) -> dict[tuple[str, ...], list[object]]:
    table = store.table
    return {path: [column.values[code] for code in column.at(table.size)] for path, column in table.columns.items()}


@pytest.mark.parametrize("count", [1, 12_000, 30_000])
def test_workers_store_what_one_process_stores(count: int) -> None:
    """Blocks taken apart in two worker processes, cut at the count, equal the records generated here."""
    in_workers, here = NamespaceStore("ns"), NamespaceStore("ns")
    in_workers.fill(seeded_rows(count, 3, "ns", workers=2))
    here.fill(rows_of(generate_interactions(count, 3, "ns")))
    assert len(in_workers) == count
    assert list(in_workers) == list(here)
    assert _every_column(in_workers) == _every_column(here)
    size = here.table.size
    assert in_workers.table.instants[:size].tolist() == here.table.instants[:size].tolist()
    assert in_workers.table.id_keys[:size].tolist() == here.table.id_keys[:size].tolist()


def test_a_small_namespace_is_seeded_without_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_workers(*args: object, **kwargs: object) -> None:
        raise AssertionError("a small namespace started worker processes")

    monkeypatch.setattr("mockserver.seeding.generate_blocks", no_workers)
    store = NamespaceStore("ns")
    store.fill(seeded_rows(1000, 3, "ns"))
    assert len(store) == 1000


@pytest.mark.parametrize("workers", [1, 2])
def test_a_2026_namespace_is_seeded_with_2026_records_repeats_and_all(workers: int) -> None:
    """The data set as stored: every generated record (the repeats a 2026 server would drop on create
    included), each with occurred_at for the default order."""
    count = 15_000
    seeded, generated = NamespaceStore("ns"), list(generate_interactions(count, 3, "ns", api_version="2026-11"))
    seeded.fill(seeded_rows(count, 3, "ns", workers=workers, api_version="2026-11"))
    here = NamespaceStore("ns")
    here.fill(rows_of(generated))
    assert len(seeded) == count and list(seeded) == list(here)
    assert _every_column(seeded) == _every_column(here)
    occurred = _every_column(seeded)[("occurred_at",)]
    assert len(occurred) == count and all(isinstance(text, str) for text in occurred)
    keys = {(r["execution_id"], r["feature_id"], frozenset(r["interaction_type"])) for r in generated}
    assert len(keys) < count, "the repeats are stored too"
