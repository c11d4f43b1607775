"""A deliberately naive list evaluator, written from docs/list-semantics.md alone.

It never imports the engine: it reads the raw request body, checks each record one by one
with plain code, sorts with a comparison function and slices. The property tests hold the
engine's pages to it; the tests at the bottom hold it to the examples of the docs page.
"""

from __future__ import annotations

import functools
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

MISSING = object()
LOGICAL = ("AND", "OR", "NOT")
SIMPLE_FIELDS = ("execution_id", "retriever_id", "session_id", "user_id", "feature_id")
TIME_FIELDS = ("timestamp", "created_at")
MAX_OFFSET = 10_000


def read(record: dict[str, Any], field: str) -> Any:
    steps = field.split(".")
    if steps[0] == "created_at":
        steps[0] = "timestamp"
    value: Any = record
    for step in steps:
        if not isinstance(value, dict) or step not in value:
            return MISSING
        value = value[step]
    return value


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def same(a: Any, b: Any, case_sensitive: bool) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) or is_number(b):
        return is_number(a) and is_number(b) and a == b
    if isinstance(a, str) or isinstance(b, str):
        if not (isinstance(a, str) and isinstance(b, str)):
            return False
        return a == b if case_sensitive else a.casefold() == b.casefold()
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list) or isinstance(b, list):
        if not (isinstance(a, list) and isinstance(b, list)) or len(a) != len(b):
            return False
        return all(same(x, y, case_sensitive) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) == set(b) and all(same(a[k], b[k], case_sensitive) for k in a)
    return False


def instant(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    text = text.upper()  # RFC 3339 allows a lowercase t and z
    leap = ":60" in text  # a leap second is the next minute's first instant
    try:
        moment = datetime.fromisoformat(text.replace(":60", ":59", 1) if leap else text)
    except ValueError:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment + timedelta(seconds=1) if leap else moment


def compare(op: str, a: Any, b: Any) -> bool:
    return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]


def element_holds(op: str, item: Any, x: Any, case_sensitive: bool, time_field: bool) -> bool:
    def norm(text: str) -> str:
        return text if case_sensitive else text.casefold()

    if op in ("gt", "gte", "lt", "lte"):
        if time_field:
            a, b = instant(item), instant(x)
            return a is not None and b is not None and compare(op, a, b)
        if is_number(x):
            return is_number(item) and compare(op, item, x)
        return isinstance(item, str) and compare(op, item, x)
    if not isinstance(item, str):
        return False
    if op == "starts_with":
        return norm(item).startswith(norm(x))
    if op == "ends_with":
        return norm(item).endswith(norm(x))
    if op == "regex":
        return re.search(x, item, 0 if case_sensitive else re.IGNORECASE) is not None
    if op == "text":
        return x.casefold() in item.casefold()
    raise AssertionError(op)


def holds(op: str, value: Any, x: Any, case_sensitive: bool, time_field: bool) -> bool:
    if op == "exists":
        return (value is not MISSING) == x
    if op == "is_null":
        return (value is MISSING or value is None) == x
    if op == "ne":
        return not holds("eq", value, x, case_sensitive, time_field)
    if op == "nin":
        return not holds("in", value, x, case_sensitive, time_field)
    if value is MISSING:
        return False
    if op == "eq":
        if same(value, x, case_sensitive):
            return True
        return isinstance(value, list) and any(same(item, x, case_sensitive) for item in value)
    if op == "in":
        return any(holds("eq", value, candidate, case_sensitive, time_field) for candidate in x)
    if op == "contains":
        if isinstance(value, str):
            if not isinstance(x, str):
                return False
            return x in value if case_sensitive else x.casefold() in value.casefold()
        if isinstance(value, list):
            return any(same(item, x, case_sensitive) for item in value)
        return False
    items = value if isinstance(value, list) else [value]
    return any(element_holds(op, item, x, case_sensitive, time_field) for item in items)


def child_holds(record: dict[str, Any], child: dict[str, Any], case_sensitive: bool) -> bool:
    if "field" in child:
        own = child.get("case_sensitive")
        field = child["field"]
        return holds(
            child.get("operator", "eq"),
            read(record, field),
            child["value"],
            case_sensitive if own is None else own,
            field in TIME_FIELDS,
        )
    return tree_holds(record, child, case_sensitive)


def tree_holds(record: dict[str, Any], tree: dict[str, Any], inherited: bool) -> bool:
    own = tree.get("case_sensitive")
    case_sensitive = inherited if own is None else own
    for key, value in tree.items():
        if key == "case_sensitive":
            continue
        if key in LOGICAL:
            if value is None:
                continue
            children = value if isinstance(value, list) else [value]
            results = [child_holds(record, child, case_sensitive) for child in children]
            if key == "AND" and not all(results):
                return False
            if key == "OR" and not any(results):
                return False
            if key == "NOT" and any(results):
                return False
        elif isinstance(value, dict):
            for op, x in value.items():
                if not holds(op, read(record, key), x, case_sensitive, key in TIME_FIELDS):
                    return False
        elif not holds("eq", read(record, key), value, case_sensitive, key in TIME_FIELDS):
            return False
    return True


def texts(value: Any) -> list[str]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, str):
        return [value]
    if is_number(value):
        return [orjson.dumps(value).decode()]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in texts(item)]
    return []


def search_holds(record: dict[str, Any], search: str | None) -> bool:
    found = texts(record.get("metadata"))
    return all(any(term.casefold() in text.casefold() for text in found) for term in (search or "").split())


def matches(record: dict[str, Any], body: dict[str, Any]) -> bool:
    for name in SIMPLE_FIELDS:
        if body.get(name) is not None and record.get(name) != body[name]:
            return False
    wanted_type = body.get("interaction_type")
    if wanted_type is not None:
        types = record.get("interaction_type")
        if not isinstance(types, list) or wanted_type not in types:
            return False
    filters = body.get("filters")
    if filters is not None and not tree_holds(record, filters, False):
        return False
    return search_holds(record, body.get("search"))


def sort_rank(value: Any, time_field: bool) -> tuple[int, Any]:
    if time_field and instant(value) is not None:
        return (0, instant(value))
    if is_number(value):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    if isinstance(value, bool):
        return (3, value)
    return (4, 0)


def ordered(records: list[dict[str, Any]], sort: dict[str, Any] | None) -> list[dict[str, Any]]:
    field = sort["field"] if sort else "timestamp"
    descending = (sort.get("direction", "asc") == "desc") if sort else True

    def cmp(a: dict[str, Any], b: dict[str, Any]) -> int:
        va, vb = read(a, field), read(b, field)
        a_absent, b_absent = va is MISSING or va is None, vb is MISSING or vb is None
        if a_absent != b_absent:
            return 1 if a_absent else -1
        if not a_absent:
            ka, kb = sort_rank(va, field in TIME_FIELDS), sort_rank(vb, field in TIME_FIELDS)
            if ka != kb:
                result = -1 if ka < kb else 1
                return -result if descending else result
        return (a["interaction_id"] > b["interaction_id"]) - (a["interaction_id"] < b["interaction_id"])

    return sorted(records, key=functools.cmp_to_key(cmp))


def cursor_offset(cursor: str) -> int:
    assert cursor.startswith("c") and cursor[1:].isdigit(), cursor
    return int(cursor[1:])


def link_offset(link: str | None) -> int | None:
    """The offset a next_page/previous_page link points at, however it says it."""
    if link is None:
        return None
    query = parse_qs(urlsplit(link).query)
    if "cursor" in query:
        return cursor_offset(query["cursor"][0])
    return int(query["offset"][0])


def window(params: dict[str, str]) -> tuple[int, int]:
    limit = int(params.get("limit") or params.get("page_size") or 10)
    if "cursor" in params:
        return cursor_offset(params["cursor"]), limit
    if "page" in params:
        return (int(params["page"]) - 1) * limit, limit
    return int(params.get("offset", 0)), limit


def naive_list(records: list[dict[str, Any]], body: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    """What the list answer must be, with links reduced to the offsets they point at."""
    found = ordered([r for r in records if matches(r, body)], body.get("sort"))
    offset, limit = window(params)
    total = len(found)
    more = offset + limit < total
    return {
        "ids": [r["interaction_id"] for r in found[offset : offset + limit]],
        "total": total,
        "page": offset // limit + 1,
        "page_size": limit,
        "total_pages": math.ceil(total / limit),
        "next": offset + limit if more else None,
        "previous": max(0, offset - limit) if offset > 0 else None,
    }


def summary(answer: dict[str, Any]) -> dict[str, Any]:
    """An engine (or HTTP) answer in naive_list's terms."""
    block = answer["pagination"]
    assert answer["items"] == answer["results"]
    cursor = block["next_cursor"]
    assert link_offset(block["next_page"]) == (None if cursor is None else cursor_offset(cursor))
    return {
        "ids": [r["interaction_id"] for r in answer["results"]],
        "total": block["total"],
        "page": block["page"],
        "page_size": block["page_size"],
        "total_pages": block["total_pages"],
        "next": link_offset(block["next_page"]),
        "previous": link_offset(block["previous_page"]),
    }


# The reference against the docs page's own examples.

RECORDS = [
    {"interaction_id": "a", "timestamp": "2025-01-02T00:00:00Z", "position": 2, "interaction_type": ["click"]},
    {"interaction_id": "b", "timestamp": "2025-01-03T00:00:00Z", "position": 9, "interaction_type": ["purchase"]},
    {
        "interaction_id": "c",
        "timestamp": "2025-01-01T00:00:00Z",
        "position": 4,
        "interaction_type": ["view"],
        "metadata": {"duration_ms": 12000, "device": "Mobile"},
    },
]


def ids(body: dict[str, Any]) -> list[str]:
    return naive_list(RECORDS, body, {})["ids"]


def test_reference_default_order_is_newest_first() -> None:
    assert ids({}) == ["b", "a", "c"]


def test_reference_docs_tree_example() -> None:
    tree = {
        "AND": [
            {"field": "position", "operator": "lte", "value": 5},
            {
                "OR": [
                    {"field": "interaction_type", "operator": "in", "value": ["click", "purchase"]},
                    {"metadata.duration_ms": {"gte": 10000}},
                ]
            },
        ]
    }
    assert ids({"filters": tree}) == ["a", "c"]


def test_reference_missing_and_case_rules() -> None:
    assert ids({"filters": {"metadata.device": "mobile"}}) == ["c"]
    assert ids({"filters": {"metadata.device": "mobile", "case_sensitive": True}}) == []
    assert ids({"filters": {"metadata.device": {"ne": "x"}}}) == ["b", "a", "c"]
    assert ids({"sort": {"field": "metadata.duration_ms", "direction": "desc"}}) == ["c", "a", "b"]
    assert ids({"search": "MOB 120"}) == ["c"]
