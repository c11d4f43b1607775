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

import numpy as np
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


def decode(raw: bytes) -> Any:
    """Parse a request body; an empty one is ``None``. Whitespace alone is no JSON text, and upstream
    (FastAPI) refuses it as such: so does the mock."""
    if not raw:
        return None
    try:
        value = loads(raw)
    except (orjson.JSONDecodeError, ValueError, RecursionError) as exc:
        # orjson calls whitespace alone "empty", which reads as if nothing had been sent.
        why = "whitespace alone; send a JSON value or no body" if not raw.strip(b" \t\n\r") else exc
        raise ValidationFailed.at(("body",), f"invalid JSON: {why}", "json_invalid") from None
    # A body with no more brackets than levels allowed cannot nest too deep; one that has more is
    # measured on its bytes, and walked (to say where) only when it is too deep.
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and deepest(raw) > MAX_DEPTH:
        check_depth(value)
    return value


# Each byte to its role in nesting: 1 opens, 2 closes, 3 delimits a string, 0 anything else.
_ROLES = bytes(1 if byte in b"[{" else 2 if byte in b"]}" else 3 if byte == 0x22 else 0 for byte in range(256))


def deepest(raw: bytes) -> int:
    """How deep the containers of valid JSON text nest, read from its bytes in a few passes in C (walking
    the decoded value cost 50 ms for a megabyte of small objects). Escaped backslashes, then escaped
    quotes, are removed first, so that every quote left opens or closes a string, whose brackets do not count."""
    text = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(_ROLES)
    roles = np.frombuffer(text, dtype=np.uint8)
    roles = roles[np.flatnonzero(roles)]
    steps = (roles == 1).view(np.int8) - (roles == 2).view(np.int8)
    steps[(np.cumsum(roles == 3, dtype=np.int32) & 1).astype(np.bool_)] = 0
    return int(np.cumsum(steps, dtype=np.int32).max(initial=0))


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
