"""The request journal: what clients sent and what they got, for tests to verify (WireMock-style).

A ring buffer, so a long-running mock keeps flat memory whatever the traffic.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Iterator
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

import orjson
from aiohttp import web
from yarl import URL

MAX_BODY_CHARS = 10_000
# A handler reads the body with take_body, which leaves it here: journalling it awaits nothing.
BODY = web.RequestKey("body", bytes)
# Seconds the request spent waiting (its body arriving, latency it asked for, work done in a thread):
# time in which the event loop served others. The rest of its time it held the loop.
AWAITED = web.RequestKey("awaited", float)
# The contract rules a proxied exchange broke (mockserver/proxy.py), each as the journal shows it.
VIOLATIONS = web.RequestKey("violations", tuple[dict[str, Any], ...])

_T = TypeVar("_T")
log = logging.getLogger("mockserver.slow")


class Entry(NamedTuple):
    """One request and its answer; a tuple because one is made per request, at a fraction of a dataclass's cost."""

    # What was sent and answered, as it was: the target (path and query, still percent-encoded),
    # the headers, the bodies (their first MAX_BODY_CHARS bytes) and the times are only read apart
    # when the journal is read, so that recording costs a request next to nothing.
    id: int
    at: float
    method: str
    target: str
    namespace: str | None
    status: int
    latency_s: float
    raw_body: bytes
    held_s: float  # how long it held the event loop: latency_s less the time it waited
    slow: bool  # held_s reached the server's --slow-ms
    request_headers: tuple[tuple[str, str], ...]
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes
    violations: tuple[dict[str, Any], ...]

    @property
    def path(self) -> str:
        return URL(self.target).path

    def as_json(self) -> dict[str, Any]:
        url = URL(self.target)
        return {
            "id": self.id,
            "at": self.at,
            "time": datetime.fromtimestamp(self.at, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "method": self.method,
            "path": url.path,
            "query": url.query_string,
            "namespace": self.namespace,
            "status": self.status,
            "latency_ms": round(self.latency_s * 1000, 3),
            "held_ms": round(self.held_s * 1000, 3),
            "slow": self.slow,
            "body": _body(self.raw_body),
            "request": {"headers": _headers(self.request_headers), **_shown(self.raw_body)},
            "response": {"headers": _headers(self.response_headers), **_shown(self.response_body)},
            "violations": list(self.violations),
        }


class Journal:
    def __init__(self, size: int) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)
        self._numbers = itertools.count(1)

    def __len__(self) -> int:
        return len(self._entries)

    def next_id(self) -> int:
        return next(self._numbers)

    def record(self, entry: Entry) -> None:
        self._entries.append(entry)

    def clear(self) -> None:
        self._entries.clear()

    def get(self, entry_id: int) -> Entry | None:
        """The entry numbered ``entry_id``, while the ring buffer still holds it."""
        return next((entry for entry in self._entries if entry.id == entry_id), None)

    def select(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        namespace: str | None = None,
        slow: bool | None = None,
        violations: bool | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> Iterator[Entry]:
        """Entries oldest first; ``path`` matches as a prefix, ``method`` in any case, ``since`` and ``until``
        (Unix times) bound when the answer was given, ``violations`` whether the proxy found the exchange broke
        a contract rule, the others match exactly."""
        wanted_method = None if method is None else method.upper()
        for entry in self._entries:
            if wanted_method is not None and entry.method != wanted_method:
                continue
            if status is not None and entry.status != status:
                continue
            if namespace is not None and entry.namespace != namespace:
                continue
            if slow is not None and entry.slow != slow:
                continue
            if violations is not None and bool(entry.violations) != violations:
                continue
            if (since is not None and entry.at < since) or (until is not None and entry.at > until):
                continue
            if path is not None and not entry.path.startswith(path):
                continue
            yield entry


# A credential is journalled as its scheme and last four characters: enough to tell keys apart, not to use one.
_SECRET_HEADERS = frozenset({"authorization", "x-api-key"})


def _masked(name: str, value: str) -> str:
    if name.lower() not in _SECRET_HEADERS:
        return value
    scheme, _, secret = value.rpartition(" ")
    hidden = f"***{secret[-4:]}" if len(secret) > 8 else "***"
    return f"{scheme} {hidden}" if scheme else hidden


def _headers(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {name: _masked(name, value) for name, value in pairs}


def _shown(raw: bytes) -> dict[str, Any]:
    """A kept body as the journal shows it, and whether it was cut."""
    return {"body": _body(raw), "truncated": len(raw) > MAX_BODY_CHARS}


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


async def take_body(request: web.Request) -> bytes:
    """The request body, for its handler and kept for the journal.

    A small body has usually all arrived by the time its handler runs: it is then taken as it
    lies in the buffer, without request.read()'s two awaited reads and copy (about 5 µs of a
    create). Only a handler's first read may take it this way: the buffer is empty afterwards.
    """
    content = request.content
    if not content.is_eof():
        raw = await waited(request, request.read())
    else:
        raw = content.read_nowait()
        if len(raw) > request.client_max_size:
            raise web.HTTPRequestEntityTooLarge(max_size=request.client_max_size, actual_size=len(raw))
    request[BODY] = raw
    return raw


def body_unread(request: web.Request) -> bool:
    """Whether the request came with a body its handler never read (refused first, forced by a fault)."""
    return BODY not in request and request.body_exists


async def read_body(request: web.Request) -> None:
    """Keep the body of a request for the journal, when no handler did."""
    with contextlib.suppress(web.HTTPRequestEntityTooLarge):  # an oversized body is journalled empty
        await take_body(request)


async def waited(request: web.Request, pending: Awaitable[_T]) -> _T:
    """``await pending``, the time counted as the request's waiting, not as its hold on the event loop."""
    began = time.perf_counter()
    try:
        return await pending
    finally:
        request[AWAITED] = request.get(AWAITED, 0.0) + time.perf_counter() - began


def record_exchange(
    journal: Journal, request: web.Request, response: web.StreamResponse, started: float, slow_s: float
) -> None:
    """Journal one answered request; ``started`` is its perf_counter() on arrival. One that held the event
    loop ``slow_s`` or longer (when that is above 0) is marked so, and said once on stderr."""
    latency = time.perf_counter() - started
    held = max(0.0, latency - request.get(AWAITED, 0.0))
    slow = 0 < slow_s <= held
    raw = request.get(BODY, b"")
    namespace = request.headers.get("X-Namespace")
    if slow:
        log.warning(
            "slow request: %s %s (namespace %s, %d-byte body) held the event loop %.1f ms (--slow-ms %g)",
            request.method,
            request.path,
            namespace,
            len(raw),
            held * 1000,
            slow_s * 1000,
        )
    answered = response.body if isinstance(response, web.Response) and isinstance(response.body, bytes) else b""
    journal.record(
        Entry(
            journal.next_id(),
            time.time(),
            request.method,
            request.raw_path,
            namespace,
            response.status,
            latency,
            _kept(raw),
            held,
            slow,
            tuple(request.headers.items()),
            tuple(response.headers.items()),
            _kept(answered),
            request.get(VIOLATIONS, ()),
        )
    )
