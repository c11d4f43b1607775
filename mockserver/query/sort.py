"""The total order of a list answer: the sort field, missing and null last, then interaction_id ascending.

Rows arrive in interaction_id order and every sort here is stable (``sorted``, and ``heapq``'s
n-smallest is documented equal to a stable sort's prefix), so ties keep that order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence

from mockserver.query.columns import Column
from mockserver.query.compare import SortKey, sort_key
from mockserver.query.instants import read_instant
from mockserver.query.model import Record, Sort
from mockserver.query.paths import MISSING, TIME_PATH

# Below this share of the input, picking the first n with a heap beats sorting everything.
_HEAP_SHARE = 8


def _by_value(rows: Sequence[int], column: Column, sort: Sort, count: int) -> list[int]:
    """For a few rows among many distinct values: sort keys of these rows only."""
    as_instant = sort.path == TIME_PATH
    present: list[int] = []
    keys: list[SortKey] = []
    absent: list[int] = []
    for row in rows:
        value = column.values[column.codes[row]]
        if value is MISSING or value is None:
            absent.append(row)
        else:
            present.append(row)
            keys.append(sort_key(value, as_instant))
    chosen = sorted(range(len(present)), key=keys.__getitem__, reverse=sort.descending)[:count]
    return [present[i] for i in chosen] + absent[: max(0, count - len(chosen))]


def _by_rank(rows: Sequence[int], column: Column, sort: Sort, count: int) -> list[int]:
    """For many rows: rank the distinct values once (kept by the column), then order rows by integer rank."""
    ranks = column.ranks(sort.path == TIME_PATH)
    last = len(ranks)
    # One integer per row: the rank (mirrored for desc), missing and null after every rank.
    by_code = [last if rank < 0 else (last - 1 - rank if sort.descending else rank) for rank in ranks]
    keys = list(map(by_code.__getitem__, map(column.codes.__getitem__, rows)))
    order = range(len(keys))
    if count * _HEAP_SHARE < len(keys):
        chosen = heapq.nsmallest(count, order, key=keys.__getitem__)
    else:
        chosen = sorted(order, key=keys.__getitem__)[:count]
    return [rows[i] for i in chosen]


def first_in_order(rows: Sequence[int], column: Column, sort: Sort, count: int) -> list[int]:
    """The first ``count`` of ``rows`` (positions in id order) ordered by their values in ``column``."""
    if len(rows) * _HEAP_SHARE < len(column.values):
        return _by_value(rows, column, sort, count)
    return _by_rank(rows, column, sort, count)


def newest_first(rows: Iterable[int], ages: Sequence[int], count: int) -> list[int]:
    """The first ``count`` of ``rows`` (ascending, so ties stay in id order) by their ``age``: all are instants."""
    return heapq.nsmallest(count, rows, key=ages.__getitem__)


def age(record: Record, stamped_us: int | None = None) -> int | None:
    """Minus the record's timestamp in microseconds: the default order (newest first) ascending.

    ``stamped_us`` is that timestamp, when the caller made it (else it is read from the text).
    None when the timestamp is not an instant: such a record needs the general sort.
    """
    if stamped_us is None:
        stamp = record.get("timestamp")
        stamped_us = read_instant(stamp) if type(stamp) is str else None
    return None if stamped_us is None else -stamped_us
