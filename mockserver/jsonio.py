"""JSON in and out of the wire, with orjson.

orjson is strict where the contract needs it (NaN and Infinity are not JSON and are
refused) and several times faster than the standard library in both directions.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from mockserver.errors import ValidationFailed


def decode(raw: bytes) -> Any:
    """Parse a request body; an empty body is ``None``."""
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValidationFailed.at(("body",), f"invalid JSON: {exc}", "json_invalid") from None


def respond(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(payload), status=status, content_type="application/json", headers=headers)
