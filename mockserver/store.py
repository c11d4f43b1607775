"""In-memory interactions, one independent store per namespace.

A namespace is created (and seeded) the first time it is used, unless the server was
started with a fixed list of namespaces (CONTRACT.md, Auth and namespaces).

Each namespace also keeps what makes list queries fast (mockserver/query): an index per simple
field, its records newest-first (the default order) and in id order (the tie-break of every other
order), and a per-record cache the engine fills. All of it is updated on write.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from operator import itemgetter
from typing import Any, Generic, TypeVar

from mockserver.errors import NotFound
from mockserver.query.sort import newest_first_key

Record = dict[str, Any]
Seeder = Callable[[str], Iterable[Record]]

# The request's simple fields; interaction_type is indexed by each element of the record's list.
INDEXED_FIELDS = ("execution_id", "retriever_id", "session_id", "user_id", "feature_id")
_NOTHING: frozenset[str] = frozenset()
# Up to this many additions are inserted one by one; more (a seeding) are merged by one sort.
_INSERT_ONE_BY_ONE = 64

K = TypeVar("K", bound=str | tuple[int, str])


class _Ordered(Generic[K]):
    """Records sorted by a unique key; additions wait in a batch until the next read."""

    def __init__(self) -> None:
        self._keys: list[K] = []
        self._records: list[Record] = []
        self._batch: list[tuple[K, Record]] = []

    def add(self, key: K, record: Record) -> None:
        self._batch.append((key, record))

    def remove(self, key: K) -> None:
        self._settle()
        index = bisect.bisect_left(self._keys, key)
        del self._keys[index], self._records[index]

    def records(self) -> Sequence[Record]:
        self._settle()
        return self._records

    def _settle(self) -> None:
        batch: list[tuple[K, Record]] = self._batch
        self._batch = []
        if len(batch) <= _INSERT_ONE_BY_ONE:
            for key, record in batch:
                index = bisect.bisect_left(self._keys, key)
                self._keys.insert(index, key)
                self._records.insert(index, record)
            return
        merged = sorted([*zip(self._keys, self._records, strict=True), *batch], key=itemgetter(0))
        self._keys = [key for key, _ in merged]
        self._records = [record for _, record in merged]


def _index_values(field: str, record: Record) -> list[str]:
    value = record.get(field)
    if field == "interaction_type":
        return [item for item in value if type(item) is str] if type(value) is list else []
    return [value] if type(value) is str else []


class NamespaceStore:
    """The interactions of one namespace, by id, in insertion order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._by_id: dict[str, Record] = {}
        self._index: dict[str, dict[str, set[str]]] = {f: {} for f in (*INDEXED_FIELDS, "interaction_type")}
        self._by_interaction_id: _Ordered[str] = _Ordered()
        self._newest: _Ordered[tuple[int, str]] = _Ordered()
        # Records whose timestamp is not an instant cannot take part in the kept newest-first order.
        self._untimed: set[str] = set()
        self._derived: dict[str, dict[str, Any]] = {}

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
        self._by_interaction_id.add(interaction_id, record)
        key = newest_first_key(record)
        if key is None:
            self._untimed.add(interaction_id)
        else:
            self._newest.add(key, record)

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
        self._by_interaction_id.remove(interaction_id)
        key = newest_first_key(record)
        if key is None:
            self._untimed.discard(interaction_id)
        else:
            self._newest.remove(key)
        for cache in self._derived.values():
            cache.pop(interaction_id, None)

    def ids_with(self, field: str, value: str) -> Set[str]:
        """Ids of the records whose ``field`` is ``value`` (for interaction_type: whose list holds it)."""
        return self._index[field].get(value, _NOTHING)

    def newest_first(self) -> Sequence[Record] | None:
        """Every record, newest timestamp first, ties by id; None while some timestamp is not an instant."""
        return None if self._untimed else self._newest.records()

    def in_id_order(self) -> Sequence[Record]:
        return self._by_interaction_id.records()

    def derived(self, kind: str) -> dict[str, Any]:
        """A cache of values computed from each record, by interaction_id; an entry goes when its record does."""
        return self._derived.setdefault(kind, {})


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
