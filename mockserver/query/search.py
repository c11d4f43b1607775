"""``search``: every whitespace-separated term occurs, ignoring case, in some value inside ``metadata``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from mockserver.query.columns import Column, Mask
from mockserver.query.compare import fold
from mockserver.query.model import Record

# Values are joined with a newline: terms never contain whitespace, so a term found in the joined
# text lies inside one value, exactly as if each value had been searched on its own.
_SEPARATOR = "\n"


def search_terms(search: str | None) -> tuple[str, ...]:
    # Each distinct term is one pass over the candidates; a repeated term adds nothing.
    return tuple(dict.fromkeys(fold(term) for term in (search or "").split()))


def _as_text(value: float) -> str:
    # As JSON writes it (the response bytes come from orjson), so "5000" finds 5000 and "0.75" finds 0.75.
    return orjson.dumps(value).decode()


def searchable_text(record: Record) -> str:
    """The case-folded strings and numbers found anywhere in ``metadata``; booleans and keys are not searched."""
    parts: list[str] = []
    # An explicit stack: stored metadata may nest deeper than Python's recursion limit allows.
    pending: list[Any] = [record.get("metadata")]
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind is str:
            parts.append(value)
        elif kind is int:
            parts.append(str(value))
        elif kind is float:
            parts.append(_as_text(value))
        elif kind is dict:
            pending.extend(value.values())
        elif kind is list:
            pending.extend(value)
    return fold(_SEPARATOR.join(parts))


def _containing(terms: tuple[str, ...]) -> Callable[[str], bool]:
    if len(terms) == 1:
        (term,) = terms
        return lambda text: term in text

    def holds(text: str) -> bool:
        for term in terms:  # noqa: SIM110 (no generator per row on the hot path)
            if term not in text:
                return False
        return True

    return holds


def search_selector(terms: tuple[str, ...], texts: Column) -> Callable[[Mask], Mask]:
    """``texts`` holds each row's searchable_text; all terms are looked for in one pass."""
    holds = _containing(terms)
    return lambda mask: texts.select(mask, holds)
