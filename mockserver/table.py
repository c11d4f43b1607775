"""A namespace's records as rows: the JSON bytes each is served as, and a column per path, filled at write time.

Every path a record holds (top-level fields, and every key reached through objects inside
``metadata``, ``query_snapshot`` or any other object) gets a dictionary-encoded column the
moment the record is stored, so a query on a path never seen before reads columns that are
already there instead of decoding every record again. Rows are appended; a deleted row is a
tombstone (``alive`` false) until half the rows are, when the table drops them in one linear
pass, so a write never rebuilds a column nor copies whole arrays per record.

Codes: 0 is "missing", 1 an object (its keys have columns of their own), 2 an array holding
arrays or objects (read from the record itself when a query needs it: rare), 3 and up a
distinct scalar or array of scalars, kept once in ``values``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from mockserver.query.model import Path
from mockserver.query.paths import MISSING

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
# Tombstones are dropped once there are this many and they are at least half the rows.
_COMPACT_FROM = 1024


def _dedup_key(value: Any) -> Any:
    """A hashable stand-in that never confuses 1, 1.0 and true (nor 0.0 and -0.0, which print apart);
    None for what is not kept in ``values``."""
    kind = type(value)
    if kind is str:
        return value  # the common case: a string is its own key (no number or flag can equal it)
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
    if needed <= len(array):
        return array
    bigger = np.zeros(max(needed, 2 * len(array)), dtype=array.dtype)
    bigger[: len(array)] = array
    return bigger


def _all_strings(items: tuple[Any, ...]) -> bool:
    return all(type(item) is str for item in items)


class Column:
    """The values at one path for every row: a code per row, each distinct value kept once."""

    def __init__(self, capacity: int) -> None:
        self.values: list[Any] = [MISSING, OBJECT, OPAQUE]
        self._code_of: dict[Any, int] = {}
        self.codes: Codes = np.zeros(capacity, dtype=np.uint8)
        self._max_code = int(np.iinfo(np.uint8).max)
        # Bumped whenever a distinct value is added: what was derived from ``values`` is then stale.
        self.version = 0
        # The sort's rank of each code (mockserver/query/order.py), by "as instants", with the version it is of.
        self.sort_ranks: dict[bool, tuple[int, npt.NDArray[np.int64]]] = {}
        self._search_texts: tuple[int, npt.NDArray[np.str_]] = (-1, np.array([], dtype=np.str_))
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
            self.values.append(value)
            self._code_of[key] = code
            self.version += 1
            if code > self._max_code:
                wider = np.uint16 if code <= np.iinfo(np.uint16).max else np.uint32
                self.codes = self.codes.astype(wider)
                self._max_code = int(np.iinfo(wider).max)
        return code

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
                coded = {value: self.code(value) for value in distinct}
                return np.fromiter(map(coded.__getitem__, values), dtype=np.int64, count=len(values))
        return np.fromiter(map(self.code, values), dtype=np.int64, count=len(values))

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

    def search_texts(self, text_of: Callable[[Any], str]) -> npt.NDArray[np.str_]:
        """Per code, the folded text ``search`` looks in (empty for codes 0..2), kept until a value is added."""
        if self._search_texts[0] != self.version:
            texts = ["", "", "", *map(text_of, self.values[3:])]
            self._search_texts = (self.version, np.array(texts, dtype=np.str_))
        return self._search_texts[1]

    def put(self, row: int, code: int) -> None:
        self.codes = _grown(self.codes, row + 1)
        self.codes[row] = code

    def put_many(self, rows: npt.NDArray[np.int64], codes: npt.NDArray[np.int64]) -> None:
        if len(rows):
            self.codes = _grown(self.codes, int(rows[-1]) + 1)
            self.codes[rows] = codes

    def at(self, size: int) -> Codes:
        """The codes of the first ``size`` rows (rows never given a value read as missing)."""
        if len(self.codes) < size:
            self.codes = _grown(self.codes, size)
        return self.codes[:size]


def id_key(interaction_id: str) -> int:
    """The first 8 UTF-8 bytes, big-endian, zero-padded: ordered as the ids are, up to ties."""
    return int.from_bytes(interaction_id.encode()[:8].ljust(8, b"\0"), "big")


class _Gathered:
    """The rows and values seen at one path while a chunk of records is stored, and the keys under it.

    Keyed by one key at a time from the top (``under``), so walking a record builds no path tuple
    and hashes no tuple: the path is made once, when it is first met.
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
    for entry in at.under.values():
        yield entry
        yield from _paths(entry)


class Table:
    """Rows of JSON bytes with their ids, and the columns of every path the rows hold."""

    def __init__(self) -> None:
        self.size = 0  # rows used, tombstones included
        self.raws: list[bytes | None] = []
        self.ids: list[str | None] = []
        self.row_of: dict[str, int] = {}
        self.alive: npt.NDArray[np.bool_] = np.zeros(_INITIAL_CAPACITY, dtype=np.bool_)
        # The tie-break of every order is interaction_id: its first 8 UTF-8 bytes as one integer order
        # the rows in bulk, and only rows sharing those bytes are compared as strings (rare).
        self.id_keys: npt.NDArray[np.uint64] = np.zeros(_INITIAL_CAPACITY, dtype=np.uint64)
        # Each row's timestamp in epoch microseconds, for the default order and timestamp ranges;
        # NOT_AN_INSTANT where the timestamp is missing or no instant (such rows take the slow way).
        self.instants: npt.NDArray[np.int64] = np.zeros(_INITIAL_CAPACITY, dtype=np.int64)
        self.untimed = 0  # live rows whose timestamp is no instant
        self.columns: dict[Path, Column] = {}

    def __len__(self) -> int:
        return len(self.row_of)

    def append(self, interaction_id: str, raw: bytes, record: dict[str, Any], instant: int | None) -> None:
        """Store one record (its id must not be stored already)."""
        row = self.size
        self.size += 1
        self.raws.append(raw)
        self.ids.append(interaction_id)
        self.row_of[interaction_id] = row
        self._grow(self.size)
        self.alive[row] = True
        self.id_keys[row] = id_key(interaction_id)
        self.instants[row] = NOT_AN_INSTANT if instant is None else instant
        self.untimed += instant is None
        top = _Gathered(())
        _gather(record, top, row)
        top.under.pop("interaction_id", None)  # no column: the table keeps the ids (IdColumn)
        for entry in _paths(top):
            column = self.columns.get(entry.path)
            if column is None:
                column = self.columns[entry.path] = Column(len(self.alive))
            column.put(row, column.code(entry.values[0]))

    def _grow(self, size: int) -> None:
        self.alive = _grown(self.alive, size)
        self.id_keys = _grown(self.id_keys, size)
        self.instants = _grown(self.instants, size)

    def extend(self, rows: Iterable[tuple[str, bytes, dict[str, Any], int | None]]) -> None:
        """Store many records at once: values gathered per path, then coded and written one array per path."""
        start = self.size
        top = _Gathered(())
        keys: list[int] = []
        instants: list[int] = []
        row = start
        for interaction_id, raw, record, instant in rows:
            self.raws.append(raw)
            self.ids.append(interaction_id)
            self.row_of[interaction_id] = row
            keys.append(id_key(interaction_id))
            if instant is None:
                self.untimed += 1
                instant = NOT_AN_INSTANT
            instants.append(instant)
            _gather(record, top, row)
            row += 1
        self.size = row
        self._grow(row)
        self.alive[start:row] = True
        self.id_keys[start:row] = np.asarray(keys, dtype=np.uint64)
        self.instants[start:row] = np.asarray(instants, dtype=np.int64)
        top.under.pop("interaction_id", None)  # no column: the table keeps the ids (IdColumn)
        for entry in _paths(top):
            column = self.columns.get(entry.path)
            if column is None:
                column = self.columns[entry.path] = Column(0)
            column.put_many(np.asarray(entry.rows, dtype=np.int64), column.codes_for(entry.values))

    def remove(self, interaction_id: str) -> None:
        """Tombstone the record's row; once most rows are tombstones, compact the table."""
        row = self.row_of.pop(interaction_id)
        self.alive[row] = False
        self.untimed -= int(self.instants[row] == NOT_AN_INSTANT)
        self.raws[row] = None
        self.ids[row] = None
        dead = self.size - len(self.row_of)
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
        self.row_of = {interaction_id: row for row, interaction_id in enumerate(self.ids) if interaction_id}
        self.size = len(kept)
        self.alive = np.ones(self.size, dtype=np.bool_)
        self.id_keys = self.id_keys[keep]
        self.instants = self.instants[keep]
        for column in self.columns.values():
            column.codes = column.at(before)[keep]

    def live(self) -> npt.NDArray[np.bool_]:
        return self.alive[: self.size]

    def column(self, path: Path) -> Column | None:
        """The column of ``path``; None while no record ever held it (every row misses it)."""
        if path == ID_PATH:
            return IdColumn(self) if self.size else None
        return self.columns.get(path)


class IdColumn(Column):
    """The ``interaction_id`` column, made when a query names it from the ids the table keeps: row r has code r + 3.

    Ids are unique, so a kept column would hold every id a second time; a query on them is rare.
    """

    def __init__(self, table: Table) -> None:
        super().__init__(0)
        self._row_of = table.row_of
        self.values = [MISSING, OBJECT, OPAQUE, *table.ids]
        self.codes = np.arange(FIRST_VALUE_CODE, table.size + FIRST_VALUE_CODE, dtype=np.uint32)

    def code_of(self, value: Any) -> int | None:
        row = self._row_of.get(value) if type(value) is str else None
        return None if row is None else row + FIRST_VALUE_CODE
