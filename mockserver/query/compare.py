"""Equality, case folding and the sort order of JSON values (docs/list-semantics.md, Operators and Sort).

Booleans are not numbers here although Python's ``bool`` is an ``int``, so every test looks at
``type(...)`` rather than ``isinstance``.
"""

from __future__ import annotations

from typing import Any

from mockserver.query.instants import read_instant

NUMBER_TYPES = (int, float)


def fold(text: str) -> str:
    # casefold, not lower: "ß" equals "SS" and both sigmas match, as "ignoring case" promises.
    return text.casefold()


def equal(a: Any, b: Any, case_sensitive: bool) -> bool:
    """JSON equality: 1 equals 1.0, true is not 1, strings fold unless case-sensitive, containers element-wise.

    Recursion stops at the shallower value; operands are bounded in depth by the parser.
    """
    kind_a, kind_b = type(a), type(b)
    if kind_a is str:
        return kind_b is str and (a == b if case_sensitive else fold(a) == fold(b))
    if kind_a in NUMBER_TYPES:
        return kind_b in NUMBER_TYPES and a == b
    if kind_a is bool or a is None:
        return kind_b is kind_a and a == b
    if kind_a is list:
        return (
            kind_b is list and len(a) == len(b) and all(equal(x, y, case_sensitive) for x, y in zip(a, b, strict=True))
        )
    if kind_a is dict:
        return kind_b is dict and a.keys() == b.keys() and all(equal(a[k], b[k], case_sensitive) for k in a)
    return False


# Kinds in ascending sort order: instants (timestamp only), numbers, strings, booleans, the rest.
_INSTANT, _NUMBER, _STRING, _BOOLEAN, _OTHER = range(5)

SortKey = tuple[int, Any]


def sort_key(value: Any, as_instant: bool) -> SortKey:
    """Where a present, non-null value sorts; arrays and objects all tie, leaving the order to interaction_id."""
    kind = type(value)
    if kind is str:
        if as_instant:
            micros = read_instant(value)
            if micros is not None:
                return (_INSTANT, micros)
        return (_STRING, value)
    if kind in NUMBER_TYPES:
        return (_NUMBER, value)
    if kind is bool:
        return (_BOOLEAN, value)
    return (_OTHER, 0)
