"""The application factory and its route tables.

One middleware (middlewares.front_door) in front of everything (mockserver/serving.py, which
serves the app, counts on it being the only one):
- the API (``/v1/retrievers/...``), routed on the root app: journal, faults, auth, namespace, errors
  (with ``--proxy``: journal and errors; the target decides the rest, mockserver/proxy.py);
- the admin API (``/_mock/...``), a sub-application adding its admin token: errors;
- ``/openapi.json`` and everything unmatched: errors.
"""

from __future__ import annotations

import random
import time

from aiohttp import web

from mockserver import admin, handlers, middlewares, persistence
from mockserver.config import Settings
from mockserver.data_file import read_data_file
from mockserver.errors import StartupError
from mockserver.faults import FaultState
from mockserver.journal import Journal
from mockserver.proxy import Proxy
from mockserver.seeding import seeded_rows
from mockserver.served_spec import openapi
from mockserver.state import FAULTS, JOURNAL, PROXY, RULES, SEEDED_WITH, SETTINGS, STARTED_AT, STORE
from mockserver.store import Seeder, Store
from mockserver.validation import BodyRules

API_PREFIX = "/v1/retrievers"
ADMIN_PREFIX = "/_mock"


# Methods the contract documents on no path: on the fixed paths they must say "405, Allow: POST".
_UNDOCUMENTED_METHODS = ("PUT", "PATCH", "OPTIONS", "HEAD")


def _proxied_routes(prefix: str, proxy: Proxy) -> list[web.RouteDef]:
    """--proxy: every method on every path under the API's prefix goes to the target, which decides."""
    return [web.route("*", f"{prefix}/{{tail:.*}}", proxy.forward)]


def _api_routes(prefix: str) -> list[web.RouteDef]:
    # GET and DELETE on .../batch and .../list are left to {interaction_id} (an interaction
    # named "batch": 404), as the documented path templates read; the other methods there
    # answer 405 with the Allow the contract documents, not the union aiohttp would compute.
    interactions = f"{prefix}/interactions"
    routes = [
        web.post(interactions, handlers.create_interaction),
        web.post(f"{interactions}/batch", handlers.create_interactions_batch),
        web.post(f"{interactions}/list", handlers.list_interactions),
        web.get(f"{interactions}/{{interaction_id}}", handlers.get_interaction, allow_head=False),
        web.delete(f"{interactions}/{{interaction_id}}", handlers.delete_interaction),
    ]
    for fixed in (f"{interactions}/batch", f"{interactions}/list"):
        routes += [web.route(method, fixed, handlers.method_not_allowed) for method in _UNDOCUMENTED_METHODS]
    return routes


def _admin_app() -> web.Application:
    # The root's front door renders its failures; this sub-application only adds the admin token.
    admin_app = web.Application(middlewares=[admin.admin_auth])
    admin_app.add_routes(admin.routes())
    return admin_app


def _seeder(settings: Settings, rules: BodyRules) -> tuple[Seeder, str]:
    """What a new (or reset) namespace starts with (the --data file's records, or generated ones), and that in
    words."""
    if settings.data_file is not None:
        # Taken apart once: every namespace's table copies the same parts (their bytes shared).
        parts = read_data_file(settings.data_file, rules)
        count = sum(map(len, parts))
        _within_limit(count, f"--data {settings.data_file} holds", settings.max_records)
        records = f"{count} record{'s' if count != 1 else ''}"
        return (lambda name: parts), f"the {records} of {settings.data_file} (--count and --seed not used)"
    if settings.proxy is not None:
        return (lambda name: ()), "no records: it holds what --record keeps of the proxied answers"
    _within_limit(settings.count, "--count", settings.max_records)
    words = f"{settings.count} generated records (seed {settings.seed})" if settings.count else "no records (--count 0)"
    return (lambda name: seeded_rows(settings.count, settings.seed, name, api_version=settings.api_version)), words


def _within_limit(count: int, what: str, limit: int) -> None:
    if count > limit:
        raise StartupError(f"{what} {count} records, more than --max-records {limit} lets a namespace hold")


def create_app(settings: Settings | None = None) -> web.Application:
    """A ready-to-run mock: its own settings and its own namespaces, nothing shared between apps."""
    settings = settings or Settings()
    journal = Journal(settings.journal_size)
    faults = FaultState(settings.faults, random.Random(settings.seed))
    app = web.Application(
        middlewares=[
            middlewares.front_door(
                API_PREFIX, journal, faults, settings.slow_ms / 1000, settings.cors_origin, gated=settings.proxy is None
            )
        ],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app[RULES] = BodyRules(settings.edition, strict=settings.refuses_unknown_keys)
    seeder, app[SEEDED_WITH] = _seeder(settings, app[RULES])
    app[STORE] = Store(seeder=seeder, allowed=settings.namespaces)
    app[JOURNAL] = journal
    app[FAULTS] = faults
    app[STARTED_AT] = time.monotonic()
    app.router.add_get("/openapi.json", openapi, allow_head=False)
    if settings.proxy is None:
        app[PROXY] = None
        app.add_routes(_api_routes(API_PREFIX))
    else:
        proxy = app[PROXY] = Proxy(settings.proxy, settings.api_version, settings.proxy_strict, settings.record)
        app.cleanup_ctx.append(proxy.connections)
        app.add_routes(_proxied_routes(API_PREFIX, proxy))
    app.add_subapp(ADMIN_PREFIX, _admin_app())
    persistence.install(app)
    return app
