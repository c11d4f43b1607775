"""``search``: every whitespace-separated term occurs, ignoring case, in some value inside ``metadata``."""

from __future__ import annotations

from typing import Any

import orjson

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


def _leaf_text(value: Any) -> str | None:
    """A searched value's text (strings, and numbers as JSON writes them); None for what is not searched."""
    kind = type(value)
    if kind is str:
        return str(value)
    if kind is int:
        return str(value)
    if kind is float:
        return _as_text(value)
    return None


def searchable_text(record: Record) -> str:
    """The case-folded strings and numbers found anywhere in ``metadata``; booleans and keys are not searched."""
    parts: list[str] = []
    # An explicit stack: stored metadata may nest deeper than Python's recursion limit allows.
    pending: list[Any] = [record.get("metadata")]
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind is dict:
            pending.extend(value.values())
        elif kind is list:
            pending.extend(value)
        else:
            text = _leaf_text(value)
            if text is not None:
                parts.append(text)
    return fold(_SEPARATOR.join(parts))


def search_value_text(value: Any) -> str:
    """The folded text of one column value (a scalar, or an array of scalars: its elements), as searched."""
    items = value if type(value) is list else (value,)
    return fold(_SEPARATOR.join(text for item in items if (text := _leaf_text(item)) is not None))
