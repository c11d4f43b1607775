"""A filter tree turned once per request into nested closures, so each record costs a few calls.

Per operator, a *value test* decides a present value (null included); ``_if_missing`` says what a
missing path yields. An array value passes when one of its elements does (docs/list-semantics.md).
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable
from typing import Any

from mockserver.query.compare import NUMBER_TYPES, equal, fold
from mockserver.query.instants import read_instant
from mockserver.query.model import AllOf, AnyOf, Condition, Instant, Node, NoneOf, Record
from mockserver.query.paths import MISSING, reader
from mockserver.query.regex import Pattern

Predicate = Callable[[Record], bool]
ValueTest = Callable[[Any], bool]

_ORDER = {"gt": op.gt, "gte": op.ge, "lt": op.lt, "lte": op.le}

# A regex is the costliest test; values repeat a lot (devices, cities, queries), so each request
# remembers its answer per distinct string, up to this many.
_REGEX_MEMO = 50_000


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
        return _any_element(lambda v: type(v) is str and norm(v) == wanted)
    if type(operand) in NUMBER_TYPES:
        return _any_element(lambda v: type(v) in NUMBER_TYPES and v == operand)

    def test(value: Any) -> bool:
        if equal(value, operand, case_sensitive):
            return True
        return type(value) is list and any(equal(item, operand, case_sensitive) for item in value)

    return test


def _member(operands: list[Any], case_sensitive: bool) -> ValueTest:
    """in: eq holds for some operand; hashable operands become sets (numbers kept apart from booleans)."""
    norm = _text_case(case_sensitive)
    texts = {norm(x) for x in operands if type(x) is str}
    numbers = {x for x in operands if type(x) in NUMBER_TYPES}
    flags = {x for x in operands if type(x) is bool}
    null = any(x is None for x in operands)
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
    compare = _ORDER[name]
    if isinstance(operand, Instant):
        bound = operand.micros

        def instant(value: Any) -> bool:
            if type(value) is not str:
                return False
            micros = read_instant(value)
            return micros is not None and compare(micros, bound)

        return _any_element(instant)
    if type(operand) is str:
        return _any_element(lambda v: type(v) is str and compare(v, operand))
    return _any_element(lambda v: type(v) in NUMBER_TYPES and compare(v, operand))


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
    seen: dict[str, bool] = {}

    def check(text: str) -> bool:
        found = seen.get(text)
        if found is None:
            found = pattern.search(text)
            if len(seen) < _REGEX_MEMO:
                seen[text] = found
        return found

    return _string_test(check)


def _value_test(condition: Condition) -> ValueTest:
    name, x, case_sensitive = condition.operator, condition.operand, condition.case_sensitive
    norm = _text_case(case_sensitive)
    if name in ("eq", "ne"):
        return _equals(x, case_sensitive)
    if name in ("in", "nin"):
        return _member(x, case_sensitive)
    if name in _ORDER:
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


def compile_condition(condition: Condition) -> Predicate:
    read = reader(condition.path)
    test = _value_test(condition)
    missing = _if_missing(condition)
    if condition.operator in _NEGATED:

        def negated(record: Record) -> bool:
            value = read(record)
            return missing if value is MISSING else not test(value)

        return negated

    def holds(record: Record) -> bool:
        value = read(record)
        return missing if value is MISSING else test(value)

    return holds


def _all(predicates: list[Predicate]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        return lambda record: first(record) and second(record)

    # Plain loops rather than all()/any(): no generator per record on the hot path.
    def holds(record: Record) -> bool:
        for predicate in predicates:  # noqa: SIM110
            if not predicate(record):
                return False
        return True

    return holds


def _any(predicates: list[Predicate]) -> Predicate:
    def holds(record: Record) -> bool:
        for predicate in predicates:  # noqa: SIM110
            if predicate(record):
                return True
        return False

    return holds


def compile_node(node: Node) -> Predicate:
    if isinstance(node, Condition):
        return compile_condition(node)
    children = [compile_node(child) for child in node.children]
    if isinstance(node, AllOf):
        return _all(children) if children else (lambda record: True)
    holds_any = _any(children)
    if isinstance(node, AnyOf):
        return holds_any
    assert isinstance(node, NoneOf)
    return lambda record: not holds_any(record)


def all_of(predicates: list[Predicate]) -> Predicate | None:
    """Every predicate holds; None when there is nothing to check, so callers can skip the scan."""
    return _all(predicates) if predicates else None
