"""A list request (JSON body + query string) read into a typed ListQuery, or a 422 saying what to fix.

Shapes (types, enums, operand kinds, empty lists, unknown operators, DynamicValue, parameter
bounds, instants on timestamp, regex syntax) are the schemas' business: ``check`` and
``check_query`` run first and hold the only copy of those rules. What is left here is what a
schema cannot say: how deep trees nest (values are bounded as a body is read: jsonio.decode),
how many conditions a tree holds (counted before any is built), the few patterns RE2 still
refuses (nested repeats past 1000, empty classes), and how the tree reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mockserver.errors import Location, ValidationFailed
from mockserver.query.geo import GEO_OPERATORS, parse_shape
from mockserver.query.instants import read_instant
from mockserver.query.model import (
    LATEST_OCCURRED_FIRST,
    NEWEST_FIRST,
    AllOf,
    AnyOf,
    Condition,
    Equals,
    Instant,
    ListQuery,
    Node,
    NoneOf,
    Sort,
)
from mockserver.query.paginate import parse_window
from mockserver.query.paths import INSTANT_PATHS, resolve
from mockserver.query.regex import PatternError, compile_pattern
from mockserver.query.search import search_terms
from mockserver.validation import check, check_query
from specs import SEED, V2026_11, Edition

SIMPLE_FIELDS = ("execution_id", "retriever_id", "session_id", "user_id", "feature_id", "interaction_type")
MAX_TREE_DEPTH = 8
# Each condition is a pass over the namespace and a regex the costliest test of all: bounding both
# bounds the time one request can hold the server, whatever its body.
MAX_CONDITIONS = 100
MAX_PATTERNS = 8

_GROUPS: dict[str, Callable[[tuple[Node, ...]], Node]] = {"AND": AllOf, "OR": AnyOf, "NOT": NoneOf}
_RANGES = frozenset({"gt", "gte", "lt", "lte"})


def _operand(operator: str, path: tuple[str, ...], value: Any, loc: Location, case_sensitive: bool) -> Any:
    if operator in _RANGES and path in INSTANT_PATHS:
        micros = read_instant(value) if isinstance(value, str) else None
        if micros is None:
            raise ValidationFailed.at(
                loc,
                f"{path[0]} compares as an instant; give an RFC 3339 date or date-time "
                f"(2025-01-01, 2025-01-01T10:30:00Z), got {value!r}",
            )
        return Instant(micros)
    if operator in GEO_OPERATORS:
        return parse_shape(operator, value, loc)
    if operator == "regex":
        try:
            return compile_pattern(value, case_sensitive)
        except PatternError as exc:
            raise ValidationFailed.at(
                loc,
                f"pattern not accepted by RE2 ({exc}); besides being a valid JSON Schema regex, a pattern must "
                f"repeat at most 1000 times (nested repeats multiply) and use only the classes and escapes RE2 knows",
                "regex_error",
            ) from None
    return value


def _condition(condition: Mapping[str, Any], loc: Location, case_sensitive: bool) -> Condition:
    own = condition.get("case_sensitive")
    case_sensitive = case_sensitive if own is None else own
    path = resolve(condition["field"])
    operator = condition.get("operator", "eq")
    operand = _operand(operator, path, condition["value"], (*loc, "value"), case_sensitive)
    return Condition(path, operator, operand, case_sensitive)


def _shorthand(key: str, value: Any, loc: Location, case_sensitive: bool) -> list[Node]:
    path = resolve(key)
    if not isinstance(value, dict):
        return [Condition(path, "eq", value, case_sensitive)]
    return [
        Condition(path, operator, _operand(operator, path, operand, (*loc, operator), case_sensitive), case_sensitive)
        for operator, operand in value.items()
    ]


def _tree(tree: Mapping[str, Any], loc: Location, level: int, inherited: bool) -> Node:
    if level > MAX_TREE_DEPTH:
        raise ValidationFailed.at(
            loc, f"filters nest at most {MAX_TREE_DEPTH} levels of AND/OR/NOT; this tree is level {level}"
        )
    own = tree.get("case_sensitive")
    case_sensitive = inherited if own is None else own
    parts: list[Node] = []
    for key, value in tree.items():
        if key == "case_sensitive" or (key in _GROUPS and value is None):
            continue
        if key not in _GROUPS:
            parts.extend(_shorthand(key, value, (*loc, key), case_sensitive))
            continue
        # A single child object stands for a one-element list (the docs' filter guide writes NOT so).
        located = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        children = tuple(
            _child(child, (*loc, key) if index is None else (*loc, key, index), level, case_sensitive)
            for index, child in located
        )
        parts.append(_GROUPS[key](children))
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _child(child: Mapping[str, Any], loc: Location, level: int, case_sensitive: bool) -> Node:
    # The official client sends case_sensitive beside field/operator/value: a "field" key decides.
    if "field" in child:
        return _condition(child, loc, case_sensitive)
    return _tree(child, loc, level + 1, case_sensitive)


def _size(tree: Mapping[str, Any]) -> tuple[int, int]:
    """How many conditions ``tree`` (of the schema's shape) holds, and how many of them are regex: counted
    before any is built, so that a tree of 50,000 conditions is refused at the cost of reading its keys."""
    conditions = patterns = 0
    for key, value in tree.items():
        if key == "case_sensitive" or (key in _GROUPS and value is None):
            continue
        if key not in _GROUPS:
            is_object = isinstance(value, dict)
            conditions += len(value) if is_object else 1
            patterns += is_object and "regex" in value
            continue
        for child in value if isinstance(value, list) else [value]:
            if "field" in child:
                conditions += 1
                patterns += child.get("operator") == "regex"
            else:
                inner = _size(child)
                conditions += inner[0]
                patterns += inner[1]
    return conditions, patterns


def _filters(filters: Mapping[str, Any] | None) -> Node | None:
    if filters is None:
        return None
    conditions, patterns = _size(filters)
    if conditions > MAX_CONDITIONS or patterns > MAX_PATTERNS:
        raise ValidationFailed.at(
            ("body", "filters"),
            f"filters may hold at most {MAX_CONDITIONS} conditions, {MAX_PATTERNS} of them regex; "
            f"this one has {conditions}, {patterns} of them regex",
        )
    return _tree(filters, ("body", "filters"), 1, False)


def _sort(sort: Mapping[str, Any] | None, of: Edition) -> Sort:
    if sort is None:
        return LATEST_OCCURRED_FIRST if of.speaks(V2026_11) else NEWEST_FIRST
    return Sort(resolve(sort["field"]), sort.get("direction", "asc") == "desc")


def parse_list_request(body: Any, params: Mapping[str, str], of: Edition = SEED) -> ListQuery:
    """``body`` as ``jsonio.decode`` reads it (no deeper than its bound), under the rules of ``of``."""
    check("ListInteractionsRequest", body, ("body",), of)
    window = parse_window(check_query("list_interactions", dict(params), of), of.speaks(V2026_11))
    return ListQuery(
        equals=tuple(Equals(name, body[name]) for name in SIMPLE_FIELDS if body.get(name) is not None),
        filters=_filters(body.get("filters")),
        search=search_terms(body.get("search")),
        sort=_sort(body.get("sort"), of),
        window=window,
    )
