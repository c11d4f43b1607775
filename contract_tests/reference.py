"""An independent statement of the list semantics, as executable Python: what a list answer must be.

Written for obviousness, not speed: each rule of CONTRACT.md > List semantics is one small
function, and nothing here is shared with (or imported from) the mock. The suites only send
queries whose meaning the contract fixes (see ``strategies.py``), so every answer computed
here is the only correct one, whatever an implementation chose where the contract is open.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

Record = Mapping[str, Any]


class _Missing:
    """A path that does not reach a value; distinct from a present ``null``."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()

LOGICAL_KEYS = ("AND", "OR", "NOT")
SIMPLE_FIELDS = ("execution_id", "retriever_id", "session_id", "user_id", "feature_id")
TIMESTAMP_PATHS = ("timestamp", "created_at")


# Field paths


def lookup(record: Record, path: str) -> Any:
    """The value at a dotted path, or MISSING. ``created_at`` is another name for ``timestamp``."""
    if path == "created_at":
        path = "timestamp"
    node: Any = record
    for step in path.split("."):
        if not isinstance(node, dict) or step not in node:
            return MISSING
        node = node[step]
    return node


# Comparing values


def is_number(value: Any) -> bool:
    """JSON numbers; booleans are not numbers (``true`` is not ``1``)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def fold(text: str, case_sensitive: bool) -> str:
    return text if case_sensitive else text.casefold()


def equal(a: Any, b: Any, case_sensitive: bool) -> bool:
    """Equality of JSON values: numbers numerically, strings after case folding unless case-sensitive."""
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, str) and isinstance(b, str):
        return fold(a, case_sensitive) == fold(b, case_sensitive)
    if isinstance(a, bool) and isinstance(b, bool):
        return a == b
    if a is None and b is None:
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y, case_sensitive) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k], case_sensitive) for k in a)
    return False


def instant(text: str) -> datetime:
    """An ISO 8601 date or instant as an aware datetime; a date alone is midnight UTC.

    RFC 3339's lowercase t / z read as uppercase, and a leap second (23:59:60) as the next minute.
    """
    text = text.upper()
    leap = ":60" in text
    parsed = datetime.fromisoformat(text.replace(":60", ":59", 1) if leap else text)
    parsed = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    return parsed + timedelta(seconds=1) if leap else parsed


def ordered(value: Any, operand: Any, as_instants: bool) -> tuple[Any, Any] | None:
    """The pair to compare for gt/gte/lt/lte, or None when the pair is not comparable (then: false)."""
    if is_number(value) and is_number(operand):
        return value, operand
    if isinstance(value, str) and isinstance(operand, str):
        return (instant(value), instant(operand)) if as_instants else (value, operand)
    return None


# Operators: each answers for one (non-list) value; `holds` spreads them over list values.

OperatorFn = Callable[[Any, Any, bool, bool], bool]


def _eq(v: Any, x: Any, cs: bool, _t: bool) -> bool:
    return equal(v, x, cs)


def _compare(test: Callable[[Any, Any], bool]) -> OperatorFn:
    def apply(v: Any, x: Any, _cs: bool, as_instants: bool) -> bool:
        pair = ordered(v, x, as_instants)
        return pair is not None and test(*pair)

    return apply


def _in(v: Any, x: Any, cs: bool, _t: bool) -> bool:
    return any(equal(v, member, cs) for member in x)


def _starts_with(v: Any, x: Any, cs: bool, _t: bool) -> bool:
    return isinstance(v, str) and fold(v, cs).startswith(fold(x, cs))


def _ends_with(v: Any, x: Any, cs: bool, _t: bool) -> bool:
    return isinstance(v, str) and fold(v, cs).endswith(fold(x, cs))


def _regex(v: Any, x: Any, cs: bool, _t: bool) -> bool:
    return isinstance(v, str) and re.search(x, v, 0 if cs else re.IGNORECASE) is not None


def _text(v: Any, x: Any, _cs: bool, _t: bool) -> bool:
    return isinstance(v, str) and x.casefold() in v.casefold()


_PER_ELEMENT: dict[str, OperatorFn] = {
    "eq": _eq,
    "gt": _compare(lambda a, b: a > b),
    "gte": _compare(lambda a, b: a >= b),
    "lt": _compare(lambda a, b: a < b),
    "lte": _compare(lambda a, b: a <= b),
    "in": _in,
    "starts_with": _starts_with,
    "ends_with": _ends_with,
    "regex": _regex,
    "text": _text,
}


def holds(operator: str, value: Any, operand: Any, case_sensitive: bool, path: str) -> bool:
    """Whether ``{field: path, operator, value: operand}`` holds for the record value ``value``."""
    if operator == "exists":
        return (value is not MISSING) is operand
    if operator == "is_null":
        return (value is MISSING or value is None) is operand
    if operator == "ne":
        return not holds("eq", value, operand, case_sensitive, path)
    if operator == "nin":
        return not holds("in", value, operand, case_sensitive, path)
    if operator == "contains":
        if isinstance(value, list):
            return any(equal(element, operand, case_sensitive) for element in value)
        return (
            isinstance(value, str)
            and isinstance(operand, str)
            and fold(operand, case_sensitive) in fold(value, case_sensitive)
        )
    if value is MISSING:
        return False
    test = _PER_ELEMENT[operator]
    as_instants = path in TIMESTAMP_PATHS
    if isinstance(value, list):
        return any(test(element, operand, case_sensitive, as_instants) for element in value)
    return test(value, operand, case_sensitive, as_instants)


# The filter tree


def condition_holds(record: Record, path: str, operator: str, operand: Any, case_sensitive: bool) -> bool:
    return holds(operator, lookup(record, path), operand, case_sensitive, path)


def tree_holds(tree: Mapping[str, Any], record: Record, inherited_case_sensitive: bool = False) -> bool:
    """A LogicalOperator: every key of the level holds (keys combine with AND)."""
    own = tree.get("case_sensitive")
    case_sensitive = inherited_case_sensitive if own is None else bool(own)
    for key, value in tree.items():
        if key == "case_sensitive":
            continue
        if key in LOGICAL_KEYS:
            outcomes = [child_holds(child, record, case_sensitive) for child in value]
            if key == "AND" and not all(outcomes):
                return False
            if key == "OR" and not any(outcomes):
                return False
            if key == "NOT" and any(outcomes):
                return False
        elif not shorthand_holds(record, key, value, case_sensitive):
            return False
    return True


def child_holds(child: Mapping[str, Any], record: Record, case_sensitive: bool) -> bool:
    """A child with a ``field`` key is a condition (its own case_sensitive wins); anything else a tree."""
    if "field" in child:
        own = child.get("case_sensitive")
        effective = case_sensitive if own is None else bool(own)
        return condition_holds(record, child["field"], child.get("operator", "eq"), child["value"], effective)
    return tree_holds(child, record, case_sensitive)


def shorthand_holds(record: Record, path: str, value: Any, case_sensitive: bool) -> bool:
    """``{"path": 3}`` means eq; ``{"path": {"gte": 1, "lte": 5}}`` means every listed operator holds."""
    if isinstance(value, dict):
        return all(condition_holds(record, path, op, operand, case_sensitive) for op, operand in value.items())
    return condition_holds(record, path, "eq", value, case_sensitive)


# Simple fields and search


def simple_fields_hold(request: Mapping[str, Any], record: Record) -> bool:
    for name in SIMPLE_FIELDS:
        wanted = request.get(name)
        if wanted is not None and record.get(name) != wanted:
            return False
    wanted_type = request.get("interaction_type")
    return wanted_type is None or wanted_type in (record.get("interaction_type") or [])


def metadata_texts(value: Any) -> Iterable[str]:
    """Every string, and every number written as JSON writes it, anywhere inside ``value``."""
    if isinstance(value, str):
        yield value
    elif is_number(value):
        yield json.dumps(value)
    elif isinstance(value, list):
        for item in value:
            yield from metadata_texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from metadata_texts(item)


def search_holds(search: str | None, record: Record) -> bool:
    texts = [text.casefold() for text in metadata_texts(record.get("metadata"))]
    terms = (search or "").split()
    return all(any(term.casefold() in text for text in texts) for term in terms)


def matches(request: Mapping[str, Any], record: Record) -> bool:
    """A record is listed when it passes every simple field, the filters tree and the search."""
    filters = request.get("filters")
    return (
        simple_fields_hold(request, record)
        and (filters is None or tree_holds(filters, record))
        and search_holds(request.get("search"), record)
    )


# Order and pages


def sort_key_value(record: Record, path: str) -> Any:
    value = lookup(record, path)
    if path in TIMESTAMP_PATHS and isinstance(value, str):
        return instant(value)
    return value


def sort_records(records: Iterable[Record], sort: Mapping[str, Any] | None) -> list[Record]:
    """Sorted as the contract says: missing last either way, ties by interaction_id ascending.

    Only called for fields whose present values are all of one kind (the suite never asks
    for an order the contract leaves open), so plain Python comparison is the contract's.
    """
    path = "timestamp" if sort is None else sort["field"]
    descending = sort is None or sort.get("direction", "asc") == "desc"
    by_id = sorted(records, key=lambda r: r["interaction_id"])
    present = [r for r in by_id if sort_key_value(r, path) not in (MISSING, None)]
    absent = [r for r in by_id if sort_key_value(r, path) in (MISSING, None)]
    # Python's sort is stable, also with reverse=True, so equal values keep interaction_id order.
    present.sort(key=lambda r: sort_key_value(r, path), reverse=descending)
    return present + absent


def answer(records: Iterable[Record], request: Mapping[str, Any]) -> list[Record]:
    """Every match of a list request, in order (before paging)."""
    return sort_records([r for r in records if matches(request, r)], request.get("sort"))


def total_pages(total: int, limit: int) -> int:
    return math.ceil(total / limit)


def page_number(offset: int, limit: int) -> int:
    return offset // limit + 1


def ids(records: Sequence[Record]) -> list[str]:
    return [r["interaction_id"] for r in records]
