"""JSON in and out of the wire, with orjson, within bounds a client cannot push past.

orjson is strict where the contract needs it (NaN and Infinity are not JSON and are
refused) and several times faster than the standard library in both directions. Two
things it does not do: it reads integers beyond 64 bits as floats (silently losing
digits) and cannot write them back, so bodies with such integers are read and written by
the standard library instead, exactly; and it writes at most 255 levels of nesting, so a
body nested deeper than validation.MAX_DEPTH levels is refused with a 422, which also keeps
validation and evaluation clear of Python's recursion limit.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from aiohttp import web

from mockserver.errors import ValidationFailed
from mockserver.validation import MAX_DEPTH, check_depth

# A run of 19+ digits may be an integer orjson would round; only such texts take the slow path.
# Found by mapping every digit to "1" and looking for nineteen of them: ten times a regex's speed,
# which matters because stored records are decoded this way to build query columns.
_DIGITS_AS_ONES = bytes(0x31 if 0x30 <= byte <= 0x39 else 0x30 for byte in range(256))
_LONG_RUN = b"1" * 19


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(raw: bytes) -> Any:
    """Parse JSON exactly: orjson, or the standard library when the text may hold a huge integer."""
    if raw.translate(_DIGITS_AS_ONES).find(_LONG_RUN) < 0:
        return orjson.loads(raw)
    return json.loads(raw, parse_constant=_refuse_constant)


# What RFC 8259 calls whitespace; bytes.strip() would also take \v and \f, which are no JSON at all.
_JSON_WHITESPACE = b" \t\n\r"


def decode(raw: bytes) -> Any:
    """Parse a request body; an empty body (or JSON whitespace alone) is ``None``."""
    if not raw.strip(_JSON_WHITESPACE):
        return None
    try:
        value = loads(raw)
    except (orjson.JSONDecodeError, ValueError, RecursionError) as exc:
        raise ValidationFailed.at(("body",), f"invalid JSON: {exc}", "json_invalid") from None
    # A body with no more brackets than levels allowed cannot nest too deep: no walk needed.
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
        check_depth(value)
    return value


def dumps(payload: Any) -> bytes:
    """JSON bytes; integers beyond 64 bits (which orjson refuses) go through the standard library."""
    try:
        return orjson.dumps(payload)
    except TypeError:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def raw_json(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A response whose body is already JSON (stored records, pages joined from them)."""
    return web.Response(body=body, status=status, content_type="application/json", headers=headers)


def respond(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return raw_json(dumps(payload), status, headers)
