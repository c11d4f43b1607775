"""Pages: the window a request asks for, the cursor, and the ``pagination`` block with its links.

``limit``/``offset`` and ``page``/``page_size``/``cursor`` are two ways of naming one window; the
query-string *shapes* (types, bounds) are checked against openapi.json before anything here runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import specs
from mockserver.query.model import Window

DEFAULT_LIMIT = 10
_PAGING: dict[str, Any] = specs.query_parameters("list_interactions")["paging"]["properties"]
# Past this offset a link carries a cursor instead (the offset parameter stops at this bound).
MAX_OFFSET: int = _PAGING["offset"]["maximum"]


# The cursor's whole grammar is its documented pattern (``c`` and an offset), so every cursor
# the schema lets through resumes somewhere; clients are asked to treat it as opaque all the same.
def encode_cursor(offset: int) -> str:
    return f"c{offset}"


def decode_cursor(cursor: str) -> int:
    return int(cursor[1:])


def parse_window(typed: Mapping[str, Any], counts_only_when_asked: bool = False) -> Window:
    """The window of the typed query parameters (openapi.json has already refused two ways of naming it).

    ``counts_only_when_asked`` (2026-11): the total is counted only with include_total=true. The cursor's
    other names (2026-11) give way to it, next_cursor before after, as upstream's events API says.
    """
    limit = int(typed.get("limit") or typed.get("page_size") or DEFAULT_LIMIT)
    asked = counts_only_when_asked and typed.get("include_total") is True
    counted = asked or not counts_only_when_asked
    offset, page = typed.get("offset"), typed.get("page")
    cursor = next((typed[name] for name in ("cursor", "next_cursor", "after") if typed.get(name) is not None), None)
    if cursor is not None:
        start = decode_cursor(cursor)
    elif page is not None:
        start = (int(page) - 1) * limit
    else:
        start = 0 if offset is None else int(offset)
    return Window(start, limit, counted, asked)


def _link(path: str, window: Window, offset: int) -> str:
    # Numbers and cursors (``c`` and digits) need no escaping: no urlencode on every answer.
    where = f"offset={offset}" if offset <= MAX_OFFSET else f"cursor={encode_cursor(offset)}"
    counted = "&include_total=true" if window.asked_total else ""
    return f"{path}?limit={window.limit}&{where}{counted}"


def pagination(total: int, window: Window, path: str) -> dict[str, Any]:
    offset, limit = window.offset, window.limit
    following = offset + limit
    more = following < total
    return {
        "total": total if window.counted else None,
        "page": offset // limit + 1,
        "page_size": limit,
        "total_pages": -(-total // limit) if window.counted else None,
        "next_page": _link(path, window, following) if more else None,
        "previous_page": _link(path, window, max(0, offset - limit)) if offset > 0 else None,
        "next_cursor": encode_cursor(following) if more else None,
    }
