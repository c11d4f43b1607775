"""Which rule one wrongly listed (or wrongly left out) record points at, from the record alone.

The contract suites narrow a wrong answer down by asking the target each part of the request
alone (contract_tests/diagnosis.py); a proxy cannot ask, but it holds the record. A record
listed although the reference excludes it was, by the server, passed through every part of
the request: any part false for it is one the server reads wrong, so the walk follows the
false parts down to a condition (its operator, or ``case_sensitive`` when the opposite case
sensitivity would hold it) or to a combinator whose children are each read right. A record
left out although it matches is named as precisely as the record allows: the case
sensitivity when the opposite default would exclude it, ``interaction_type`` when the record
holds the asked type among others (read as whole-list equality), the request's only part when
it has one, else the list rule itself. Like diagnosis.py's, these are readings of the request
that would give the answer seen, tried before the generic rule is named.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from specs.oracle import reference
from specs.oracle.pages import Finding
from specs.oracle.rules import (
    FILTER_AND,
    FILTER_CASE,
    FILTER_NOT,
    FILTER_OR,
    LIST_MATCH,
    OPERATORS,
    SEARCH,
    SIMPLE_EXACT,
    SIMPLE_INTERACTION_TYPE,
    Rule,
)

Record = Mapping[str, Any]
CASE_GOVERNED = ("eq", "ne", "in", "nin", "contains", "starts_with", "ends_with", "regex", "words", "phrase")


def _simple_parts(request: Mapping[str, Any]) -> list[tuple[str, Rule]]:
    names = [name for name in reference.SIMPLE_FIELDS if request.get(name) is not None]
    parts = [(name, SIMPLE_EXACT) for name in names]
    if request.get("interaction_type") is not None:
        parts.append(("interaction_type", SIMPLE_INTERACTION_TYPE))
    return parts


def _alone(request: Mapping[str, Any], name: str) -> dict[str, Any]:
    return {name: request[name]}


def _describe(record: Record, path: str) -> str:
    return f"  {record.get('interaction_id')}: {path} = {reference.lookup(record, path)!r}"


def wrongly_listed(request: Mapping[str, Any], record: Record) -> Finding:
    """The rule a listed record breaks, when the reference does not match it."""
    for name, rule in _simple_parts(request):
        if not reference.simple_fields_hold(_alone(request, name), record):
            return Finding(rule, (f"simple field {name} = {request[name]!r}", _describe(record, name)))
    if not reference.search_holds(request.get("search"), record):
        return Finding(SEARCH, (f"search {request.get('search')!r}", _describe(record, "metadata")))
    filters = request.get("filters")
    if isinstance(filters, Mapping):
        found = _false_part(filters, record, False)
        if found is not None:
            return found
    return Finding(LIST_MATCH, (f"{record.get('interaction_id')} is listed but matches no reading of the request",))


def _false_part(tree: Mapping[str, Any], record: Record, inherited: bool) -> Finding | None:
    """Why a tree the server held true for ``record`` is false: its first false key, followed down."""
    own = tree.get("case_sensitive")
    case_sensitive = inherited if own is None else bool(own)
    for key, value in tree.items():
        if key == "case_sensitive":
            continue
        if key in reference.LOGICAL_KEYS:
            found = _false_combinator(key, value, record, case_sensitive)
        elif isinstance(value, Mapping):
            found = next(
                (
                    _condition(key, op, operand, case_sensitive, record)
                    for op, operand in value.items()
                    if not reference.condition_holds(record, key, op, operand, case_sensitive)
                ),
                None,
            )
        elif not reference.condition_holds(record, key, "eq", value, case_sensitive):
            found = _condition(key, "eq", value, case_sensitive, record)
        else:
            found = None
        if found is not None:
            return found
    return None


def _child(child: Mapping[str, Any], record: Record, case_sensitive: bool) -> Finding | None:
    """Why a child the server held true is false (None when the reference holds it true too)."""
    if reference.child_holds(child, record, case_sensitive):
        return None
    if "field" in child:
        own = child.get("case_sensitive")
        effective = case_sensitive if own is None else bool(own)
        return _condition(child["field"], child.get("operator", "eq"), child["value"], effective, record)
    return _false_part(child, record, case_sensitive)


def _false_combinator(key: str, children: Any, record: Record, case_sensitive: bool) -> Finding | None:
    children = list(children)
    held = [reference.child_holds(child, record, case_sensitive) for child in children]
    flipped = [reference.child_holds(child, record, not case_sensitive) for child in children]
    shown = "children: " + ", ".join("true" if h else "false" for h in held)
    opposite = f"with case_sensitive {str(not case_sensitive).lower()} the record passes"
    if key == "AND":
        return next((found for child in children if (found := _child(child, record, case_sensitive))), None)
    if key == "OR" and not any(held):
        if any(flipped):
            return Finding(
                FILTER_CASE, (f"OR over {len(children)} children, none true for the listed record", opposite)
            )
        if len(children) == 1:
            return _child(children[0], record, case_sensitive)
        return Finding(FILTER_OR, (f"OR over {len(children)} children, none true for the listed record", shown))
    if key == "NOT" and any(held):
        details = [f"NOT over {len(children)} children, some true for the listed record", shown]
        if not any(flipped):
            return Finding(FILTER_CASE, (*details, opposite))
        if not all(held):
            details.append('the listing is that of "not all children true" rather than "no child true"')
        return Finding(FILTER_NOT, tuple(details))
    return None


def _condition(path: str, operator: str, operand: Any, case_sensitive: bool, record: Record) -> Finding:
    details = (
        f"condition {path} {operator} {operand!r}, case_sensitive {str(case_sensitive).lower()}",
        _describe(record, path),
    )
    if operator in CASE_GOVERNED and reference.condition_holds(record, path, operator, operand, not case_sensitive):
        return Finding(
            FILTER_CASE, (*details, f"the record passes with case_sensitive {str(not case_sensitive).lower()}")
        )
    return Finding(OPERATORS.get(operator, LIST_MATCH), details)


def wrongly_left_out(request: Mapping[str, Any], record: Record) -> Finding:
    """The rule an answer that should have listed ``record`` (and covers every match) most likely breaks."""
    shown = f"{record.get('interaction_id')} matches but is not listed"
    filters = request.get("filters")
    if isinstance(filters, Mapping) and filters.get("case_sensitive") is None:
        strict = {**request, "filters": {**filters, "case_sensitive": True}}
        if not reference.matches(strict, record):
            return Finding(FILTER_CASE, (shown, "it is excluded only if case_sensitive defaults to true"))
    wanted_type, types = request.get("interaction_type"), record.get("interaction_type")
    if wanted_type is not None and isinstance(types, list) and types != [wanted_type]:
        why = f"its interaction_type {types!r} holds {wanted_type!r} among others: left out as by whole-list equality"
        return Finding(SIMPLE_INTERACTION_TYPE, (shown, why))
    parts = [*_simple_parts(request), *([("search", SEARCH)] if request.get("search") else [])]
    if isinstance(filters, Mapping) and not parts:
        return _only_condition(filters, record) or Finding(FILTER_AND if "AND" in filters else LIST_MATCH, (shown,))
    if len(parts) == 1 and filters is None:
        name, rule = parts[0]
        return Finding(rule, (shown, f"the request's only part: {name} = {request[name]!r}", _describe(record, name)))
    return Finding(LIST_MATCH, (shown,))


def _only_condition(tree: Mapping[str, Any], record: Record) -> Finding | None:
    """The operator of a tree that is one condition (in a combinator or as shorthand), else None."""
    keys = [key for key in tree if key != "case_sensitive"]
    if len(keys) != 1:
        return None
    key, value = keys[0], tree[keys[0]]
    if key in ("AND", "OR") and isinstance(value, list) and len(value) == 1 and "field" in value[0]:
        child = value[0]
        path, operator = child["field"], child.get("operator", "eq")
        details = (f"the request's only condition: {path} {operator} {child['value']!r}", _describe(record, path))
        return Finding(
            OPERATORS.get(operator, LIST_MATCH), (f"{record.get('interaction_id')} matches but is not listed", *details)
        )
    if key not in reference.LOGICAL_KEYS and not isinstance(value, Mapping):
        details = (f"the request's only condition: {key} eq {value!r}", _describe(record, key))
        return Finding(OPERATORS["eq"], (f"{record.get('interaction_id')} matches but is not listed", *details))
    return None
