"""The total order of a list answer: the sort field, missing and null last, then interaction_id ascending.

Inputs arrive in interaction_id order and every sort here is stable (``sorted``, and ``heapq``'s
n-smallest/n-largest are documented equal to a stable sort's prefix), so ties keep that order.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from mockserver.query.compare import SortKey, sort_key
from mockserver.query.instants import read_instant
from mockserver.query.model import Record, Sort
from mockserver.query.paths import MISSING, TIME_PATH, reader

# Below this share of the input, picking the first n with a heap beats sorting everything.
_HEAP_SHARE = 8


def first_in_order(records: Sequence[Record], sort: Sort, count: int) -> list[Record]:
    """The first ``count`` of ``records`` (given in interaction_id order) in the order ``sort`` asks for."""
    read = reader(sort.path)
    as_instant = sort.path == TIME_PATH
    present: list[Record] = []
    keys: list[SortKey] = []
    absent: list[Record] = []
    for record in records:
        value = read(record)
        if value is MISSING or value is None:
            absent.append(record)
        else:
            present.append(record)
            keys.append(sort_key(value, as_instant))
    indexes = range(len(present))
    if count * _HEAP_SHARE < len(present):
        pick = heapq.nlargest if sort.descending else heapq.nsmallest
        chosen = pick(count, indexes, key=keys.__getitem__)
    else:
        chosen = sorted(indexes, key=keys.__getitem__, reverse=sort.descending)
    ordered = [present[i] for i in chosen[:count]]
    return ordered + absent[: max(0, count - len(ordered))]


def newest_first_key(record: Record) -> tuple[int, str] | None:
    """The default order (timestamp descending, ties by id) as one ascending key, for the store to keep.

    None when the record's timestamp is not an instant: such a record needs the general sort.
    """
    stamp = record.get("timestamp")
    micros = read_instant(stamp) if type(stamp) is str else None
    if micros is None:
        return None
    return (-micros, record["interaction_id"])
