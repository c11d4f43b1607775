"""Typed keys for what the application and each request hold (no module globals)."""

from __future__ import annotations

from aiohttp import web

from mockserver.config import Settings
from mockserver.store import NamespaceStore, Store

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
NAMESPACE = web.RequestKey("namespace", NamespaceStore)
