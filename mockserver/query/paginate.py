"""Pages: the window a request asks for, the cursor, and the ``pagination`` block with its links.

``limit``/``offset`` and ``page``/``page_size``/``cursor`` are two ways of naming one window; the
query-string *shapes* (types, bounds) are checked against openapi.json before anything here runs.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import specs
from mockserver.errors import ValidationFailed
from mockserver.query.model import Window

DEFAULT_LIMIT = 10
# Past this offset a link carries a cursor instead (the offset parameter stops at this bound).
MAX_OFFSET: int = specs.query_parameters("list_interactions")["offset"]["maximum"]
# A cursor names an offset of at most nine digits, which keeps every page number a 64-bit integer.
_CURSOR_TEXT = re.compile(r"offset:(0|[1-9][0-9]{0,8})")


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _unreadable_cursor() -> ValidationFailed:
    return ValidationFailed.at(
        ("query", "cursor"),
        "not a cursor this server issued; pass a page's next_cursor unchanged, or use offset/page",
    )


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise _unreadable_cursor() from None
    found = _CURSOR_TEXT.fullmatch(text)
    if found is None:
        raise _unreadable_cursor()
    return int(found[1])


def _size(typed: Mapping[str, Any]) -> int:
    limit, page_size = typed.get("limit"), typed.get("page_size")
    if limit is not None and page_size is not None and limit != page_size:
        raise ValidationFailed.at(
            ("query", "page_size"),
            f"page_size={page_size} contradicts limit={limit}; they name the same thing, give one of them",
        )
    if limit is not None:
        return int(limit)
    return int(page_size) if page_size is not None else DEFAULT_LIMIT


def parse_window(typed: Mapping[str, Any]) -> Window:
    """The window of the typed query parameters; conflicting ways of naming it are a 422."""
    limit = _size(typed)
    offset, page, cursor = typed.get("offset"), typed.get("page"), typed.get("cursor")
    if cursor is not None:
        if offset is not None or page is not None:
            raise ValidationFailed.at(
                ("query", "cursor"), "a cursor already says where the page starts; send it without offset or page"
            )
        return Window(decode_cursor(cursor), limit)
    if page is None:
        return Window(0 if offset is None else int(offset), limit)
    start = (int(page) - 1) * limit
    if offset is not None and offset != start:
        raise ValidationFailed.at(
            ("query", "page"),
            f"page={page} of size {limit} starts at offset {start}, but offset={offset} was given; give one of them",
        )
    if start > MAX_OFFSET:
        raise ValidationFailed.at(
            ("query", "page"),
            f"page={page} of size {limit} starts at offset {start}; a page must start at offset {MAX_OFFSET} "
            "or before (follow next_cursor to go further)",
        )
    return Window(start, limit)


def _link(path: str, limit: int, offset: int) -> str:
    where = {"offset": offset} if offset <= MAX_OFFSET else {"cursor": encode_cursor(offset)}
    return f"{path}?{urlencode({'limit': limit, **where})}"


def pagination(total: int, window: Window, path: str) -> dict[str, Any]:
    offset, limit = window.offset, window.limit
    following = offset + limit
    more = following < total
    return {
        "total": total,
        "page": offset // limit + 1,
        "page_size": limit,
        "total_pages": -(-total // limit),
        "next_page": _link(path, limit, following) if more else None,
        "previous_page": _link(path, limit, max(0, offset - limit)) if offset > 0 else None,
        "next_cursor": encode_cursor(following) if more else None,
    }
