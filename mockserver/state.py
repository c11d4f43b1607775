"""Typed keys for what the application and each request hold (no module globals)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from mockserver.config import Settings
from mockserver.faults import FaultState
from mockserver.journal import Journal
from mockserver.store import NamespaceStore, Store
from mockserver.validation import BodyRules

if TYPE_CHECKING:
    from mockserver.proxy import Proxy

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
JOURNAL = web.AppKey("journal", Journal)
FAULTS = web.AppKey("faults", FaultState)
STARTED_AT = web.AppKey("started_at", float)
RULES = web.AppKey("rules", BodyRules)
# What a new namespace starts with, in words (the banner says it).
SEEDED_WITH = web.AppKey("seeded_with", str)
NAMESPACE = web.RequestKey("namespace", NamespaceStore)
# --proxy: the target and the judge of its exchanges (None: the mock answers itself).
PROXY: web.AppKey[Proxy | None] = web.AppKey("proxy")
