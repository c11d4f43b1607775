"""Cross-cutting rules every operation shares: error rendering, faults, auth, namespaces and the journal."""

from __future__ import annotations

import hmac
import logging
import re
import time

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

import specs
from mockserver.cors import allow_reading, preflight
from mockserver.errors import ApiError, BadRequest, PayloadTooLarge, Unauthorized, error_body
from mockserver.faults import FaultState, injected_fault, tell_preferences
from mockserver.journal import Journal, body_unread, read_body, record_exchange
from mockserver.jsonio import respond
from mockserver.state import NAMESPACE, SETTINGS, STORE

log = logging.getLogger(__name__)

_HTTP_ERROR_TYPES = {404: "NotFoundError", 405: "MethodNotAllowedError"}


def _render_http(exc: web.HTTPException, request: web.Request) -> web.Response:
    """aiohttp's own 4xx (unknown path, wrong method, oversized body) as ErrorResponse JSON."""
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
    message = {
        404: f"No route for {request.path}",
        405: f"{request.method} is not allowed on {request.path}; allowed: {exc.headers.get('Allow', '')}",
    }.get(exc.status, exc.reason)
    body = {
        "success": False,
        "status": exc.status,
        "error": {"message": message, "type": _HTTP_ERROR_TYPES.get(exc.status, "HTTPError"), "details": None},
    }
    return respond(body, exc.status, headers)


def _render_failure(exc: Exception, request: web.Request) -> web.Response:
    """Every way a request can fail, as ErrorResponse JSON; redirects and successes go on up."""
    if isinstance(exc, ApiError):
        return respond(error_body(exc), exc.status)
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        limit = request.config_dict[SETTINGS].max_body_bytes
        too_large = PayloadTooLarge(
            f"Request body exceeds the {limit} bytes this server accepts (--max-body-bytes)", {"max_bytes": limit}
        )
        return respond(error_body(too_large), too_large.status)
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        return _render_http(exc, request)
    log.exception("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    body = {
        "success": False,
        "status": 500,
        "error": {"message": "Internal server error", "type": "InternalServerError", "details": None},
    }
    return respond(body, 500)


async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Exception as exc:
        return _render_failure(exc, request)


def _token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorized("Missing Authorization header; send 'Authorization: Bearer <api key>'")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization must be 'Bearer <api key>' with a non-empty key")
    return token.strip()


def _accepted(token: str, keys: frozenset[str]) -> bool:
    # Compare against every key, always, so the time taken says nothing about which one is close.
    found = False
    for key in keys:
        found |= hmac.compare_digest(token.encode(), key.encode())
    return found


def _authenticate(request: web.Request) -> None:
    keys = request.app[SETTINGS].api_keys
    token = _token(request)
    if keys and not _accepted(token, keys):
        raise Unauthorized("API key not accepted by this server")


def _namespace_rule() -> tuple[int, re.Pattern[str]]:
    schema = specs.bundled_openapi()["components"]["parameters"]["XNamespace"]["schema"]
    return schema["maxLength"], re.compile(schema["pattern"])


_NAMESPACE_MAX, _NAMESPACE_PATTERN = _namespace_rule()


def _namespace_name(request: web.Request) -> str:
    name = request.headers.get("X-Namespace", "")
    if not _NAMESPACE_PATTERN.search(name):
        raise BadRequest(
            "Missing X-Namespace header; every operation is scoped to a namespace", {"header": "X-Namespace"}
        )
    if len(name) > _NAMESPACE_MAX:
        raise BadRequest(
            f"X-Namespace is {len(name)} characters long; at most {_NAMESPACE_MAX} are allowed",
            {"header": "X-Namespace"},
        )
    return name.strip()


def _admit(request: web.Request) -> None:
    """What every API request must pass before its handler: a route, auth, a namespace."""
    if request.match_info.http_exception is not None:
        raise request.match_info.http_exception
    _authenticate(request)
    request[NAMESPACE] = request.app[STORE].namespace(_namespace_name(request))


def front_door(
    api_prefix: str, journal: Journal, faults: FaultState, slow_s: float, cors_origin: str, gated: bool = True
) -> Middleware:
    """The server's one middleware: API requests are journalled and pass the gate (unless not ``gated``: a
    proxy leaves faults, auth and namespaces to its target), all others (admin API, served spec, unknown
    paths) get their failures rendered as JSON.

    One layer rather than a chain of six (and the API routes on the root app rather than in a
    sub-application): each layer costs every request a few microseconds, a visible share of a
    mock that answers in well under a millisecond.
    """
    api_paths = (f"{api_prefix}/",)

    @web.middleware
    async def front(request: web.Request, handler: Handler) -> web.StreamResponse:
        asked = preflight(cors_origin, request)
        if asked is not None:  # a browser asking first: no credentials come with it
            return asked
        response: web.StreamResponse
        if not request.path.startswith(api_paths):
            response = await _guarded(request, handler)
            allow_reading(cors_origin, request, response)
            return response
        started = time.perf_counter()
        try:
            # Faults first (a forced answer skips the rest), then the gate, then the handler.
            forced = None
            if gated and (faults.armed or "Prefer" in request.headers):
                forced = await injected_fault(faults, request)
            if forced is not None:
                response = forced
            else:
                if gated:
                    _admit(request)
                response = await handler(request)
        except Exception as exc:
            response = _render_failure(exc, request)
        if body_unread(request):
            await read_body(request)
        allow_reading(cors_origin, request, response)
        if gated:
            tell_preferences(request, response)
        record_exchange(journal, request, response, started, slow_s)
        return response

    return front
