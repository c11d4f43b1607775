"""In-memory interactions, one independent store per namespace.

A namespace is created (and seeded) the first time it is used, unless the server was
started with a fixed list of namespaces (CONTRACT.md, Auth and namespaces).

A record is kept as the JSON bytes it is served as (get and list answers are joins of stored
bytes, never re-encoded), in a table that also holds a column per path the record has, filled
as it is stored (mockserver/table.py): a query on any path reads columns that are already
there. Each namespace also remembers the matches of recent queries, forgotten on every write.
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fixtures import collector_paused
from mockserver.dedup import RecentInteractions
from mockserver.errors import NamespaceFull, NotFound
from mockserver.jsonio import dumps, loads
from mockserver.query.instants import read_stamp, stamp_text
from mockserver.query.memo import Memo
from mockserver.table import Decomposer, Rows, Table

Record = dict[str, Any]
Seeder = Callable[[str], Iterable[Rows]]

# Remembered per namespace until its next write: the ordered matches of this many queries, and
# this many whole list answers, each with its request body at most ANSWER_BYTES (8 MB in all).
_MATCHES_KEPT = 32
_ANSWERS_KEPT = 128
ANSWER_BYTES = 64 * 1024
# A namespace filled with this many records is then left out of the cyclic collector's sight
# (gc.freeze): a full collection walking its lists stalled every request in flight. Frozen
# objects are still freed as usual when no longer used; only a cycle that was already garbage
# at that moment is never collected, which is why small namespaces (a test's) are not frozen.
FROZEN_FROM = 10_000
# Records taken apart at a time (rows_of): a million record dicts held at once would weigh
# gigabytes, and the memory they leave behind is not all given back.
ROWS_CHUNK = 8192


def _instant(record: Record, stamped_us: int | None) -> tuple[int | None, bool]:
    """The record's timestamp in epoch microseconds (``stamped_us`` when the caller made it), or None;
    and whether the timestamp is the text this server writes for that instant."""
    stamp = record.get("timestamp")
    if stamped_us is not None:
        return stamped_us, stamp == stamp_text(stamped_us)
    return read_stamp(stamp) if type(stamp) is str else (None, False)


def _encoded(record: Record) -> bytes:
    # A copy: orjson hands back its whole write buffer (8 KB however short the JSON), ten times the record.
    return memoryview(dumps(record)).tobytes()


def rows_of(records: Iterable[Record], chunk: int = ROWS_CHUNK) -> Iterator[Rows]:
    """Records taken apart ``chunk`` at a time, in order; a repeated id starts a new chunk, so that
    storing them leaves what adding them one by one would (the later record replaces the earlier)."""
    taking = Decomposer()
    ids: set[str] = set()
    for record in records:
        interaction_id = record["interaction_id"]
        if interaction_id in ids or len(ids) >= chunk:
            yield taking.rows()
            taking = Decomposer()
            ids.clear()
        ids.add(interaction_id)
        taking.add(interaction_id, _encoded(record), record, *_instant(record, None))
    if ids:
        yield taking.rows()


class NamespaceStore:
    """The interactions of one namespace, by id, in insertion order."""

    def __init__(self, name: str) -> None:
        self.name = name
        # Whether it holds exactly what it was seeded with: a load replaces such a namespace by default.
        self.as_seeded = False
        self.table = Table()
        self.matches = Memo(_MATCHES_KEPT)
        self.answers = Memo(_ANSWERS_KEPT)
        self.recent = RecentInteractions()  # API version 2026-11's deduplication

    def __len__(self) -> int:
        return len(self.table)

    def __iter__(self) -> Iterator[bytes]:
        """The records as stored (JSON bytes), in insertion order."""
        return (raw for raw in self.table.raws if raw is not None)

    def add(self, record: Record, stamped_us: int | None = None) -> bytes:
        """Store ``record`` (replacing one with its id); returns its JSON bytes, as it will be served.

        ``stamped_us`` is the record's timestamp in epoch microseconds, when the caller made it:
        then it need not be read back from the text.
        """
        interaction_id = record["interaction_id"]
        if self.table.row(interaction_id) is not None:
            self.table.remove(interaction_id)
        raw = _encoded(record)
        self.table.append(interaction_id, raw, record, *_instant(record, stamped_us))
        self._changed()
        return raw

    def fill(self, parts: Iterable[Rows]) -> None:
        """Store many records (seeding, resets, state files, batches), forgetting what was remembered once for all."""
        for rows in parts:
            self.table.extend(rows)
        self._changed()

    def raw(self, interaction_id: str) -> bytes:
        row = self.table.row(interaction_id)
        raw = None if row is None else self.table.raws[row]
        if raw is None:
            raise _missing(interaction_id)
        return raw

    def get(self, interaction_id: str) -> Record:
        record: Record = loads(self.raw(interaction_id))
        return record

    def delete(self, interaction_id: str) -> Record:
        record = self.get(interaction_id)
        self.table.remove(interaction_id)
        self._changed()
        return record

    def _changed(self) -> None:
        self.as_seeded = False
        self.matches.clear()
        self.answers.clear()


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
        seeded = self.replace(name, self._seeder(name))
        seeded.as_seeded = True
        return seeded

    def reset_all(self) -> None:
        """Forget every namespace; each is seeded afresh on its next use."""
        self._namespaces.clear()

    def replace(self, name: str, parts: Iterable[Rows]) -> NamespaceStore:
        """Make these records the whole content of a namespace (seeding, resets, state files)."""
        if self._allowed is not None and name not in self._allowed:
            raise NotFound("Namespace not found", {"id": name, "resource": "namespace"})
        replaced = NamespaceStore(name)
        with collector_paused():
            replaced.fill(parts)
        replaced.table.fit()
        if len(replaced) >= FROZEN_FROM:
            gc.freeze()
            _give_back_freed_memory()
        self._namespaces[name] = replaced
        return replaced


def _give_back_freed_memory() -> None:
    """Return to the system what filling a big namespace freed (the parts it was made from, temporary
    arrays): glibc keeps freed memory for reuse otherwise, 50 bytes a record after a seeding. Elsewhere
    (another C library, another system) nothing is done."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def ensure_room(namespace: NamespaceStore, adding: int, limit: int) -> None:
    """Refuse to grow a namespace past ``limit`` records (--max-records), before anything is stored."""
    if len(namespace) + adding > limit:
        raise NamespaceFull(
            f"Namespace {namespace.name!r} holds {len(namespace)} records; adding {adding} would pass the "
            f"limit of {limit} (--max-records). Delete records or reset the namespace.",
            {"namespace": namespace.name, "records": len(namespace), "max_records": limit},
        )
