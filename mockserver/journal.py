"""The request journal: what clients sent and what they got, for tests to verify (WireMock-style).

A ring buffer, so a long-running mock keeps flat memory whatever the traffic.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson
from aiohttp import web

MAX_BODY_CHARS = 10_000


class Entry(NamedTuple):
    """One request and its answer; a tuple because one is made per request, at a fraction of a dataclass's cost."""

    at: float
    method: str
    path: str
    query: str
    namespace: str | None
    status: int
    latency_ms: float
    # The body as sent (its first MAX_BODY_CHARS bytes): read as JSON only when the journal is read,
    # so that recording costs a request next to nothing.
    raw_body: bytes

    def as_json(self) -> dict[str, Any]:
        entry = self._asdict()
        entry["body"] = _body(entry.pop("raw_body"))
        return entry


class Journal:
    def __init__(self, size: int) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, entry: Entry) -> None:
        self._entries.append(entry)

    def clear(self) -> None:
        self._entries.clear()

    def select(
        self, *, path: str | None = None, status: int | None = None, namespace: str | None = None
    ) -> Iterator[Entry]:
        """Entries oldest first; ``path`` matches as a prefix, the others exactly."""
        for entry in self._entries:
            if path is not None and not entry.path.startswith(path):
                continue
            if status is not None and entry.status != status:
                continue
            if namespace is not None and entry.namespace != namespace:
                continue
            yield entry


def _kept(raw: bytes) -> bytes:
    # One byte past the limit marks a body as cut, so that it is shown as text, never half-read as JSON.
    return raw if len(raw) <= MAX_BODY_CHARS else raw[: MAX_BODY_CHARS + 1]


def _body(raw: bytes) -> Any:
    """The request body as JSON when it is JSON, else as (truncated) text."""
    if not raw:
        return None
    try:
        return orjson.loads(raw) if len(raw) <= MAX_BODY_CHARS else raw[:MAX_BODY_CHARS].decode(errors="replace")
    except orjson.JSONDecodeError:
        return raw[:MAX_BODY_CHARS].decode(errors="replace")


async def record_exchange(journal: Journal, request: web.Request, status: int, started: float) -> None:
    """Journal one answered request; ``started`` is its perf_counter() on arrival."""
    try:
        raw = await request.read()  # cached by aiohttp when the handler already read it
    except web.HTTPRequestEntityTooLarge:
        raw = b""
    journal.record(
        Entry(
            at=time.time(),
            method=request.method,
            path=request.path,
            query=request.query_string,
            namespace=request.headers.get("X-Namespace"),
            status=status,
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
            raw_body=_kept(raw),
        )
    )
