"""In-memory interactions, one independent store per namespace.

A namespace is created (and seeded) the first time it is used, unless the server was
started with a fixed list of namespaces (CONTRACT.md, Auth and namespaces).

Each namespace also keeps what makes list queries fast (mockserver/query), updated on write: an
index per simple field, its records in id order (the tie-break of every order) with columns of
values read from them in that order, and the newest-first order (the default).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence, Set
from typing import Any

from mockserver.errors import NamespaceFull, NotFound
from mockserver.query.columns import Column
from mockserver.query.sort import newest_first_key

Record = dict[str, Any]
Seeder = Callable[[str], Iterable[Record]]
Extract = Callable[[Record], Any]

# The request's simple fields; interaction_type is indexed by each element of the record's list.
INDEXED_FIELDS = ("execution_id", "retriever_id", "session_id", "user_id", "feature_id")
_NOTHING: frozenset[str] = frozenset()
# Up to this many additions are inserted one by one; more (a seeding) are merged by one sort.
_INSERT_ONE_BY_ONE = 64
# Columns kept per namespace; the least recently built goes first (clients choose the paths).
_MAX_COLUMNS = 64


class _IdOrder:
    """Records sorted by interaction_id, with columns of derived values in the same order.

    Scanning a column (a list) touches far less memory than reading the same field out of
    100k scattered dicts, which is what makes filters fast. Additions wait in a batch until
    the next read; a big batch (a seeding) is merged with one sort.
    """

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.records: list[Record] = []
        self._columns: dict[Hashable, tuple[Extract, Column]] = {}
        self._batch: list[Record] = []

    def add(self, record: Record) -> None:
        self._batch.append(record)

    def remove(self, interaction_id: str) -> None:
        self.settle()
        index = bisect.bisect_left(self.ids, interaction_id)
        del self.ids[index], self.records[index]
        for _, column in self._columns.values():
            column.delete(index)

    def column(self, key: Hashable, extract: Extract) -> Column:
        self.settle()
        kept = self._columns.get(key)
        if kept is None:
            if len(self._columns) >= _MAX_COLUMNS:
                del self._columns[next(iter(self._columns))]
            kept = self._columns[key] = (extract, Column(map(extract, self.records)))
        return kept[1]

    def settle(self) -> None:
        batch = self._batch
        self._batch = []
        if len(batch) > _INSERT_ONE_BY_ONE:
            merged = sorted([*self.records, *batch], key=lambda r: r["interaction_id"])
            self.records = merged
            self.ids = [r["interaction_id"] for r in merged]
            self._columns.clear()
            return
        for record in batch:
            index = bisect.bisect_left(self.ids, record["interaction_id"])
            self.ids.insert(index, record["interaction_id"])
            self.records.insert(index, record)
            for extract, column in self._columns.values():
                column.insert(index, extract(record))


class _NewestFirst:
    """The keys (-instant, id) of the timed records, sorted; additions batched like _IdOrder's."""

    def __init__(self) -> None:
        self._keys: list[tuple[int, str]] = []
        self._batch: list[tuple[int, str]] = []

    def add(self, key: tuple[int, str]) -> None:
        self._batch.append(key)

    def remove(self, key: tuple[int, str]) -> None:
        keys = self.sorted_keys()
        del keys[bisect.bisect_left(keys, key)]

    def sorted_keys(self) -> list[tuple[int, str]]:
        batch = self._batch
        self._batch = []
        if len(batch) > _INSERT_ONE_BY_ONE:
            self._keys = sorted([*self._keys, *batch])
        else:
            for key in batch:
                bisect.insort(self._keys, key)
        return self._keys


def _index_values(field: str, record: Record) -> set[str]:
    # A set: a list may name one type twice, and the record is indexed (and forgotten) once per value.
    value = record.get(field)
    if field == "interaction_type":
        return {item for item in value if type(item) is str} if type(value) is list else set()
    return {value} if type(value) is str else set()


class NamespaceStore:
    """The interactions of one namespace, by id, in insertion order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._by_id: dict[str, Record] = {}
        self._index: dict[str, dict[str, set[str]]] = {f: {} for f in (*INDEXED_FIELDS, "interaction_type")}
        self._id_order = _IdOrder()
        self._newest = _NewestFirst()
        # Records whose timestamp is not an instant cannot take part in the kept newest-first order.
        self._untimed: set[str] = set()
        self._newest_positions: list[int] | None = None

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Record]:
        return iter(self._by_id.values())

    def add(self, record: Record) -> None:
        interaction_id = record["interaction_id"]
        if interaction_id in self._by_id:
            self._forget(self._by_id[interaction_id])
        self._by_id[interaction_id] = record
        for field, index in self._index.items():
            for value in _index_values(field, record):
                index.setdefault(value, set()).add(interaction_id)
        self._id_order.add(record)
        key = newest_first_key(record)
        if key is None:
            self._untimed.add(interaction_id)
        else:
            self._newest.add(key)
        self._newest_positions = None

    def get(self, interaction_id: str) -> Record:
        try:
            return self._by_id[interaction_id]
        except KeyError:
            raise _missing(interaction_id) from None

    def delete(self, interaction_id: str) -> Record:
        record = self.get(interaction_id)
        self._forget(record)
        del self._by_id[interaction_id]
        return record

    def _forget(self, record: Record) -> None:
        interaction_id = record["interaction_id"]
        for field, index in self._index.items():
            for value in _index_values(field, record):
                ids = index[value]
                ids.discard(interaction_id)
                if not ids:
                    del index[value]
        self._id_order.remove(interaction_id)
        key = newest_first_key(record)
        if key is None:
            self._untimed.discard(interaction_id)
        else:
            self._newest.remove(key)
        self._newest_positions = None

    def ids_with(self, field: str, value: str) -> Set[str]:
        """Ids of the records whose ``field`` is ``value`` (for interaction_type: whose list holds it)."""
        return self._index[field].get(value, _NOTHING)

    def in_id_order(self) -> Sequence[Record]:
        self._id_order.settle()
        return self._id_order.records

    def ids_in_order(self) -> Sequence[str]:
        self._id_order.settle()
        return self._id_order.ids

    def column(self, key: Hashable, extract: Extract) -> Column:
        """``extract`` of every record, in id order, encoded; kept under ``key`` and updated on write."""
        return self._id_order.column(key, extract)

    def newest_positions(self) -> Sequence[int] | None:
        """Positions (in id order) of the records newest first, ties by id; None while a timestamp is no instant."""
        if self._untimed:
            return None
        if self._newest_positions is None:
            position = {interaction_id: i for i, interaction_id in enumerate(self.ids_in_order())}
            self._newest_positions = [position[interaction_id] for _, interaction_id in self._newest.sorted_keys()]
        return self._newest_positions


def _missing(interaction_id: str) -> NotFound:
    return NotFound(
        f"Interaction {interaction_id!r} not found in this namespace",
        {"id": interaction_id, "resource": "interaction"},
    )


class Store:
    """Every namespace the server knows, created on first use and seeded by ``seeder``."""

    def __init__(self, seeder: Seeder, allowed: frozenset[str] | None = None) -> None:
        self._seeder = seeder
        self._allowed = allowed
        self._namespaces: dict[str, NamespaceStore] = {}

    def namespace(self, name: str) -> NamespaceStore:
        existing = self._namespaces.get(name)
        if existing is not None:
            return existing
        return self.reset(name)

    def names(self) -> list[str]:
        return sorted(self._namespaces)

    def reset(self, name: str) -> NamespaceStore:
        """Put one namespace back to its seeded state (creating it if it is new)."""
        return self.replace(name, self._seeder(name))

    def reset_all(self) -> None:
        """Forget every namespace; each is seeded afresh on its next use."""
        self._namespaces.clear()

    def replace(self, name: str, records: Iterable[Record]) -> NamespaceStore:
        """Make ``records`` the whole content of a namespace (seeding, resets, state files)."""
        if self._allowed is not None and name not in self._allowed:
            raise NotFound("Namespace not found", {"id": name, "resource": "namespace"})
        replaced = NamespaceStore(name)
        for record in records:
            replaced.add(record)
        self._namespaces[name] = replaced
        return replaced


def ensure_room(namespace: NamespaceStore, adding: int, limit: int) -> None:
    """Refuse to grow a namespace past ``limit`` records (--max-records), before anything is stored."""
    if len(namespace) + adding > limit:
        raise NamespaceFull(
            f"Namespace {namespace.name!r} holds {len(namespace)} records; adding {adding} would pass the "
            f"limit of {limit} (--max-records). Delete records or reset the namespace.",
            {"namespace": namespace.name, "records": len(namespace), "max_records": limit},
        )
