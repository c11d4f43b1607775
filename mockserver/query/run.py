"""Running a ListQuery against one namespace: masks, order, page.

The namespace's table holds a column per path, filled at write time (mockserver/table.py):
the simple fields, the filter tree and the search each give a boolean mask over its rows
(mockserver/query/masks.py), and only the rows that can reach the page are ordered
(mockserver/query/order.py). The ordered matches of a query are remembered by the namespace
until its next write, so paging through them, or asking again (a dashboard polling, a test
re-reading), costs a slice and not a fresh evaluation.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import orjson

from mockserver.query.masks import equals_mask, search_mask, tree_mask
from mockserver.query.memo import Memo
from mockserver.query.model import ListQuery
from mockserver.query.order import first_in_order
from mockserver.query.paginate import pagination
from mockserver.table import Table


class Interactions(Protocol):
    """What the engine needs of a namespace; NamespaceStore provides it."""

    @property
    def table(self) -> Table: ...

    @property
    def matches(self) -> Memo: ...


@dataclass(frozen=True)
class Page:
    """One page of a list answer: the records as stored (JSON bytes) and the pagination block."""

    records: list[bytes]
    pagination: dict[str, Any]

    def body(self) -> bytes:
        """The ListInteractionsResponse, joined from the stored bytes (``items`` mirrors ``results``)."""
        joined = b",".join(self.records)
        return b'{"results":[%b],"items":[%b],"pagination":%b}' % (joined, joined, orjson.dumps(self.pagination))


@dataclass(frozen=True)
class _Matches:
    """A query's match count and its first matches in order (all of them once ``first`` reaches ``total``)."""

    total: int
    first: list[bytes]

    def covers(self, end: int) -> bool:
        return len(self.first) >= min(end, self.total)


def _match(table: Table, query: ListQuery, count: int) -> _Matches:
    """The match count and the first ``count`` matches of ``query``, in order."""
    mask = table.live().copy()
    for equals in query.equals:
        mask &= equals_mask(table, equals)
    if query.filters is not None:
        mask &= tree_mask(table, query.filters)
    if query.search:
        mask &= search_mask(table, query.search)
    rows = np.flatnonzero(mask)
    raws = table.raws
    first = [raws[row] for row in first_in_order(table, rows, query.sort, count).tolist()]
    return _Matches(len(rows), first)


def _matches_key(query: ListQuery) -> Hashable:
    # Everything but the window decides the matches. The repr is exact for what a query holds (it
    # tells 1, 1.0 and true apart; patterns show their source and case) and hashable where operands
    # (lists, objects) are not.
    return repr((query.equals, query.filters, query.search, query.sort))


def run_query(store: Interactions, query: ListQuery, path: str) -> Page:
    """One page of the records matching ``query``, with its pagination block (links relative to ``path``)."""
    start, end = query.window.offset, query.window.offset + query.window.limit
    key = _matches_key(query)
    known: _Matches | None = store.matches.get(key)
    if known is None or not known.covers(end):
        # Deeper pages of the same query are likely next: look ahead rather than evaluate per page.
        known = _match(store.table, query, end if known is None else max(end, 2 * len(known.first)))
        store.matches.put(key, known)
    return Page(known.first[start:end], pagination(known.total, query.window, path))
