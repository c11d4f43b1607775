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
