"""Cross-origin requests: what lets a browser app call the mock, as Prism and json-server let it.

A browser asks before a request that carries ``Authorization`` or ``X-Namespace`` (a preflight,
``OPTIONS`` with ``Access-Control-Request-Method``): that is answered here, without credentials,
for any path. Every other answer, errors included, then says which origin may read it:
``--cors-origin`` (default ``*``, any page; an origin such as ``http://localhost:3000`` allows
that page only).
"""

from __future__ import annotations

from aiohttp import web

ANY_ORIGIN = "*"
_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
# What a page sends to the API, and which answer headers its script may read.
_HEADERS = "Authorization, Content-Type, X-Namespace, Prefer"
_EXPOSED = "Allow, Retry-After, Preference-Applied"
_PREFLIGHT_MAX_AGE_S = "600"


def _allowed(allow: str, request: web.BaseRequest) -> str | None:
    """The Access-Control-Allow-Origin value for this request, or None when its origin may not read the answer."""
    if allow == ANY_ORIGIN:
        return ANY_ORIGIN
    return allow if request.headers.get("Origin") == allow else None


def preflight(allow: str, request: web.BaseRequest) -> web.Response | None:
    """The answer to a browser's preflight, or None when ``request`` is not one."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    response = web.Response(status=204)
    origin = _allowed(allow, request)
    if origin is not None:
        response.headers.update(
            {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": _METHODS,
                "Access-Control-Allow-Headers": request.headers.get("Access-Control-Request-Headers", _HEADERS),
                "Access-Control-Max-Age": _PREFLIGHT_MAX_AGE_S,
            }
        )
    if allow != ANY_ORIGIN:
        response.headers["Vary"] = "Origin"
    return response


def allow_reading(allow: str, request: web.BaseRequest, response: web.StreamResponse) -> None:
    """Say on ``response`` which origin's scripts may read it."""
    origin = _allowed(allow, request)
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = _EXPOSED
    if allow != ANY_ORIGIN:
        response.headers["Vary"] = "Origin"
