"""What one list answer shows about itself: its pagination block, its order, and that each row matches.

The contract suites know every record behind an answer; a proxy between an app and a real
server knows only the exchange in front of it. Both hold a page to the same statements here,
the suites with the total they computed, the proxy with the total the answer gives (a page
cannot contradict its own block, be out of order, or list a row its request excludes).

Only what the contract fixes is judged: ``open_parts`` names what in a request leaves its
meaning to the implementation (the same choices ``contract_tests/strategies.py`` never draws),
and a request naming any is not held to the reference; a pair of rows whose sort values are
of different kinds, or null, is not held to an order either.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qs, urlsplit

from specs.oracle import reference
from specs.oracle.rules import (
    OPERATORS,
    PAGE_CURSOR,
    PAGE_INCLUDE_TOTAL,
    PAGE_LINKS,
    PAGE_NUMBERS,
    PAGE_SLICE,
    PAGE_TOTAL,
    SORT,
    SORT_OCCURRED_AT,
    Rule,
)

LIST_PATH = "/v1/retrievers/interactions/list"
# A regex the common core of every dialect reads alike: no escapes but these, no groups with options, no counts.
_PORTABLE_REGEX = re.compile(r"(?:(?!\(\?)[^\\{}]|\\[dwsDWS.\\])*")
_RANGE_OPERATORS = ("gt", "gte", "lt", "lte")


@dataclass(frozen=True)
class Finding:
    """One broken rule and what showed it."""

    rule: Rule
    details: tuple[str, ...]


@dataclass(frozen=True)
class Paging:
    """Where a page was asked to start and how long it may be; None where the request does not say
    (a cursor hides the offset; without a limit the page size is the server's choice)."""

    limit: int | None
    offset: int | None
    counted: bool  # whether the total must be given (always before 2026-11; from it, when asked)


def _whole(query: Mapping[str, str], name: str) -> int | None:
    text = query.get(name)
    return int(text) if text is not None and text.isdigit() else None


def paging(query: Mapping[str, str], version: str) -> Paging:
    """What a list request's query asks of the page (offset/limit, or page/page_size, or a cursor)."""
    size = _whole(query, "page_size")
    limit = _whole(query, "limit") or size
    number = _whole(query, "page")
    cursor = any(name in query for name in ("cursor", "next_cursor", "after"))
    if cursor:
        offset = None
    elif number is not None:
        offset = (number - 1) * size if size is not None and number > 0 else None
    else:
        offset = _whole(query, "offset") or 0
    counted = not reference.backfills(version) or query.get("include_total") == "true"
    return Paging(limit, offset, counted)


def block_findings(block: Mapping[str, Any], rows: int, asked: Paging, total: int | None) -> list[Finding]:
    """Where the pagination block of a page of ``rows`` rows contradicts the request or the ``total``
    (None: not known), in the order a reader would want them named."""
    findings: list[Finding] = []
    limit = asked.limit if asked.limit is not None else block.get("page_size")
    offset = asked.offset
    if not isinstance(limit, int) or limit < 1:
        return findings
    wanted: dict[str, Any] = {"page_size": limit}
    if offset is not None:
        wanted["page"] = reference.page_number(offset, limit)
    if total is not None:
        wanted["total_pages"] = reference.total_pages(total, limit)
    got = {name: block.get(name) for name in wanted}
    if got != wanted:
        where = f"offset {offset}, limit {limit}" + ("" if total is None else f", total {total}")
        findings.append(Finding(PAGE_NUMBERS, (f"for {where}: expected {wanted}, got {got}",)))
    if not asked.counted and (block.get("total"), block.get("total_pages")) != (None, None):
        shown = {"total": block.get("total"), "total_pages": block.get("total_pages")}
        findings.append(Finding(PAGE_INCLUDE_TOTAL, (f"include_total was not asked for, yet the block gives {shown}",)))
    findings += _length_findings(rows, limit, offset, total)
    more = _more(rows, limit, offset, total)
    findings += _link_findings(block, limit, offset, more)
    cursor = block.get("next_cursor")
    if more is not None and (cursor is not None) != more:
        should = "a cursor" if more else "null"
        findings.append(
            Finding(PAGE_CURSOR, (f"next_cursor should be {should} ({_where(offset, total)}), got {cursor!r}",))
        )
    return findings


def _where(offset: int | None, total: int | None) -> str:
    return f"offset {'unknown' if offset is None else offset} of {'an unknown total' if total is None else total}"


def _length_findings(rows: int, limit: int, offset: int | None, total: int | None) -> Iterator[Finding]:
    if rows > limit:
        yield Finding(PAGE_SLICE, (f"{rows} rows on a page of at most {limit}",))
    elif total is not None and offset is not None:
        expected = max(0, min(limit, total - offset))
        if rows > expected:
            yield Finding(
                PAGE_TOTAL, (f"total {total} leaves room for {expected} rows at offset {offset}; {rows} listed",)
            )
        elif rows < expected:
            yield Finding(
                PAGE_SLICE,
                (f"expected min(limit {limit}, total {total} - offset {offset}) = {expected} rows, got {rows}",),
            )


def _more(rows: int, limit: int, offset: int | None, total: int | None) -> bool | None:
    """Whether matches follow this page, when the page can tell: a short page is the last one."""
    if total is not None and offset is not None:
        return offset + limit < total
    return False if rows < limit else None


def _link_findings(block: Mapping[str, Any], limit: int, offset: int | None, more: bool | None) -> Iterator[Finding]:
    expectations = (
        ("next_page", more, None if offset is None else offset + limit),
        ("previous_page", None if offset is None else offset > 0, None),
    )
    for name, present, target in expectations:
        link = block.get(name)
        if present is not None and (link is not None) != present:
            should = "a link" if present else "null"
            yield Finding(PAGE_LINKS, (f"{name} should be {should} at offset {offset}, got {link!r}",))
        if link is None:
            continue
        parts = urlsplit(str(link))
        query = parse_qs(parts.query)
        if (
            parts.scheme
            or parts.netloc
            or parts.path != LIST_PATH
            or query.get("limit", []) + query.get("page_size", []) != [str(limit)]
        ):
            yield Finding(
                PAGE_LINKS, (f"{name} {link!r} should be a relative URL to {LIST_PATH} with the same limit ({limit})",)
            )
        elif target is not None and "offset" in query and query["offset"] != [str(target)]:
            yield Finding(PAGE_LINKS, (f"{name} {link!r} should lead to offset {target}, the neighbouring page",))


# Order


def _kind(value: Any) -> str | None:
    """What a sort value is compared as; None for a value the contract orders against nothing (null, lists, ...)."""
    if value is reference.MISSING:
        return "missing"
    if reference.is_number(value):
        return "number"
    if isinstance(value, datetime):
        return "instant"
    return "string" if isinstance(value, str) else None


def _sort_value(row: Mapping[str, Any], path: str, version: str) -> Any:
    try:
        return reference.sort_key_value(row, path, version)
    except ValueError:  # a timestamp that is no instant: its place is the implementation's choice
        return None


def order_findings(rows: Sequence[Mapping[str, Any]], sort: Mapping[str, Any] | None, version: str) -> list[Finding]:
    """Where two neighbouring rows stand in the wrong order (missing values last, ties by interaction_id)."""
    asked = reference.default_sort(version) if sort is None else sort
    path = str(asked["field"])
    descending = asked.get("direction", "asc") == "desc"
    rule = SORT_OCCURRED_AT if path == "occurred_at" and reference.backfills(version) else SORT
    for position, (a, b) in enumerate(pairwise(rows)):
        va, vb = _sort_value(a, path, version), _sort_value(b, path, version)
        kinds = (_kind(va), _kind(vb))
        if None in kinds or (kinds[0] != kinds[1] and "missing" not in kinds):
            continue
        if kinds == ("missing", "missing") or va == vb:
            wrong = not str(a.get("interaction_id")) < str(b.get("interaction_id"))
            why = "equal values break ties on interaction_id ascending"
        elif "missing" in kinds:
            wrong = kinds[0] == "missing"
            why = "records missing the field come last"
        else:
            wrong = (va > vb) != descending
            why = f"direction {'desc' if descending else 'asc'}"
        if wrong:
            shown = [f"  {row.get('interaction_id')}: {path} = {reference.lookup(row, path)!r}" for row in (a, b)]
            return [
                Finding(
                    rule, (f"sort {dict(asked)}: rows {position} and {position + 1} are out of order ({why})", *shown)
                )
            ]
    return []


# Matching


def open_parts(request: Mapping[str, Any]) -> list[str]:
    """The parts of a list request whose answer the contract leaves to the implementation (empty: all fixed)."""
    found: list[str] = []
    filters = request.get("filters")
    if isinstance(filters, Mapping):
        _open_in_tree(filters, found)
    elif filters is not None:
        found.append(f"filters {filters!r} is no filter tree")
    return found


def _open_in_tree(tree: Mapping[str, Any], found: list[str]) -> None:
    for key, value in tree.items():
        if key == "case_sensitive":
            continue
        if key in reference.LOGICAL_KEYS:
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, Mapping) and "field" in child:
                    _open_condition(str(child["field"]), child.get("operator", "eq"), child.get("value"), found)
                elif isinstance(child, Mapping):
                    _open_in_tree(child, found)
                else:
                    found.append(f"{key} child {child!r} is no condition or tree")
        elif isinstance(value, Mapping):
            for operator, operand in value.items():
                _open_condition(key, operator, operand, found)
        else:
            _open_condition(key, "eq", value, found)


def _open_condition(path: str, operator: Any, operand: Any, found: list[str]) -> None:
    where = f"{path} {operator}"
    if operator not in OPERATORS or operator in ("words", "phrase"):
        found.append(f"{where}: an operator whose reading the contract leaves open")
    elif operand is None:
        found.append(f"{where} null")
    elif operator in ("eq", "ne") and isinstance(operand, list | dict):
        found.append(f"{where} with a list or object operand")
    elif operator in _RANGE_OPERATORS and path in reference.TIMESTAMP_PATHS and not _is_instant(operand):
        found.append(f"{where} {operand!r}: not an instant")
    elif operator == "regex" and not (isinstance(operand, str) and _PORTABLE_REGEX.fullmatch(operand)):
        found.append(f"{where} {operand!r}: beyond the regex syntax every dialect shares")
    elif operator in ("exists", "is_null") and not isinstance(operand, bool):
        found.append(f"{where} {operand!r}: not a boolean")
    elif operator == "geo_bounding_box" and _across_antimeridian(operand):
        found.append(f"{where}: a box across the antimeridian")


def _is_instant(operand: Any) -> bool:
    try:
        reference.instant(operand)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def _across_antimeridian(operand: Any) -> bool:
    try:
        return bool(
            reference.operand_point(operand["top_left"])[1] > reference.operand_point(operand["bottom_right"])[1]
        )
    except (TypeError, KeyError, IndexError, ValueError):
        return True


def verdict(request: Mapping[str, Any], row: Mapping[str, Any]) -> bool | None:
    """Whether the reference lists ``row`` for ``request``; None when a value makes it undecidable here
    (a timestamp that is no instant, a geo operand of another shape)."""
    try:
        return reference.matches(request, row)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        return None


def page_total(block: Mapping[str, Any]) -> int | None:
    total = block.get("total")
    return total if isinstance(total, int) and not isinstance(total, bool) else None
