"""The total order of a list answer: the sort field, missing and null last, then interaction_id ascending.

Each row gets one integer key (a rank of its value, or its instant for the default order), and
only the rows that can reach the asked page are sorted: ``argpartition`` finds them in linear
time, ``lexsort`` orders them by key and then by the first 8 bytes of their id, and the rare
rows that share those bytes are put in order by their whole id.
"""

from __future__ import annotations

from itertools import repeat
from operator import is_
from typing import Any

import numpy as np
import numpy.typing as npt

from mockserver.query.compare import sort_key
from mockserver.query.instants import instants_in_bulk
from mockserver.query.model import Sort
from mockserver.query.paths import MISSING, OCCURRED_PATH, TIME_PATH
from mockserver.table import ID_PATH, NOT_AN_INSTANT, Column, Table

Rows = npt.NDArray[np.intp]
Keys = npt.NDArray[np.int64]
# After every rank: where missing and null values go, in either direction.
_LAST = np.iinfo(np.int64).max


def _ranks(column: Column, as_instant: bool) -> Keys:
    """Per code, the rank of its value in ascending order (equal values share one); _LAST for missing and null."""
    kept = column.sort_ranks.get(as_instant)
    if kept is not None and kept[0] == column.version:
        return kept[1]
    ranks = _ranked_in_bulk(column) if not as_instant else None
    if ranks is None:
        ranks = _ranked_one_by_one(column, as_instant)
    column.sort_ranks[as_instant] = (column.version, ranks)
    return ranks


def _ranked_one_by_one(column: Column, as_instant: bool) -> Keys:
    # Codes 1 and 2 (objects, arrays holding containers) sort as any array or object does.
    stand_ins: list[Any] = [MISSING, {}, [{}], *column.values[3:]]
    keyed = sorted(
        (sort_key(value, as_instant), code)
        for code, value in enumerate(stand_ins)
        if value is not MISSING and value is not None
    )
    ranks = np.full(len(stand_ins), _LAST, dtype=np.int64)
    rank, previous = -1, None
    for key, code in keyed:
        if key != previous:
            rank, previous = rank + 1, key
        ranks[code] = rank
    return ranks


# Strings are ranked by a numpy sort of a fixed-width array, which holds every string at the longest
# one's width: past this many characters, Python's sort (which moves references) is used instead.
_WIDEST_SORTED_IN_NUMPY = 256


def _ranked_in_bulk(column: Column) -> Keys | None:
    """The same ranks, kind by kind in compare.sort_key's order (numbers, strings, booleans, the rest), in C.

    None when an integer too large for a float is among the numbers: those go one by one.
    """
    values = column.values
    body_values = values[3:]
    kinds = list(map(type, body_values))
    present = set(kinds)
    ranks = np.full(len(values), _LAST, dtype=np.int64)
    body = ranks[3:]
    next_rank = 0
    if int in present or float in present:
        numbers, plain = column.numbers(2**53)
        if any(kind is int and not is_plain for kind, is_plain in zip(kinds, plain.tolist(), strict=True)):
            return None
        distinct, inverse = np.unique(numbers[plain], return_inverse=True)
        body[plain] = inverse
        next_rank = len(distinct)
    if str in present:
        # Distinct values are distinct strings (a string is its own key in a column): no two tie.
        if present == {str}:
            codes, texts = np.arange(len(kinds)), body_values
        else:
            codes = np.flatnonzero(np.fromiter(map(is_, kinds, repeat(str)), dtype=np.bool_, count=len(kinds)))
            texts = [body_values[code] for code in codes.tolist()]
        joined = "".join(texts)
        # numpy's fixed-width strings drop trailing NULs ("a" and "a\0" would tie): those go to Python's sort.
        if max(map(len, texts)) <= _WIDEST_SORTED_IN_NUMPY and "\0" not in joined:
            # ASCII sorts as bytes (the same order as code points), a quarter of the memory to compare.
            in_order = codes[np.argsort(np.array(texts, dtype=np.bytes_ if joined.isascii() else np.str_))]
        else:
            in_order = codes[sorted(range(len(texts)), key=texts.__getitem__)]
        body[in_order] = np.arange(next_rank, next_rank + len(codes))
        next_rank += len(codes)
    if bool in present:
        for flag in (False, True):
            flagged = [code for code, kind in enumerate(kinds) if kind is bool and body_values[code] is flag]
            if flagged:
                body[flagged] = next_rank
                next_rank += 1
    # Arrays and objects all tie (codes 1 and 2, and arrays of scalars among the values).
    if list in present:
        body[[code for code, kind in enumerate(kinds) if kind is list]] = next_rank
    ranks[1:3] = next_rank
    return ranks


def _occurred(table: Table, rows: Rows, descending: bool) -> Keys:
    """When each row happened: its occurred_at, or its timestamp where it has none (stored before 2026-11)."""
    keys = table.instants[rows].copy()
    column = table.column(OCCURRED_PATH)
    if column is not None:
        kept = column.sort_ranks.get(None)
        if kept is None or kept[0] != column.version:
            # Per code, the instant of its value (NOT_AN_INSTANT for a value that is none, and for missing).
            kept = (column.version, instants_in_bulk(column.values, NOT_AN_INSTANT))
            column.sort_ranks[None] = kept
        own = kept[1][column.at(table.size)[rows]]
        keys = np.where(own != NOT_AN_INSTANT, own, keys)
    none = keys == NOT_AN_INSTANT
    if descending:
        keys = -keys
    keys[none] = _LAST
    return keys


def _keys(table: Table, rows: Rows, sort: Sort) -> Keys:
    if sort.path == ID_PATH:
        return np.zeros(len(rows), dtype=np.int64)  # the tie-break alone orders the rows
    if sort.path == OCCURRED_PATH:
        return _occurred(table, rows, sort.descending)
    if sort.path == TIME_PATH and not table.untimed:
        instants = table.instants[rows]
        return -instants if sort.descending else instants
    column = table.column(sort.path)
    if column is None:
        return np.zeros(len(rows), dtype=np.int64)  # every row misses the field: the id decides
    ranks = _ranks(column, sort.path == TIME_PATH)
    keys = ranks[column.at(table.size)[rows]]
    if sort.descending:
        top = int(ranks[ranks != _LAST].max(initial=0))
        keys = np.where(keys == _LAST, _LAST, top - keys)
    return keys


def first_in_order(table: Table, rows: Rows, sort: Sort, count: int) -> Rows:
    """The first ``count`` of ``rows`` in the order ``sort`` asks for, ties by interaction_id."""
    if count <= 0 or not len(rows):
        return rows[:0]
    if sort.path == ID_PATH and sort.descending:
        # Ids are unique, so no tie is left to break: the order is the ascending one, reversed.
        ascending = first_in_order(table, rows, Sort(ID_PATH, descending=False), len(rows))
        return ascending[::-1][:count]
    keys = _keys(table, rows, sort)
    if count < len(rows):
        # Every row keyed at most as the count-th smallest key can be on the page; no other can.
        bound = keys[np.argpartition(keys, count - 1)[count - 1]]
        reach = keys <= bound
        rows, keys = rows[reach], keys[reach]
    id_keys = table.id_keys[rows]
    order = np.lexsort((id_keys, keys))
    rows, keys, id_keys = rows[order], keys[order], id_keys[order]
    same = (keys[1:] == keys[:-1]) & (id_keys[1:] == id_keys[:-1])
    if same.any():
        rows = _by_whole_id(table, rows, same)
    return rows[:count]


def _by_whole_id(table: Table, rows: Rows, same: npt.NDArray[np.bool_]) -> Rows:
    """Put each run of rows that share key and id prefix (``same``: row i+1 shares them with row i) in id order."""
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    ends = np.append(starts[1:], len(rows))
    rows = rows.copy()
    ids = table.ids
    runs = ends - starts > 1
    for start, end in zip(starts[runs].tolist(), ends[runs].tolist(), strict=True):
        rows[start:end] = sorted(rows[start:end].tolist(), key=lambda row: ids[row] or "")
    return rows
