"""Everything the server can be started with, in one immutable value."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_SEED = 42
DEFAULT_COUNT = 1000
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    seed: int = DEFAULT_SEED
    count: int = DEFAULT_COUNT
    api_keys: frozenset[str] = field(default_factory=frozenset)
    namespaces: frozenset[str] | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
