"""In-memory interactions, one independent store per namespace.

A namespace is created (and seeded) the first time it is used, unless the server was
started with a fixed list of namespaces (CONTRACT.md, Auth and namespaces).

A record is kept as the JSON bytes it is served as: a third of the memory of the same record
as dicts, and get and list answers are then joins of stored bytes, never re-encoded. Each
namespace also keeps what makes list queries fast (mockserver/query), updated on write: an
index per simple field, its records in id order (the tie-break of every order) with columns of
values read from them in that order, the newest-first order (the default), and the matches of
recent queries, forgotten on every write.
"""

from __future__ import annotations

import bisect
import gc
from array import array
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from mockserver.errors import NamespaceFull, NotFound
from mockserver.jsonio import dumps, loads
from mockserver.query.columns import Column
from mockserver.query.memo import Memo
from mockserver.query.sort import age

Record = dict[str, Any]
Seeder = Callable[[str], Iterable[Record]]
Extract = Callable[[Record], Any]

# The request's simple fields; interaction_type is indexed by each element of the record's list.
INDEXED_FIELDS = ("execution_id", "retriever_id", "session_id", "user_id", "feature_id")
_NOTHING: tuple[str, ...] = ()
# Up to this many additions are inserted one by one; more (a seeding) are merged by one sort.
_INSERT_ONE_BY_ONE = 64
# Columns kept per namespace; the least recently built goes first (clients choose the paths).
_MAX_COLUMNS = 64
# Remembered per namespace until its next write: the ordered matches of this many queries, and
# this many whole list answers, each with its request body at most ANSWER_BYTES (8 MB in all).
_MATCHES_KEPT = 32
_ANSWERS_KEPT = 128
ANSWER_BYTES = 64 * 1024
# A namespace filled with this many records is then left out of the cyclic collector's sight
# (gc.freeze): its lists hold every record, and a full collection walking them (0.1 s at 100k)
# stalled every request in flight (under create load, p99 was 60 to 95 ms; frozen, 4 ms). Frozen
# objects are still freed as usual when no longer used; only a cycle that was already garbage
# at that moment is never collected, which is why small namespaces (a test's) are not frozen.
FROZEN_FROM = 10_000


class _IdOrder:
    """Records (JSON bytes) sorted by interaction_id, with their ages and columns of derived values in that order.

    Scanning a column (a list) touches far less memory than reading the same field out of
    100k records, which is what makes filters fast. Additions wait in a batch until the next
    read; a big batch (a seeding) is merged with one sort. The lists are changed in place, never
    replaced, so that a big namespace's, once frozen out of the collector (FROZEN_FROM), stay so.
    """

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.raws: list[bytes] = []
        # Each record's sort.age (0 when its timestamp is no instant): 8 bytes a record, not a key object.
        self.ages = array("q")
        self._columns: dict[Hashable, tuple[Extract, Column]] = {}
        self._batch: list[tuple[str, bytes, int]] = []

    def add(self, interaction_id: str, raw: bytes, age: int) -> None:
        self._batch.append((interaction_id, raw, age))

    def remove(self, interaction_id: str) -> None:
        self.settle()
        index = bisect.bisect_left(self.ids, interaction_id)
        del self.ids[index], self.raws[index], self.ages[index]
        for _, column in self._columns.values():
            column.delete(index)

    def column(self, key: Hashable, extract: Extract) -> Column:
        self.settle()
        kept = self._columns.get(key)
        if kept is None:
            return self._keep(key, extract, Column(map(extract, map(loads, self.raws))))
        return kept[1]

    def build(self, wanted: Iterable[tuple[Hashable, Extract]]) -> None:
        """Build the missing columns among ``wanted`` in one pass, decoding each record once for all."""
        self.settle()
        missing = {key: extract for key, extract in wanted if key not in self._columns}
        if len(missing) < 2:
            return  # column() builds a lone one just as well, when it is asked for
        extracts = list(missing.values())
        values: list[list[Any]] = [[] for _ in extracts]
        for record in map(loads, self.raws):
            for extract, found in zip(extracts, values, strict=True):
                found.append(extract(record))
        for (key, extract), found in zip(missing.items(), values, strict=True):
            self._keep(key, extract, Column(found))

    def _keep(self, key: Hashable, extract: Extract, column: Column) -> Column:
        if len(self._columns) >= _MAX_COLUMNS:
            del self._columns[next(iter(self._columns))]
        self._columns[key] = (extract, column)
        return column

    def settle(self) -> None:
        if not self._batch:
            return
        batch = self._batch.copy()
        self._batch.clear()
        if len(batch) > _INSERT_ONE_BY_ONE:
            # Ids are unique, so the rows sort by id alone; one sort and one transposition. The rows are
            # tuples that cannot form cycles, and each collection they set off would rescan the store.
            with _collector_paused():
                rows = sorted([*zip(self.ids, self.raws, self.ages, strict=True), *batch], key=itemgetter(0))
                ids, raws, ages = zip(*rows, strict=True)
            self.ids[:], self.raws[:] = ids, raws
            self.ages = array("q", ages)  # an array holds no objects: the collector never walks it
            self._columns.clear()
            return
        for interaction_id, raw, when in batch:
            index = bisect.bisect_left(self.ids, interaction_id)
            self.ids.insert(index, interaction_id)
            self.raws.insert(index, raw)
            self.ages.insert(index, when)
            if self._columns:
                record = loads(raw)
                for extract, column in self._columns.values():
                    column.insert(index, extract(record))


class NamespaceStore:
    """The interactions of one namespace, by id, in insertion order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._by_id: dict[str, bytes] = {}
        # Lists, not sets: most values (a session, an execution) have a few records, and a set costs
        # 200 bytes before its first id. The engine makes a set where it tests membership.
        self._index: dict[str, dict[str, list[str]]] = {f: {} for f in (*INDEXED_FIELDS, "interaction_type")}
        self._simple_indexes = [(field, self._index[field]) for field in INDEXED_FIELDS]
        self._by_type = self._index["interaction_type"]
        self._id_order = _IdOrder()
        # Records whose timestamp is not an instant cannot take part in the kept newest-first order.
        self._untimed: set[str] = set()
        self._newest_positions: array[int] | None = None
        self.matches = Memo(_MATCHES_KEPT)
        self.answers = Memo(_ANSWERS_KEPT)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[bytes]:
        """The records as stored (JSON bytes), in insertion order."""
        return iter(self._by_id.values())

    def add(self, record: Record, stamped_us: int | None = None) -> bytes:
        """Store ``record`` (replacing one with its id); returns its JSON bytes, as it will be served.

        ``stamped_us`` is the record's timestamp in epoch microseconds, when the caller made it:
        then it need not be read back from the text.
        """
        raw = self._put(record, stamped_us)
        self._changed()
        return raw

    def fill(self, records: Iterable[Record]) -> None:
        """Store many records (seeding, resets, state files), forgetting what was remembered once
        for all, and sort them into the id order now rather than on the first read."""
        put = self._put
        for record in records:
            put(record, None)
        self._changed()
        self._id_order.settle()

    def _put(self, record: Record, stamped_us: int | None) -> bytes:
        interaction_id = record["interaction_id"]
        if interaction_id in self._by_id:
            self._forget(interaction_id)
        # A copy: orjson hands back its whole write buffer (8 KB however short the JSON), ten times the record.
        raw = memoryview(dumps(record)).tobytes()
        self._by_id[interaction_id] = raw
        for index, value in self._index_keys(record):
            ids = index.get(value)
            if ids is None:
                index[value] = [interaction_id]
            else:
                ids.append(interaction_id)
        record_age = age(record, stamped_us)
        if record_age is None:
            self._untimed.add(interaction_id)
        self._id_order.add(interaction_id, raw, record_age or 0)
        return raw

    def raw(self, interaction_id: str) -> bytes:
        try:
            return self._by_id[interaction_id]
        except KeyError:
            raise _missing(interaction_id) from None

    def get(self, interaction_id: str) -> Record:
        record: Record = loads(self.raw(interaction_id))
        return record

    def delete(self, interaction_id: str) -> Record:
        record = self.get(interaction_id)
        self._forget(interaction_id, record)
        return record

    def _forget(self, interaction_id: str, record: Record | None = None) -> None:
        record = loads(self._by_id[interaction_id]) if record is None else record
        del self._by_id[interaction_id]
        for index, value in self._index_keys(record):
            ids = index[value]
            ids.remove(interaction_id)
            if not ids:
                del index[value]
        self._id_order.remove(interaction_id)
        self._untimed.discard(interaction_id)
        self._changed()

    def _index_keys(self, record: Record) -> list[tuple[dict[str, list[str]], str]]:
        """(index, value) for each index the record is in; each interaction type once, though a list may repeat it."""
        # Plain loops: a third faster than comprehensions here, and this runs for every record stored.
        found = []
        for field, index in self._simple_indexes:
            value = record.get(field)
            if type(value) is str:
                found.append((index, value))
        types = record.get("interaction_type")
        if type(types) is list:
            by_type = self._by_type
            for value in dict.fromkeys(types) if len(types) > 1 else types:
                if type(value) is str:
                    found.append((by_type, value))
        return found

    def _changed(self) -> None:
        self._newest_positions = None
        self.matches.clear()
        self.answers.clear()

    def ids_with(self, field: str, value: str) -> Collection[str]:
        """Ids of the records whose ``field`` is ``value`` (for interaction_type: whose list holds it)."""
        return self._index[field].get(value, _NOTHING)

    def raws_in_id_order(self) -> Sequence[bytes]:
        self._id_order.settle()
        return self._id_order.raws

    def ids_in_order(self) -> Sequence[str]:
        self._id_order.settle()
        return self._id_order.ids

    def column(self, key: Hashable, extract: Extract) -> Column:
        """``extract`` of every record, in id order, encoded; kept under ``key`` and updated on write."""
        return self._id_order.column(key, extract)

    def build_columns(self, wanted: Iterable[tuple[Hashable, Extract]]) -> None:
        """Build the missing columns among ``wanted`` at once: a query's first run decodes each record once."""
        self._id_order.build(wanted)

    def ages_in_id_order(self) -> Sequence[int]:
        """Each record's sort.age, in id order (meaningful while newest_positions() is not None)."""
        self._id_order.settle()
        return self._id_order.ages

    def newest_positions(self) -> Sequence[int] | None:
        """Positions (in id order) of the records newest first, ties by id; None while a timestamp is no instant."""
        if self._untimed:
            return None
        if self._newest_positions is None:
            ages = self.ages_in_id_order()
            # A stable sort of rows already in id order: equal timestamps stay in id order.
            self._newest_positions = array("l", sorted(range(len(ages)), key=ages.__getitem__))
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
        with _collector_paused():
            replaced.fill(records)
        if len(replaced) >= FROZEN_FROM:
            gc.freeze()
        self._namespaces[name] = replaced
        return replaced


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a namespace fills or merges: that makes no cycles, and
    each collection would rescan every container kept so far (0.4 s of a 100k seeding)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def ensure_room(namespace: NamespaceStore, adding: int, limit: int) -> None:
    """Refuse to grow a namespace past ``limit`` records (--max-records), before anything is stored."""
    if len(namespace) + adding > limit:
        raise NamespaceFull(
            f"Namespace {namespace.name!r} holds {len(namespace)} records; adding {adding} would pass the "
            f"limit of {limit} (--max-records). Delete records or reset the namespace.",
            {"namespace": namespace.name, "records": len(namespace), "max_records": limit},
        )
