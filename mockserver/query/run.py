"""Running a ListQuery against one namespace: candidates, filter, order, page.

Work is done on row positions in interaction_id order: the store's indexes give the candidates
of the simple fields, its columns feed the filters, the search and the sort, and its kept
newest-first order serves the default sort without sorting anything.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Sequence, Set
from itertools import islice
from typing import Any, Protocol

from mockserver.query.columns import Column, full_mask, rows_of, to_mask
from mockserver.query.compile import Selector, compile_node
from mockserver.query.model import NEWEST_FIRST, Equals, ListQuery, Record, Sort
from mockserver.query.paginate import pagination
from mockserver.query.paths import reader
from mockserver.query.search import search_selector, searchable_text
from mockserver.query.sort import first_in_order, newest_first

# Below one row in this many, working on the rows themselves beats a pass over the whole namespace.
_SPARSE = 16


class Interactions(Protocol):
    """What the engine needs of a namespace; NamespaceStore provides it."""

    def __len__(self) -> int: ...

    def ids_with(self, field: str, value: str) -> Set[str]: ...

    def in_id_order(self) -> Sequence[Record]: ...

    def ids_in_order(self) -> Sequence[str]: ...

    def column(self, key: Hashable, extract: Callable[[Record], Any]) -> Column: ...

    def newest_positions(self) -> Sequence[int] | None: ...


def _candidate_ids(store: Interactions, equals: tuple[Equals, ...]) -> Set[str] | None:
    """Ids passing every simple field (from the indexes); None when there are no simple fields."""
    if not equals:
        return None
    smallest, *rest = sorted((store.ids_with(e.field, e.value) for e in equals), key=len)
    return {i for i in smallest if all(i in other for other in rest)} if rest else smallest


def _rows_of(store: Interactions, ids: Set[str]) -> list[int]:
    in_order = store.ids_in_order()
    if len(ids) * _SPARSE < len(in_order):
        return sorted(bisect.bisect_left(in_order, i) for i in ids)
    return [row for row, i in enumerate(in_order) if i in ids]


def _selectors(store: Interactions, query: ListQuery) -> list[Selector]:
    found = [] if query.filters is None else [compile_node(query.filters, store.column)]
    if query.search:
        found.append(search_selector(query.search, store.column("search text", searchable_text)))
    return found


def _first_rows(store: Interactions, rows: list[int], sort: Sort, count: int) -> list[int]:
    """The first ``count`` of ``rows`` in the order ``sort`` asks for."""
    newest = store.newest_positions() if sort == NEWEST_FIRST else None
    if newest is not None and len(rows) * _SPARSE < len(newest):
        return newest_first(rows, store.in_id_order(), count)
    if newest is not None:
        wanted = set(rows)
        # Walk the kept order and stop as soon as enough rows are found.
        return list(islice((row for row in newest if row in wanted), count))
    return first_in_order(rows, store.column(sort.path, reader(sort.path)), sort, count)


def _unfiltered_rows(store: Interactions, ids: Set[str] | None, sort: Sort, count: int) -> list[int]:
    """The first ``count`` rows when only simple fields (or nothing) constrain the answer."""
    newest = store.newest_positions() if sort == NEWEST_FIRST else None
    if newest is None:
        return _first_rows(store, list(range(len(store))) if ids is None else _rows_of(store, ids), sort, count)
    if ids is None:
        return list(newest[:count])
    if len(ids) * _SPARSE < len(newest):
        return _first_rows(store, _rows_of(store, ids), sort, count)
    in_order = store.ids_in_order()
    return list(islice((row for row in newest if in_order[row] in ids), count))


def run_query(store: Interactions, query: ListQuery, path: str) -> dict[str, Any]:
    """One page of the records matching ``query``, with its pagination block (links relative to ``path``)."""
    start, end = query.window.offset, query.window.offset + query.window.limit
    ids = _candidate_ids(store, query.equals)
    selectors = _selectors(store, query)
    if selectors:
        size = len(store)
        mask = full_mask(size) if ids is None else to_mask(_rows_of(store, ids), size)
        for select in selectors:
            mask = select(mask)
        rows = rows_of(mask, size)
        total, first = len(rows), _first_rows(store, rows, query.sort, end)
    else:
        total = len(store) if ids is None else len(ids)
        first = _unfiltered_rows(store, ids, query.sort, end)
    records = store.in_id_order()
    found = [records[row] for row in first[start:]]
    return {"results": found, "items": found, "pagination": pagination(total, query.window, path)}
