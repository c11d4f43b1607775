"""How an app is served: the mock's HTTP limits, and a short way in for the API's own operations.

aiohttp's Application spends a few microseconds on every request before any handler runs:
it resolves the route (a coroutine per candidate resource), finds the cached middleware
chain and wraps it in one more layer per application. The mock answers a create or a get in
well under a hundred microseconds, so that machinery is a visible share of it. ``make_runner``
therefore puts ``DirectRoutes`` in front of the app's own request handler: a request for a
route of the root app (the API operations, the served spec) on a plain path, the ordinary
case, is looked up in a table read from the app's router and handed to the same middleware
(middlewares.front_door) and handler the app would have called; every other request (admin
API, unknown paths, wrong methods, percent-encoded paths, an ``Expect`` header) goes to the
app exactly as before. The app works unchanged without it
(``aiohttp_client(create_app())``), and tests/test_serving.py checks that both ways in answer alike.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware

from mockserver.handlers import start_reading
from mockserver.state import RULES

# aiohttp answers a header over 8 KB with a bare-text 400 before any middleware sees it;
# with room for 64 KB the namespace rules can refuse an oversized X-Namespace in JSON.
MAX_HEADER_BYTES = 65536

# Time, client, request line, status, bytes, microseconds: enough to follow a test run, cheap to write.
ACCESS_LOG_FORMAT = '%t %a "%r" %s %b %Dus'

RequestHandler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]
_Direct = tuple[Handler, web.UrlMappingMatchInfo]
_ById = tuple[Handler, web.AbstractRoute, str]


class DirectRoutes:
    """The server's request handler: the app's own routes straight to its one middleware, the rest to the app."""

    def __init__(self, app: web.Application, fallback: RequestHandler) -> None:
        self._app = app
        self._front = _only_middleware(app)
        self._fallback = fallback
        # (method, path) of a plain route, and (method, path up to the last "/") of a route whose
        # last segment is its one variable, as the app's router holds them (sub-apps' are left out).
        self._plain: dict[tuple[str, str], _Direct] = {}
        self._by_id: dict[tuple[str, str], _ById] = {}
        for resource in app.router.resources():  # a sub-app is one resource, neither plain nor dynamic
            variable = _last_variable(resource)
            for route in resource:
                if isinstance(resource, web.PlainResource):
                    self._plain[route.method, resource.canonical] = (route.handler, self._match_info({}, route))
                elif variable is not None:
                    base, name = variable
                    self._by_id[route.method, base] = (route.handler, route, name)

    def _match_info(self, found: dict[str, str], route: web.AbstractRoute) -> web.UrlMappingMatchInfo:
        # What Application._handle makes of a resolved route: the handler reads request.app and match_info.
        match_info = web.UrlMappingMatchInfo(found, route)
        match_info.add_app(self._app)
        match_info.freeze()
        return match_info

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        # Percent-escapes (the router reads the path with some of them kept) and Expect (the app
        # answers "100 Continue" first) are rare; the app takes those requests as it always has.
        # (The app's request factory makes every request a web.Request; the check tells the type checker.)
        if "%" in request.raw_path or hdrs.EXPECT in request.headers or not isinstance(request, web.Request):
            return await self._fallback(request)
        method, path = request.method, request.path
        direct = self._plain.get((method, path))
        if direct is None:
            base, _, value = path.rpartition("/")
            by_id = self._by_id.get((method, base))
            # The default pattern of the variable (_last_variable): one segment, no braces.
            if by_id is None or not value or "{" in value or "}" in value:
                return await self._fallback(request)
            handler, route, name = by_id
            direct = handler, self._match_info({name: value}, route)
        handler, request._match_info = direct  # as Application._handle sets it (and aiohttp's make_mocked_request)
        return await self._front(request, handler)


def _last_variable(resource: web.AbstractResource) -> tuple[str, str] | None:
    """(path before it, name) for a resource whose one variable is its last segment, with the
    router's default pattern (one segment, no braces): the only kind the direct routes match."""
    if not isinstance(resource, web.DynamicResource):
        return None
    base, _, last = resource.canonical.rpartition("/")
    name = last[1:-1]
    default = f"{re.escape(base)}/(?P<{name}>[^{{}}/]+)"
    return (base, name) if resource.get_info()["pattern"].pattern == default else None


def _only_middleware(app: web.Application) -> Middleware:
    # The direct routes skip the app's middleware chain and call this one middleware instead:
    # right only while it is the whole chain.
    if len(app.middlewares) != 1:
        raise ValueError(f"direct routes need an app with exactly one middleware, not {len(app.middlewares)}")
    return app.middlewares[0]


class MockRunner(web.AppRunner):
    """An AppRunner whose server takes the direct routes, and has its validators built and a thread to read
    large bodies in started before it listens."""

    async def setup(self) -> None:
        self.app[RULES].prepare()
        start_reading()
        await super().setup()
        server = self.server
        assert server is not None  # setup() made it
        server.request_handler = DirectRoutes(self.app, server.request_handler)


def make_runner(app: web.Application, access_log: logging.Logger | None = None) -> MockRunner:
    """The one way to serve an app (CLI and background servers alike), with the mock's HTTP limits."""
    return MockRunner(
        app,
        access_log=access_log,
        access_log_format=ACCESS_LOG_FORMAT,
        max_line_size=MAX_HEADER_BYTES,
        max_field_size=MAX_HEADER_BYTES,
    )
