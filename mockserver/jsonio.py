"""JSON in and out of the wire, with orjson, within bounds a client cannot push past.

orjson is strict where the contract needs it (NaN and Infinity are not JSON and are
refused) and several times faster than the standard library in both directions. Two
things it does not guard: it reads integers beyond 64 bits as floats (silently losing
digits) and it cannot write them back; and it writes at most 255 levels of nesting. So a
body with such an integer is refused with a 422 that says so, and so is one nested deeper
than MAX_DEPTH levels, which also keeps validation and evaluation clear of Python's
recursion limit.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from aiohttp import web

from mockserver.errors import ValidationFailed

MAX_DEPTH = 64
_INT64 = range(-(2**63), 2**63)
# A run of 19+ digits may be an integer orjson would round; only such bodies take the slow path.
_LONG_DIGITS = re.compile(rb"\d{19}")


class _HugeInteger(ValueError):
    pass


def _exact_int(text: str) -> int:
    value = int(text)
    if value not in _INT64:
        raise _HugeInteger(text)
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _loads(raw: bytes) -> Any:
    if _LONG_DIGITS.search(raw) is None:
        return orjson.loads(raw)
    return json.loads(raw, parse_int=_exact_int, parse_constant=_refuse_constant)


def _check_depth(value: Any) -> None:
    """Iteratively, so the check itself cannot hit the recursion limit it guards against."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth == MAX_DEPTH:
            raise ValidationFailed.at(("body",), f"nested more than {MAX_DEPTH} levels deep; flatten the request")
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def decode(raw: bytes) -> Any:
    """Parse a request body; an empty body is ``None``."""
    if not raw.strip():
        return None
    try:
        value = _loads(raw)
    except _HugeInteger as exc:
        message = f"integer {str(exc)[:40]} does not fit in 64 bits; send it as a string"
        raise ValidationFailed.at(("body",), message, "int_too_large") from None
    except (orjson.JSONDecodeError, ValueError, RecursionError) as exc:
        raise ValidationFailed.at(("body",), f"invalid JSON: {exc}", "json_invalid") from None
    _check_depth(value)
    return value


def respond(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(payload), status=status, content_type="application/json", headers=headers)
