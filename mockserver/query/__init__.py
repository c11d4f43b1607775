"""The list engine: a validated list request in, one page of matching records out.

Pure functions over records; no HTTP in here (CONTRACT.md, List semantics).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from mockserver.store import Record
from mockserver.validation import check, check_query

DEFAULT_LIMIT = 10
SIMPLE_FIELDS = ("execution_id", "retriever_id", "session_id", "user_id", "feature_id")


@dataclass(frozen=True)
class ListQuery:
    body: Mapping[str, Any]
    limit: int
    offset: int


def parse_list_request(body: Any, params: Mapping[str, str]) -> ListQuery:
    check("ListInteractionsRequest", body)
    typed = check_query("list_interactions", dict(params))
    return ListQuery(body=body, limit=typed.get("limit", DEFAULT_LIMIT), offset=typed.get("offset", 0))


def _matches(record: Record, body: Mapping[str, Any]) -> bool:
    for name in SIMPLE_FIELDS:
        wanted = body.get(name)
        if wanted is not None and record.get(name) != wanted:
            return False
    wanted_type = body.get("interaction_type")
    return wanted_type is None or wanted_type in record["interaction_type"]


def _page_link(path: str, limit: int, offset: int) -> str:
    return f"{path}?{urlencode({'limit': limit, 'offset': offset})}"


def run_query(records: Iterable[Record], query: ListQuery, path: str) -> dict[str, Any]:
    matches = [r for r in records if _matches(r, query.body)]
    matches.sort(key=lambda r: r["interaction_id"])
    matches.sort(key=lambda r: r["timestamp"] or "", reverse=True)
    total = len(matches)
    rows = matches[query.offset : query.offset + query.limit]
    has_next = query.offset + query.limit < total
    return {
        "results": rows,
        "items": rows,
        "pagination": {
            "total": total,
            "page": query.offset // query.limit + 1,
            "page_size": query.limit,
            "total_pages": math.ceil(total / query.limit),
            "next_page": _page_link(path, query.limit, query.offset + query.limit) if has_next else None,
            "previous_page": _page_link(path, query.limit, max(0, query.offset - query.limit))
            if query.offset
            else None,
            "next_cursor": None,
        },
    }
