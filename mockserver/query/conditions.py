"""What each condition of a filter tree means for one value: a test decided once per distinct value.

Per operator, a *value test* decides a present value (null included); ``_if_missing`` says what a
missing path yields. An array value passes when one of its elements does (docs/list-semantics.md).
mockserver/query/masks.py applies the tests to a table's columns.
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable
from typing import Any

from mockserver.query.compare import NUMBER_TYPES, equal, fold
from mockserver.query.geo import GEO_OPERATORS, geo_test
from mockserver.query.instants import read_instant
from mockserver.query.model import Condition, Instant, Path, Record
from mockserver.query.paths import MISSING, TIME_PATH, reader
from mockserver.query.regex import Pattern
from mockserver.query.words import word_test

ValueTest = Callable[[Any], bool]

ORDER = {"gt": op.gt, "gte": op.ge, "lt": op.lt, "lte": op.le}


def _any_element(scalar: ValueTest) -> ValueTest:
    def test(value: Any) -> bool:
        if type(value) is list:
            return any(scalar(item) for item in value)
        return scalar(value)

    return test


def _text_case(case_sensitive: bool) -> Callable[[str], str]:
    return str if case_sensitive else fold


def _equals(operand: Any, case_sensitive: bool) -> ValueTest:
    """eq: the value equals the operand, or (an array) has an element that does."""
    if type(operand) is str:
        norm = _text_case(case_sensitive)
        wanted = norm(operand)

        def text(value: Any) -> bool:
            if type(value) is str:
                return norm(value) == wanted
            return type(value) is list and any(type(v) is str and norm(v) == wanted for v in value)

        return text
    if type(operand) in NUMBER_TYPES:

        def number(value: Any) -> bool:
            if type(value) in NUMBER_TYPES:
                return bool(value == operand)
            return type(value) is list and any(type(v) in NUMBER_TYPES and v == operand for v in value)

        return number

    def test(value: Any) -> bool:
        if equal(value, operand, case_sensitive):
            return True
        return type(value) is list and any(equal(item, operand, case_sensitive) for item in value)

    return test


def _member(operands: list[Any], case_sensitive: bool) -> ValueTest:
    """in: eq holds for some operand; hashable operands become sets (numbers kept apart from booleans)."""
    norm = _text_case(case_sensitive)
    kinds = set(map(type, operands))
    texts: set[str]
    numbers: set[int | float]
    flags: set[bool]
    containers: list[Any]
    # Operands of one kind (the usual case) are sorted in C: a thousand of them in five passes each
    # took 0.3 ms, which a hundred such conditions repeat.
    if kinds <= {str}:
        texts, numbers, flags, null, containers = set(map(norm, operands)), set(), set(), False, []
    elif kinds <= set(NUMBER_TYPES):
        texts, numbers, flags, null, containers = set(), set(operands), set(), False, []
    else:
        texts = {norm(x) for x in operands if type(x) is str}
        numbers = {x for x in operands if type(x) in NUMBER_TYPES}
        flags = {x for x in operands if type(x) is bool}
        null = type(None) in kinds
        containers = [x for x in operands if type(x) in (list, dict)]

    def scalar(value: Any) -> bool:
        kind = type(value)
        if kind is str:
            return norm(value) in texts
        if kind in NUMBER_TYPES:
            return value in numbers
        if kind is bool:
            return value in flags
        if value is None:
            return null
        return any(equal(value, x, case_sensitive) for x in containers)

    def test(value: Any) -> bool:
        return scalar(value) or (type(value) is list and any(scalar(item) for item in value))

    return test


def _ordered(name: str, operand: Any) -> ValueTest:
    compare = ORDER[name]
    if isinstance(operand, Instant):
        # The column holds instants already read (integers; None where a value is not one).
        bound = operand.micros

        def instant(value: Any) -> bool:
            if type(value) is int:
                return bool(compare(value, bound))
            return type(value) is list and any(type(v) is int and compare(v, bound) for v in value)

        return instant
    kinds = (str,) if type(operand) is str else NUMBER_TYPES

    def test(value: Any) -> bool:
        if type(value) in kinds:
            return bool(compare(value, operand))
        return type(value) is list and any(type(v) in kinds and compare(v, operand) for v in value)

    return test


def _contains(operand: Any, case_sensitive: bool) -> ValueTest:
    """A substring of a string value, or an element (by equality, not substring) of an array value."""
    norm = _text_case(case_sensitive)
    needle = norm(operand) if type(operand) is str else None

    def test(value: Any) -> bool:
        if type(value) is str:
            return needle is not None and needle in norm(value)
        if type(value) is list:
            return any(equal(item, operand, case_sensitive) for item in value)
        return False

    return test


def _string_test(check: Callable[[str], bool]) -> ValueTest:
    return _any_element(lambda v: type(v) is str and check(v))


def _regex(pattern: Pattern) -> ValueTest:
    return _string_test(pattern.search)


def _value_test(condition: Condition) -> ValueTest:
    name, x, case_sensitive = condition.operator, condition.operand, condition.case_sensitive
    norm = _text_case(case_sensitive)
    if name in ("eq", "ne"):
        return _equals(x, case_sensitive)
    if name in ("in", "nin"):
        return _member(x, case_sensitive)
    if name in ORDER:
        return _ordered(name, x)
    if name == "contains":
        return _contains(x, case_sensitive)
    if name == "starts_with":
        prefix = norm(x)
        return _string_test(lambda v: norm(v).startswith(prefix))
    if name == "ends_with":
        suffix = norm(x)
        return _string_test(lambda v: norm(v).endswith(suffix))
    if name == "regex":
        return _regex(x)
    if name == "text":
        needle = fold(x)
        return _string_test(lambda v: needle in fold(v))
    if name in ("words", "phrase"):
        return _string_test(word_test(name, x, case_sensitive))
    if name in GEO_OPERATORS:
        return geo_test(x)
    if name == "exists":
        return lambda v: bool(x)
    # is_null
    return lambda v: (v is None) == x


def _if_missing(condition: Condition) -> bool:
    name = condition.operator
    if name in ("ne", "nin"):
        return True
    if name in ("exists", "is_null"):
        return not condition.operand if name == "exists" else bool(condition.operand)
    return False


_NEGATED = frozenset({"ne", "nin"})


def as_instants(value: Any) -> Any:
    """A value with its strings read as instants (integers; None where one is not), for a range on an instant path."""
    if type(value) is str:
        return read_instant(value)
    if type(value) is list:
        return [read_instant(item) if type(item) is str else None for item in value]
    return None if value is not MISSING else MISSING


def instants_at(path: Path) -> Callable[[Record], Any]:
    """Instants read once per record, so a timestamp range compares integers (None: not an instant)."""
    read = reader(path)
    return lambda record: as_instants(read(record))


# Operators whose value test is false for MISSING as it stands (it is neither a string, a number,
# an array nor null), so the test can be called as is: one call less per value.
_FALSE_WHEN_MISSING = frozenset(ORDER) | {"eq", "in", "contains", "starts_with", "ends_with", "regex", "text"}


def _on_instants(test: ValueTest) -> ValueTest:
    return lambda value: test(as_instants(value))


def holds(condition: Condition) -> Callable[[Any], bool]:
    test = _value_test(condition)
    if isinstance(condition.operand, Instant) and condition.path != TIME_PATH:
        # Timestamps come read already (masks._instant_mask); occurred_at is read per distinct value here.
        test = _on_instants(test)
    if condition.operator in _FALSE_WHEN_MISSING:
        return test
    missing = _if_missing(condition)
    if condition.operator in _NEGATED:
        return lambda value: missing if value is MISSING else not test(value)
    return lambda value: missing if value is MISSING else test(value)
