"""The application factory and its route table."""

from __future__ import annotations

from aiohttp import web

from fixtures import generate_interactions
from mockserver import handlers, middlewares
from mockserver.config import Settings
from mockserver.state import SETTINGS, STORE
from mockserver.store import Store

API = "/v1/retrievers/interactions"


def _routes() -> list[web.RouteDef]:
    return [
        web.post(API, handlers.create_interaction),
        web.post(f"{API}/batch", handlers.create_interactions_batch),
        web.post(f"{API}/list", handlers.list_interactions),
        web.get(f"{API}/{{interaction_id}}", handlers.get_interaction, allow_head=False),
        web.delete(f"{API}/{{interaction_id}}", handlers.delete_interaction),
    ]


def create_app(settings: Settings | None = None) -> web.Application:
    """A ready-to-run mock: its own settings and its own namespaces, nothing shared between apps."""
    settings = settings or Settings()
    app = web.Application(
        middlewares=[middlewares.errors, middlewares.auth, middlewares.namespace],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app[STORE] = Store(
        seeder=lambda name: generate_interactions(settings.count, settings.seed, name),
        allowed=settings.namespaces,
    )
    app.add_routes(_routes())
    return app
