"""A namespace's records as rows: the JSON bytes each is served as, and a column per path, filled at write time.

Every path a record holds (top-level fields, and every key reached through objects inside
``metadata``, ``query_snapshot`` or any other object) gets a dictionary-encoded column the
moment the record is stored, so a query on a path never seen before reads columns that are
already there instead of decoding every record again. Rows are appended; a deleted row is a
tombstone (``alive`` false) until half the rows are, when the table drops them in one linear
pass, so a write never rebuilds a column nor copies whole arrays per record.

Codes: 0 is "missing", 1 an object (its keys have columns of their own), 2 an array holding
arrays or objects (read from the record itself when a query needs it: rare), 3 and up a
distinct scalar or array of scalars, kept once in ``values``. Once a table is filled, a path
few rows hold keeps the codes of those rows only, beside their row numbers (``Column.fit``).

A ``timestamp`` is nearly always the text this server writes for the row's instant
(``2026-01-15T10:30:00.123456Z``), and nearly every one differs from the others: kept as a
column it would weigh 140 bytes a record. So the table keeps each row's instant (for the
default order and timestamp ranges) and a column of only the timestamps that are not that
text; a query that reads timestamps as text gets a full column made from both (StampColumn).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from fixtures.stamps import Timestamps
from mockserver.id_index import IdIndex
from mockserver.query.instants import read_stamp
from mockserver.query.model import Path
from mockserver.query.paths import MISSING, TIME_PATH

MISSING_CODE, OBJECT_CODE, OPAQUE_CODE = 0, 1, 2
FIRST_VALUE_CODE = 3
# Stand-ins at codes 0..2 of every column's values, so that values[code] is defined for every code.
OBJECT = object()
OPAQUE = object()

Codes = npt.NDArray[np.unsignedinteger[Any]]
NOT_AN_INSTANT = np.iinfo(np.int64).min
ID_PATH: tuple[str, ...] = ("interaction_id",)
_SCALARS = (str, int, float, bool, type(None))
_INITIAL_CAPACITY = 1024
# Search terms whose hits a column keeps (per version): a term asked again is not looked for again.
_SEARCH_TERMS_KEPT = 32
# A filled table keeps only the rows holding a path (and their codes) when that takes less than
# half the dense array: the rest is room for more rows to hold it.
_SPARSE_MARGIN = 2
# Tombstones are dropped once there are this many and they are at least half the rows.
_COMPACT_FROM = 1024


def _dedup_key(value: Any) -> Any:
    """A hashable stand-in that never confuses 1, 1.0 and true (nor 0.0 and -0.0, which print apart);
    None for what is not kept in ``values``."""
    kind = type(value)
    if kind is str or kind is int:
        # The common cases: a string or an integer is its own key (every other key is a tuple).
        return value
    if kind is float and value == 0:
        return (float, str(value))
    if kind in _SCALARS:
        return (kind, value)
    if kind is list and all(type(item) in _SCALARS for item in value):
        return (list, tuple(_dedup_key(item) for item in value))
    return None


# Values of one of these kinds alone are keyed by themselves, so a list of them is coded in bulk.
_SELF_KEYED = ({str, type(None)}, {int, type(None)}, {float, type(None)}, {bool, type(None)})


def _grown(array: npt.NDArray[Any], needed: int) -> npt.NDArray[Any]:
    """``array`` with room for ``needed`` rows, new rows zero. It grows by a quarter: still a constant
    share of a copy per row, and at most a quarter of room unused (doubling wasted 50 bytes a record)."""
    if needed <= len(array):
        return array
    bigger = np.zeros(max(needed, len(array) + len(array) // 4 + _INITIAL_CAPACITY), dtype=array.dtype)
    bigger[: len(array)] = array
    return bigger


def _fitted(array: npt.NDArray[Any], size: int) -> npt.NDArray[Any]:
    return array[:size].copy() if len(array) > size else array


def _all_strings(items: tuple[Any, ...]) -> bool:
    return all(type(item) is str for item in items)


class Column:
    """The values at one path for every row: a code per row, each distinct value kept once."""

    def __init__(self, capacity: int) -> None:
        self.values: list[Any] = [MISSING, OBJECT, OPAQUE]
        self._code_of: dict[Any, int] = {}
        # A code per row; or, once a filled table found few rows holding the path (``fit``), the codes of
        # those rows only, beside the rows (``_rows``, ascending; ``_held`` of each array in use).
        self.codes: Codes = np.zeros(capacity, dtype=np.uint8)
        self._rows: npt.NDArray[np.uint32] | None = None
        self._held = 0
        self._max_code = int(np.iinfo(np.uint8).max)
        # Bumped whenever a distinct value is added: what was derived from ``values`` is then stale.
        self.version = 0
        # The sort's rank of each code (mockserver/query/order.py), by "as instants", with the version it is of.
        # Per code, its rank (by value, or by instant), or its instant in microseconds (None), as last computed.
        self.sort_ranks: dict[bool | None, tuple[int, npt.NDArray[np.int64]]] = {}
        # For ``search``: each code's folded text, and the hits of the last terms looked for, of a version.
        self._search: tuple[int, npt.NDArray[np.str_], dict[str, npt.NDArray[np.bool_] | None]] = (
            -1,
            np.array([], dtype=np.str_),
            {},
        )
        # Whether some row ever had the opaque code (an array holding containers): a query reads such rows
        # back from their records, and without any it need not look for them.
        self.has_opaque = False
        self._numbers: tuple[int, npt.NDArray[np.float64], npt.NDArray[np.bool_]] = (
            -1,
            np.array([], dtype=np.float64),
            np.array([], dtype=np.bool_),
        )

    def code(self, value: Any) -> int:
        kind = type(value)
        if kind is dict:
            return OBJECT_CODE
        key = _dedup_key(value)
        if key is None:
            return OPAQUE_CODE
        code = self._code_of.get(key)
        if code is None:
            code = len(self.values)
            self._keep([value], [key])
        return code

    def _keep(self, values: list[Any], keys: list[Any]) -> None:
        """Add new distinct values (``keys`` their dedup keys), coded in order from the next free code."""
        first = len(self.values)
        self.values += values
        self._code_of.update(zip(keys, range(first, first + len(keys)), strict=True))
        self.version += 1
        if len(self.values) - 1 > self._max_code:
            wider = np.uint16 if len(self.values) - 1 <= np.iinfo(np.uint16).max else np.uint32
            self.codes = self.codes.astype(wider)
            self._max_code = int(np.iinfo(wider).max)

    def _codes_of_distinct(self, distinct: list[Any]) -> list[int]:
        """The codes of values no two of which share a dedup key, new ones kept. Where all (but a null) are
        of one scalar kind, their keys are made, looked up and added in bulk, by dict operations in C: most
        of the time of storing a million records went to coding each new value alone."""
        kinds = set(map(type, distinct))
        if kinds == {str, type(None)} or kinds == {int, type(None)} or kinds == {float, type(None)}:
            where = distinct.index(None)
            rest = self._codes_of_distinct(distinct[:where] + distinct[where + 1 :])
            return [*rest[:where], self.code(None), *rest[where:]]
        kind = kinds.pop() if len(kinds) == 1 else None
        if kind is str or kind is int:
            keys = distinct
        elif kind is bool or (kind is float and 0.0 not in distinct):
            keys = list(zip(repeat(kind), distinct))
        else:
            return [self.code(value) for value in distinct]
        if not self._code_of:  # a new column (a fill, a state file): every value is new
            self._keep(distinct, keys)
            return list(range(FIRST_VALUE_CODE, len(self.values)))
        known = list(map(self._code_of.get, keys))
        if None in known:
            new = [index for index, code in enumerate(known) if code is None]
            self._keep([distinct[index] for index in new], [keys[index] for index in new])
        return list(map(self._code_of.__getitem__, keys))

    def codes_for(self, values: list[Any]) -> npt.NDArray[np.int64]:
        """The codes of many values at once: distinct ones found by a dict built in C, each coded once."""
        kinds = set(map(type, values))
        if kinds == {dict}:
            return np.full(len(values), OBJECT_CODE, dtype=np.int64)
        keys: list[Any] = values
        if kinds == {list}:
            # Arrays of strings (interaction_type): a tuple of strings is its own key.
            keys = list(map(tuple, values))
            distinct = dict.fromkeys(keys) if all(map(_all_strings, keys)) else {}
            if distinct:
                coded = {key: self.code(list(key)) for key in distinct}
                return np.fromiter(map(coded.__getitem__, keys), dtype=np.int64, count=len(keys))
        elif any(kinds <= alike for alike in _SELF_KEYED):
            distinct = dict.fromkeys(values)
            # 0.0 and -0.0 are one dict key but print apart (search reads their text): those go one by one.
            if float not in kinds or 0.0 not in distinct:
                coded = dict(zip(distinct, self._codes_of_distinct(list(distinct)), strict=True))
                return np.fromiter(map(coded.__getitem__, values), dtype=np.int64, count=len(values))
        return np.fromiter(map(self.code, values), dtype=np.int64, count=len(values))

    def codes_of_values(self, values: list[Any]) -> npt.NDArray[np.int64]:
        """The codes of the distinct values of a path in ``Rows`` (see ``Decomposer``), new ones kept."""
        if list in set(map(type, values)):
            return np.fromiter(map(self.code, values), dtype=np.int64, count=len(values))
        return np.asarray(self._codes_of_distinct(values), dtype=np.int64)

    def numbers(self, exact_below: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """For codes 3 and up: each value as a float, and whether it is a plain number: a float, or an integer
        below ``exact_below`` in magnitude, which a float holds exactly (never a boolean). Kept until a value
        is added."""
        if self._numbers[0] != self.version:
            plain = np.fromiter(
                (type(v) is float or (type(v) is int and abs(v) < exact_below) for v in self.values[3:]),
                dtype=np.bool_,
                count=len(self.values) - 3,
            )
            numbers = np.fromiter(
                (float(v) if p else np.nan for v, p in zip(self.values[3:], plain.tolist(), strict=True)),
                dtype=np.float64,
                count=len(plain),
            )
            self._numbers = (self.version, numbers, plain)
        return self._numbers[1], self._numbers[2]

    def code_of(self, value: Any) -> int | None:
        """The code of a value the column holds, or None."""
        key = _dedup_key(value)
        return None if key is None else self._code_of.get(key)

    def search_hits(self, term: str, text_of: Callable[[Any], str]) -> npt.NDArray[np.bool_] | None:
        """Per code, whether ``term`` occurs in the folded text ``search`` looks in (``text_of`` a value);
        None when it occurs in no value. Kept, for the last terms looked for, until a value is added."""
        if self._search[0] != self.version:
            texts = np.array(["", "", "", *map(text_of, self.values[3:])], dtype=np.str_)
            self._search = (self.version, texts, {})
        _, texts, hits = self._search
        if term not in hits:
            if len(hits) >= _SEARCH_TERMS_KEPT:
                del hits[next(iter(hits))]
            found = np.strings.find(texts, term) >= 0
            hits[term] = found if found.any() else None
        return hits[term]

    def put(self, row: int, code: int) -> None:
        """Give ``row`` (a new last row) its code."""
        if self._rows is None:
            self.codes = _grown(self.codes, row + 1)
            self.codes[row] = code
        elif code != MISSING_CODE:
            self._hold(np.array([row], dtype=np.uint32), np.array([code]))
        self.has_opaque |= code == OPAQUE_CODE

    def put_from(self, start: int, codes: npt.NDArray[np.int64]) -> None:
        """Give rows ``start`` on (new last rows) their codes."""
        if self._rows is None:
            self.codes = _grown(self.codes, start + len(codes))
            self.codes[start : start + len(codes)] = codes
        else:
            present = np.flatnonzero(codes)
            self._hold((start + present).astype(np.uint32), codes[present])
        self.has_opaque |= bool(np.any(codes == OPAQUE_CODE))

    def _hold(self, rows: npt.NDArray[np.uint32], codes: npt.NDArray[Any]) -> None:
        assert self._rows is not None
        end = self._held + len(rows)
        self._rows = _grown(self._rows, end)
        self.codes = _grown(self.codes, end)
        self._rows[self._held : end] = rows
        self.codes[self._held : end] = codes
        self._held = end

    def at(self, size: int) -> Codes:
        """The codes of the first ``size`` rows (rows never given a value read as missing)."""
        if self._rows is not None:
            dense = np.zeros(size, dtype=self.codes.dtype)
            dense[self._rows[: self._held]] = self.codes[: self._held]
            return dense
        if len(self.codes) < size:
            self.codes = _grown(self.codes, size)
        return self.codes[:size]

    def compact(self, size: int, keep: npt.NDArray[np.intp]) -> None:
        """Keep only the rows ``keep`` (ascending) of the first ``size``, renumbered from 0."""
        if self._rows is None:
            self.codes = self.at(size)[keep]
            return
        rows = self._rows[: self._held]
        renumbered = np.searchsorted(keep, rows)
        kept = renumbered < len(keep)
        kept[kept] = keep[renumbered[kept]] == rows[kept]
        self._rows = renumbered[kept].astype(np.uint32)
        self.codes = self.codes[: self._held][kept]
        self._held = len(self._rows)

    def fit(self, size: int) -> None:
        """Drop the room kept for rows to come; a path few of the ``size`` rows hold keeps their codes only."""
        if self._rows is not None:
            self._rows = _fitted(self._rows, self._held)
            self.codes = _fitted(self.codes, self._held)
            return
        codes = self.at(size)
        present = np.flatnonzero(codes)
        # A held row costs its row number (4 bytes) and its code, a row in the dense array its code alone.
        if len(present) * (4 + codes.itemsize) * _SPARSE_MARGIN < size * codes.itemsize:
            self._rows = present.astype(np.uint32)
            self.codes = codes[present]
            self._held = len(present)
        else:
            self.codes = _fitted(self.codes, size)


def id_key(interaction_id: str) -> int:
    """The first 8 UTF-8 bytes, big-endian, zero-padded: ordered as the ids are, up to ties."""
    return int.from_bytes(interaction_id.encode()[:8].ljust(8, b"\0"), "big")


class _Gathered:
    """The rows and values seen at one path while records are taken apart, and the keys under it.

    Keyed by one key at a time from the top (``under``), so walking a record builds no path tuple
    and hashes no tuple: the path is made once, when it is first met. Record by record: going key
    by key over all records instead (a ``map`` of ``dict.get`` in C) measured twice as slow, each
    record's memory being read once per path.
    """

    __slots__ = ("path", "rows", "under", "values")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[int] = []
        self.values: list[Any] = []
        self.under: dict[str, _Gathered] = {}


def _gather(node: dict[str, Any], at: _Gathered, row: int) -> None:
    """Add ``row`` and its value to each path of ``node``, through objects only (a path never steps into an array)."""
    under = at.under
    for key, value in node.items():
        entry = under.get(key)
        if entry is None:
            entry = under[key] = _Gathered((*at.path, key))
        entry.rows.append(row)
        entry.values.append(value)
        if type(value) is dict:
            _gather(value, entry, row)


def _paths(at: _Gathered) -> Iterator[_Gathered]:
    """Every path gathered under ``at`` but ``interaction_id``: the table keeps the ids (IdColumn)."""
    for entry in at.under.values():
        if entry.path != ID_PATH:
            yield entry
            yield from _paths(entry)


@dataclass(slots=True)
class Rows:
    """Records taken apart as a table keeps them, not yet in a table: plain data, cheap to pickle.

    What a worker process or a file reader hands over; ``Table.extend`` appends it with one array
    operation per path, coding only each path's distinct values into the table's own. Each path's
    ``codes`` has a code for every row: 0..2 as in a column, 3 and up ``values[code - 3]``. Ids are
    distinct within one ``Rows``.
    """

    ids: list[str]
    raws: list[bytes]
    id_keys: npt.NDArray[np.uint64]
    instants: npt.NDArray[np.int64]  # NOT_AN_INSTANT where the record has no instant
    paths: dict[Path, tuple[list[Any], Codes]]

    def __len__(self) -> int:
        return len(self.ids)

    def head(self, count: int) -> Rows:
        """The first ``count`` rows."""
        return Rows(
            self.ids[:count],
            self.raws[:count],
            self.id_keys[:count],
            self.instants[:count],
            # A path none of the first rows holds has no column made for it, as if they had been alone.
            {path: (values, codes[:count]) for path, (values, codes) in self.paths.items() if codes[:count].any()},
        )


def _keep_underivable(stamps: _Gathered, derivable: list[bool]) -> None:
    """Leave at ``timestamp`` only the values that are not the text of their row's instant (see the top)."""
    kept = [(row, value) for row, value in zip(stamps.rows, stamps.values, strict=True) if not derivable[row]]
    stamps.rows = [row for row, _ in kept]
    stamps.values = [value for _, value in kept]


class Decomposer:
    """Records taken apart one by one as they come (ids distinct), into one ``Rows``.

    Each record is walked when it is added, while the generator or reader that just made it
    still has it in the processor's cache: walking a few thousand records later, from memory,
    measured half again as slow. Each path's values are coded in bulk at the end (``rows``).
    """

    def __init__(self) -> None:
        self._top = _Gathered(())
        self._ids: list[str] = []
        self._raws: list[bytes] = []
        self._instants: list[int] = []
        self._derivable: list[bool] = []

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, interaction_id: str, raw: bytes, record: dict[str, Any], instant: int | None, stamped: bool) -> None:
        """Take one record apart (what ``Table.append`` takes)."""
        _gather(record, self._top, len(self._ids))
        self._ids.append(interaction_id)
        self._raws.append(raw)
        self._instants.append(NOT_AN_INSTANT if instant is None else instant)
        self._derivable.append(stamped)

    def rows(self) -> Rows:
        """What was added, each path coded in bulk."""
        ids = self._ids
        stamps = self._top.under.get(TIME_PATH[0])
        if stamps is not None and any(self._derivable):
            _keep_underivable(stamps, self._derivable)
        paths: dict[Path, tuple[list[Any], Codes]] = {}
        for entry in _paths(self._top):
            if not entry.rows:
                continue
            local = Column(len(ids))
            codes = local.codes_for(entry.values)  # first: it may widen local.codes
            if len(entry.rows) == len(ids):
                local.codes[:] = codes  # every row holds the path: rows are 0, 1, 2...
            else:
                local.codes[entry.rows] = codes
            paths[entry.path] = (local.values[FIRST_VALUE_CODE:], local.codes)
        keys = np.fromiter(map(id_key, ids), dtype=np.uint64, count=len(ids))
        return Rows(ids, self._raws, keys, np.asarray(self._instants, dtype=np.int64), paths)


class Table:
    """Rows of JSON bytes with their ids, and the columns of every path the rows hold."""

    def __init__(self) -> None:
        self.size = 0  # rows used, tombstones included
        self.raws: list[bytes | None] = []
        self.ids: list[str | None] = []  # None for a deleted row
        self.index = IdIndex()
        self.alive: npt.NDArray[np.bool_] = np.zeros(_INITIAL_CAPACITY, dtype=np.bool_)
        # The tie-break of every order is interaction_id: its first 8 UTF-8 bytes as one integer order
        # the rows in bulk, and only rows sharing those bytes are compared as strings (rare).
        self.id_keys: npt.NDArray[np.uint64] = np.zeros(_INITIAL_CAPACITY, dtype=np.uint64)
        # Each row's timestamp in epoch microseconds, for the default order and timestamp ranges;
        # NOT_AN_INSTANT where the timestamp is missing or no instant (such rows take the slow way).
        self.instants: npt.NDArray[np.int64] = np.zeros(_INITIAL_CAPACITY, dtype=np.int64)
        self.untimed = 0  # live rows whose timestamp is no instant
        self.columns: dict[Path, Column] = {}
        # The whole timestamp column, made when a query first reads timestamps as text (see the top),
        # kept until the next write.
        self.stamps: StampColumn | None = None

    def __len__(self) -> int:
        return self.index.count

    def row(self, interaction_id: str) -> int | None:
        """The row holding ``interaction_id``, or None."""
        return self.index.get(interaction_id, self.ids)

    def append(
        self, interaction_id: str, raw: bytes, record: dict[str, Any], instant: int | None, stamped: bool
    ) -> None:
        """Store one record (its id must not be stored already); ``stamped``: its timestamp is the text
        of ``instant``, so no column keeps it (see the top)."""
        row = self.size
        self.size += 1
        self.raws.append(raw)
        self.ids.append(interaction_id)
        self.index.add(interaction_id, row, self.ids)
        self._grow(self.size)
        self.alive[row] = True
        self.id_keys[row] = id_key(interaction_id)
        self.instants[row] = NOT_AN_INSTANT if instant is None else instant
        self.untimed += instant is None
        self.stamps = None
        top = _Gathered(())
        _gather(record, top, row)
        for entry in _paths(top):
            if entry.path == TIME_PATH and stamped:
                continue  # derivable from the instant (see the top)
            column = self.columns.get(entry.path)
            if column is None:
                column = self.columns[entry.path] = Column(len(self.alive))
            column.put(row, column.code(entry.values[0]))

    def _grow(self, size: int) -> None:
        self.alive = _grown(self.alive, size)
        self.id_keys = _grown(self.id_keys, size)
        self.instants = _grown(self.instants, size)

    def extend(self, rows: Rows) -> None:
        """Append decomposed records, replacing those whose ids are stored already (as ``append`` after a
        removal would): per path, its distinct values are coded once and its rows' codes mapped in one go."""
        if self.index.holds_any(rows.ids, self.ids):
            for interaction_id in rows.ids:
                if self.row(interaction_id) is not None:
                    self.remove(interaction_id)  # which may compact the table
        self.stamps = None
        start = self.size
        end = self.size = start + len(rows)
        self.raws += rows.raws
        self.ids += rows.ids
        self.index.add_many(rows.ids, start)
        self._grow(end)
        self.alive[start:end] = True
        self.id_keys[start:end] = rows.id_keys
        self.instants[start:end] = rows.instants
        self.untimed += int(np.count_nonzero(rows.instants == NOT_AN_INSTANT))
        for path, (values, codes) in rows.paths.items():
            column = self.columns.get(path)
            if column is None:
                column = self.columns[path] = Column(0)
            mapping = np.concatenate((np.arange(FIRST_VALUE_CODE, dtype=np.int64), column.codes_of_values(values)))
            column.put_from(start, mapping[codes])

    def remove(self, interaction_id: str) -> None:
        """Tombstone the record's row; once most rows are tombstones, compact the table."""
        row = self.row(interaction_id)
        if row is None:
            raise KeyError(interaction_id)
        self.index.discard(interaction_id)
        self.stamps = None
        self.alive[row] = False
        self.untimed -= int(self.instants[row] == NOT_AN_INSTANT)
        self.raws[row] = None
        self.ids[row] = None
        dead = self.size - len(self)
        if dead >= _COMPACT_FROM and 2 * dead >= self.size:
            self._compact()

    def _compact(self) -> None:
        """Drop the tombstones: every array keeps its live rows, in order. Linear, and only after as many
        deletes as live rows, so each delete pays a constant share of it."""
        before = self.size
        keep = np.flatnonzero(self.live())
        kept = keep.tolist()
        raws, ids = self.raws, self.ids
        self.raws = [raws[row] for row in kept]
        self.ids = [ids[row] for row in kept]
        self.size = len(kept)
        self.index.sort(self.ids)
        self.alive = np.ones(self.size, dtype=np.bool_)
        self.id_keys = self.id_keys[keep]
        self.instants = self.instants[keep]
        for column in self.columns.values():
            column.compact(before, keep)

    def fit(self) -> None:
        """Drop the room kept for rows to come, once a namespace is filled: the next row grows it again."""
        self.alive = _fitted(self.alive, self.size)
        self.id_keys = _fitted(self.id_keys, self.size)
        self.instants = _fitted(self.instants, self.size)
        for column in self.columns.values():
            column.fit(self.size)

    def live(self) -> npt.NDArray[np.bool_]:
        return self.alive[: self.size]

    def live_rows(self) -> Rows:
        """The live rows, in order, as ``Rows``: what ``extend`` of an empty table takes back to this table
        (the columns' distinct values with their codes, no record decoded)."""
        # With no row deleted, views of the arrays: a table's rows are never rewritten in place (rows are
        # appended, or a whole array replaced), so the views keep what they show while the table moves on.
        keep: slice | npt.NDArray[np.intp] = (
            slice(0, self.size) if len(self) == self.size else np.flatnonzero(self.live())
        )
        paths: dict[Path, tuple[list[Any], Codes]] = {}
        for path, column in self.columns.items():
            codes = column.at(self.size)[keep]
            if codes.any():
                paths[path] = (column.values[FIRST_VALUE_CODE:], codes)
        return Rows(
            [interaction_id for interaction_id in self.ids if interaction_id is not None],  # a dead row's is None
            [raw for raw in self.raws if raw is not None],
            self.id_keys[keep],
            self.instants[keep],
            paths,
        )

    def column(self, path: Path) -> Column | None:
        """The column of ``path``; None while no record ever held it (every row misses it)."""
        if path == ID_PATH:
            return IdColumn(self) if self.size else None
        if path == TIME_PATH:
            if self.stamps is None and (
                self.columns.get(path) is not None or np.any(self.instants[: self.size] != NOT_AN_INSTANT)
            ):
                self.stamps = StampColumn(self)
            return self.stamps
        return self.columns.get(path)


class IdColumn(Column):
    """The ``interaction_id`` column, made when a query names it from the ids the table keeps: row r has code r + 3.

    Ids are unique, so a kept column would hold every id a second time; a query on them is rare.
    """

    def __init__(self, table: Table) -> None:
        super().__init__(0)
        self._table = table
        self.values = [MISSING, OBJECT, OPAQUE, *table.ids]
        self.codes = np.arange(FIRST_VALUE_CODE, table.size + FIRST_VALUE_CODE, dtype=np.uint32)

    def code_of(self, value: Any) -> int | None:
        row = self._table.row(value) if type(value) is str else None
        return None if row is None else row + FIRST_VALUE_CODE


class StampColumn(Column):
    """The whole ``timestamp`` column: the values the table keeps (those that are not the text of their
    row's instant) and, for every other row with an instant, that text, one value per distinct instant.

    Made from the instants in one pass when a query reads timestamps as text (equality, patterns,
    a sort with rows that have no instant), which ranges and the default order never do.
    """

    def __init__(self, table: Table) -> None:
        super().__init__(0)
        size = table.size
        kept = table.columns.get(TIME_PATH)
        kept_codes = kept.at(size) if kept is not None else np.zeros(size, dtype=np.uint8)
        instants = table.instants[:size]
        derived = (kept_codes == MISSING_CODE) & (instants != NOT_AN_INSTANT)
        self._distinct, inverse = np.unique(instants[derived], return_inverse=True)
        self._kept = kept
        base = kept.values if kept is not None else self.values
        self._first_derived = len(base)
        # The texts of consecutive instants share their hour: Timestamps makes each hour's text once.
        self.values = [*base, *map(Timestamps().text, self._distinct.tolist())]
        self.codes = kept_codes.astype(np.uint32)
        self.codes[derived] = self._first_derived + inverse

    def code_of(self, value: Any) -> int | None:
        if type(value) is str:
            micros, stamped = read_stamp(value)
            if micros is not None and stamped:
                at = int(np.searchsorted(self._distinct, micros))
                if at < len(self._distinct) and self._distinct[at] == micros:
                    return self._first_derived + at
        return None if self._kept is None else self._kept.code_of(value)
