"""Running a ListQuery against one namespace: candidates, filter, order, page.

Work is done on row positions in interaction_id order: the store's indexes give the candidates
of the simple fields, its columns feed the filters, the search and the sort, and its kept
newest-first order serves the default sort without sorting anything. The ordered matches of a
query are remembered by the namespace until its next write, so paging through them, or asking
again (a dashboard polling, a test re-reading), costs a slice and not a fresh evaluation.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence, Set
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol

import orjson

from mockserver.query.columns import Column, full_mask, rows_of, to_mask
from mockserver.query.compile import Selector, compile_node
from mockserver.query.memo import Memo
from mockserver.query.model import NEWEST_FIRST, Equals, ListQuery, Record, Sort
from mockserver.query.paginate import pagination
from mockserver.query.paths import reader
from mockserver.query.search import search_selector, searchable_text
from mockserver.query.sort import first_in_order, newest_first

_SEARCH_TEXT = ("search text", searchable_text)
# Below one row in this many, working on the rows themselves beats a pass over the whole namespace.
_SPARSE = 16


class Interactions(Protocol):
    """What the engine needs of a namespace; NamespaceStore provides it."""

    def __len__(self) -> int: ...

    def ids_with(self, field: str, value: str) -> Collection[str]: ...

    def raws_in_id_order(self) -> Sequence[bytes]: ...

    def ids_in_order(self) -> Sequence[str]: ...

    def column(self, key: Hashable, extract: Callable[[Record], Any]) -> Column: ...

    def build_columns(self, wanted: Iterable[tuple[Hashable, Callable[[Record], Any]]]) -> None: ...

    def ages_in_id_order(self) -> Sequence[int]: ...

    def newest_positions(self) -> Sequence[int] | None: ...

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


def _candidate_ids(store: Interactions, equals: tuple[Equals, ...]) -> Set[str] | None:
    """Ids passing every simple field (from the indexes); None when there are no simple fields."""
    if not equals:
        return None
    smallest, *rest = sorted((store.ids_with(e.field, e.value) for e in equals), key=len)
    others = [set(other) for other in rest]
    return {i for i in smallest if all(i in other for other in others)}


def _rows_of(store: Interactions, ids: Set[str]) -> list[int]:
    in_order = store.ids_in_order()
    if len(ids) * _SPARSE < len(in_order):
        return sorted(bisect.bisect_left(in_order, i) for i in ids)
    return [row for row, i in enumerate(in_order) if i in ids]


_NO_VALUES = Column(())


def _build_columns(store: Interactions, query: ListQuery) -> None:
    """Every column the query reads, built in one pass (compiling the tree once just to learn its columns)."""
    wanted: list[tuple[Hashable, Callable[[Record], Any]]] = []

    def note(key: Hashable, extract: Callable[[Record], Any]) -> Column:
        wanted.append((key, extract))
        return _NO_VALUES

    if query.filters is not None:
        compile_node(query.filters, note)
    if query.search:
        wanted.append(_SEARCH_TEXT)
    if query.sort != NEWEST_FIRST:
        wanted.append((query.sort.path, reader(query.sort.path)))
    store.build_columns(wanted)


def _selectors(store: Interactions, query: ListQuery) -> list[Selector]:
    found = [] if query.filters is None else [compile_node(query.filters, store.column)]
    if query.search:
        found.append(search_selector(query.search, store.column(*_SEARCH_TEXT)))
    return found


def _first_rows(store: Interactions, rows: list[int], sort: Sort, count: int) -> list[int]:
    """The first ``count`` of ``rows`` in the order ``sort`` asks for."""
    newest = store.newest_positions() if sort == NEWEST_FIRST else None
    if newest is not None and len(rows) * _SPARSE < len(newest):
        return newest_first(rows, store.ages_in_id_order(), count)
    if newest is not None:
        wanted = set(rows)
        # Walk the kept order and stop as soon as enough rows are found.
        return list(islice((row for row in newest if row in wanted), count))
    return first_in_order(rows, store.column(sort.path, reader(sort.path)), sort, count)


def _at(store: Interactions, rows: list[int]) -> list[bytes]:
    raws = store.raws_in_id_order()
    return [raws[row] for row in rows]


def _unfiltered(store: Interactions, ids: Set[str] | None, sort: Sort, count: int) -> list[bytes]:
    """The first ``count`` records when only simple fields (or nothing) constrain the answer."""
    newest = store.newest_positions() if sort == NEWEST_FIRST else None
    if newest is None:
        rows = list(range(len(store))) if ids is None else _rows_of(store, ids)
        return _at(store, _first_rows(store, rows, sort, count))
    if ids is None:
        return _at(store, list(newest[:count]))
    if len(ids) * _SPARSE < len(newest):
        return _at(store, _first_rows(store, _rows_of(store, ids), sort, count))
    in_order = store.ids_in_order()
    return _at(store, list(islice((row for row in newest if in_order[row] in ids), count)))


def _match(store: Interactions, query: ListQuery, count: int) -> _Matches:
    """The match count and the first ``count`` matches of ``query``, in order."""
    ids = _candidate_ids(store, query.equals)
    _build_columns(store, query)
    selectors = _selectors(store, query)
    if not selectors:
        total = len(store) if ids is None else len(ids)
        return _Matches(total, _unfiltered(store, ids, query.sort, count))
    size = len(store)
    mask = full_mask(size) if ids is None else to_mask(_rows_of(store, ids), size)
    for select in selectors:
        mask = select(mask)
    rows = rows_of(mask, size)
    return _Matches(len(rows), _at(store, _first_rows(store, rows, query.sort, count)))


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
        known = _match(store, query, end if known is None else max(end, 2 * len(known.first)))
        store.matches.put(key, known)
    return Page(known.first[start:end], pagination(known.total, query.window, path))
