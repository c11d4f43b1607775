"""Running a ListQuery against one namespace: candidates, filter, order, page.

The store keeps indexes on the simple fields and its records newest-first and in id order; the
plan below uses them so that common queries touch little more than what they return.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping, Sequence, Set
from itertools import islice
from typing import Any, Protocol

from mockserver.query.compile import Predicate, all_of, compile_node
from mockserver.query.model import NEWEST_FIRST, Equals, ListQuery, Record
from mockserver.query.paginate import pagination
from mockserver.query.search import search_predicate
from mockserver.query.sort import first_in_order

# Below one candidate in this many records, fetching candidates by id beats scanning for them.
_SPARSE = 16


class Interactions(Protocol):
    """What the engine needs of a namespace; NamespaceStore provides it."""

    def __len__(self) -> int: ...

    def get(self, interaction_id: str) -> Record: ...

    def ids_with(self, field: str, value: str) -> Set[str]: ...

    def newest_first(self) -> Sequence[Record] | None: ...

    def in_id_order(self) -> Sequence[Record]: ...

    def derived(self, kind: str) -> MutableMapping[str, Any]: ...


def _candidate_ids(store: Interactions, equals: tuple[Equals, ...]) -> Set[str] | None:
    """Ids passing every simple field (from the indexes), or None when there are no simple fields."""
    if not equals:
        return None
    smallest, *rest = sorted((store.ids_with(e.field, e.value) for e in equals), key=len)
    return {i for i in smallest if all(i in other for other in rest)} if rest else smallest


def _within(ordered: Sequence[Record], ids: Set[str] | None) -> Iterable[Record]:
    return ordered if ids is None else (r for r in ordered if r["interaction_id"] in ids)


def _predicate(store: Interactions, query: ListQuery) -> Predicate | None:
    parts = [] if query.filters is None else [compile_node(query.filters)]
    if query.search:
        parts.append(search_predicate(query.search, store.derived("search_text")))
    return all_of(parts)


def _sparse(store: Interactions, ids: Set[str] | None) -> bool:
    return ids is not None and len(ids) * _SPARSE < len(store)


def _in_id_order(store: Interactions, ids: Set[str] | None) -> Iterable[Record]:
    if ids is not None and _sparse(store, ids):
        return sorted(map(store.get, ids), key=lambda r: r["interaction_id"])
    return _within(store.in_id_order(), ids)


def run_query(store: Interactions, query: ListQuery, path: str) -> dict[str, Any]:
    """One page of the records matching ``query``, with its pagination block (links relative to ``path``)."""
    start, end = query.window.offset, query.window.offset + query.window.limit
    ids = _candidate_ids(store, query.equals)
    predicate = _predicate(store, query)
    newest = store.newest_first() if query.sort == NEWEST_FIRST and not _sparse(store, ids) else None
    if newest is None:
        pool = _in_id_order(store, ids)
        matches = list(pool) if predicate is None else [r for r in pool if predicate(r)]
        total, rows = len(matches), first_in_order(matches, query.sort, end)[start:]
    elif predicate is None:
        # Already in order and nothing to evaluate: stop as soon as the page is full.
        total = len(newest) if ids is None else len(ids)
        rows = list(islice(_within(newest, ids), start, end))
    else:
        matches = [r for r in _within(newest, ids) if predicate(r)]
        total, rows = len(matches), matches[start:end]
    return {"results": rows, "items": rows, "pagination": pagination(total, query.window, path)}
