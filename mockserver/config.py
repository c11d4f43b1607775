"""Everything the server can be started with, in one immutable value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import specs
from specs import SEED_VERSION, V2026_11, Edition

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_SEED = 42
DEFAULT_COUNT = 1000
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_JOURNAL_SIZE = 1000
DEFAULT_SAVE_INTERVAL_S = 30.0
DEFAULT_MAX_RECORDS = 1_000_000
# A request that holds the event loop this long holds every other client as long: it is reported.
DEFAULT_SLOW_MS = 100.0
# From API version 2026-11: a create repeating (execution_id, feature_id, interaction_type) within this
# many seconds is dropped (the official client's docs: "within the last 5 minutes").
DEFAULT_DEDUP_WINDOW_S = 300.0


@dataclass(frozen=True)
class Faults:
    """Misbehaviour for client testing, all off by default; the admin API can change it at run time."""

    latency_ms: tuple[int, int] | None = None
    error_rate: float = 0.0
    rate_limit_per_s: float | None = None


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    seed: int = DEFAULT_SEED
    count: int = DEFAULT_COUNT
    api_keys: frozenset[str] = field(default_factory=frozenset)
    namespaces: frozenset[str] | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_records: int = DEFAULT_MAX_RECORDS
    admin_token: str | None = None
    journal_size: int = DEFAULT_JOURNAL_SIZE
    slow_ms: float = DEFAULT_SLOW_MS  # 0: no request is reported
    cors_origin: str = "*"  # the origin whose pages may read answers; "*": any
    faults: Faults = field(default_factory=Faults)
    api_version: str = SEED_VERSION
    strict: bool = False  # refuse unknown body keys under any version (2026-11 always does)
    upstream_enums: bool = False  # 2026-11's interaction types under an older version (2026-11 has them)
    dedup_window_s: float = DEFAULT_DEDUP_WINDOW_S  # 2026-11 only; 0: nothing is dropped
    data_file: Path | None = None
    state_file: Path | None = None
    save_interval_s: float = DEFAULT_SAVE_INTERVAL_S
    quiet: bool = False
    proxy: str | None = None  # an implementation to forward the API to, judging every exchange (mockserver/proxy.py)
    proxy_strict: bool = False  # answer 502 instead of an answer that breaks the contract
    record: bool = False  # keep the records proxied answers carry in the local namespaces

    def __post_init__(self) -> None:
        specs.edition(self.api_version)  # an unknown version is a ValueError naming the known ones
        if self.proxy is None and (self.proxy_strict or self.record):
            raise ValueError("proxy_strict and record need a proxy target (--proxy URL)")

    @property
    def edition(self) -> Edition:
        """The contract requests are held to and answers follow."""
        return specs.edition(self.api_version, upstream_enums=self.upstream_enums)

    def speaks(self, version: str) -> bool:
        """Whether the API served is ``version`` or later."""
        return self.edition.speaks(version)

    @property
    def refuses_unknown_keys(self) -> bool:
        """--strict on a version whose models let unknown keys through: 2026-11's models refuse them
        themselves (upstream does from 2026-11-02), so the schemas say it and nothing need be added."""
        return self.strict and not self.speaks(V2026_11)
