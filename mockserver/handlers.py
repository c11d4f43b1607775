"""One thin handler per operation: parse, call the domain, render.

The API routes live on the root app, so its state is read from ``request.app`` directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, TypeVar

from aiohttp import web

import specs
from fixtures import collector_paused
from mockserver.errors import ApiError, ValidationFailed
from mockserver.journal import take_body, waited
from mockserver.jsonio import decode, raw_json, respond
from mockserver.query import ListQuery, parse_list_request, run_query
from mockserver.records import new_record, now_us
from mockserver.state import NAMESPACE, RULES, SETTINGS
from mockserver.store import ANSWER_BYTES, ensure_room, rows_of
from mockserver.table import Rows
from mockserver.validation import BodyRules

# Bodies from this size on are read (decoded, checked, parsed) in a thread: however long a hostile one
# takes to refuse, the event loop goes on serving every other client meanwhile.
OFF_LOOP_BYTES = 16 * 1024
_READER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mockserver-body")

_T = TypeVar("_T")


def start_reading() -> None:
    """Start a reading thread now: started by the first large body, it held the event loop 20 ms."""
    _READER.submit(int).result()


async def _read(request: web.Request, raw: bytes, reading: Callable[[], _T]) -> _T:
    """``reading()``: here for a small body, in a thread (counted as waiting) for a large one."""
    if len(raw) < OFF_LOOP_BYTES:
        return reading()
    read = await waited(request, asyncio.get_running_loop().run_in_executor(_READER, _settled, reading))
    if isinstance(read, _Refused):
        raise read.error
    return read


@dataclass(frozen=True)
class _Refused:
    error: ApiError


def _settled(reading: Callable[[], _T]) -> _T | _Refused:
    """In the reading thread: ``reading()``, or the refusal it raised, without the frames of its traceback:
    they hold the decoded body, which would be freed on the event loop then (a megabyte of values, 30 ms).

    The cyclic collector is paused meanwhile: reading makes many objects and no cycles, and a collection
    set off by them walked every list and object alive, the body's included (50 to 80 ms for a
    thousand-record batch in a server already holding a few namespaces).
    """
    try:
        with collector_paused():
            return reading()
    except ApiError as error:
        cause: BaseException | None = error
        while cause is not None:
            cause.__traceback__ = None
            cause = cause.__context__
        return _Refused(error)


def _checked(rules: BodyRules, model: str, raw: bytes) -> Any:
    body = decode(raw)
    rules.check(model, body)
    return body


@dataclass(frozen=True)
class _Batch:
    """A batch read: each item's new id or what is wrong with it, and the new records taken apart."""

    outcomes: list[str | ValidationFailed]
    parts: list[Rows]

    @property
    def created(self) -> int:
        return sum(type(outcome) is str for outcome in self.outcomes)


# Bad items of one batch worded in full (about 60 µs each); any further bad item is named by its index
# alone, so that a batch of a thousand bad items costs what a hundred do.
WORDED_BAD_ITEMS = 100


def _batch(rules: BodyRules, raw: bytes) -> _Batch:
    """A batch, item by item, as a create reads each one (in the reading thread for a large one). Only a body
    that is no batch at all is refused as a whole."""
    outcomes: list[str | ValidationFailed] = []
    records = []
    worded = 0
    for index, item in enumerate(_checked(rules, "BatchInteractionsRequest", raw)["interactions"]):
        where = ("body", "interactions", index)
        if not rules.holds("SearchInteraction", item):
            if worded == WORDED_BAD_ITEMS:
                outcomes.append(
                    ValidationFailed.at(
                        where,
                        f"not a valid interaction; a batch's first {WORDED_BAD_ITEMS} bad items are worded in full, "
                        "the others named only: fix those and send again",
                    )
                )
                continue
            worded += 1
            try:
                rules.check("SearchInteraction", item, where)
            except ValidationFailed as refused:
                outcomes.append(refused)
                continue
        record = new_record(item)
        records.append(record)
        outcomes.append(record["interaction_id"])
    # Taken apart together: a column grows once, not once a record.
    return _Batch(outcomes, list(rows_of(records)))


async def create_interaction(request: web.Request) -> web.Response:
    raw = await take_body(request)
    body = await _read(request, raw, partial(_checked, request.app[RULES], "SearchInteraction", raw))
    namespace = request[NAMESPACE]
    ensure_room(namespace, 1, request.app[SETTINGS].max_records)
    now = now_us()
    return raw_json(namespace.add(new_record(body, now), now))


async def create_interactions_batch(request: web.Request) -> web.Response:
    raw = await take_body(request)
    batch = await _read(request, raw, partial(_batch, request.app[RULES], raw))
    namespace = request[NAMESPACE]
    ensure_room(namespace, batch.created, request.app[SETTINGS].max_records)
    namespace.fill(batch.parts)
    results = [
        {"index": i, "interaction_id": outcome, "status": "created"}
        if type(outcome) is str
        else {"index": i, "interaction_id": "", "status": "failed"}  # the official client requires a string
        for i, outcome in enumerate(batch.outcomes)
    ]
    errors = [outcome.message for outcome in batch.outcomes if isinstance(outcome, ValidationFailed)]
    return respond({"created": batch.created, "failed": len(errors), "errors": errors, "results": results})


async def list_interactions(request: web.Request) -> web.Response:
    raw = await take_body(request)
    namespace = request[NAMESPACE]
    # The same bytes to the same URL read the same until the namespace changes (only answers
    # are remembered, never refusals), so a repeated list is answered without reading it again.
    key = (raw, request.path_qs)
    answer: bytes | None = namespace.answers.get(key)
    if answer is None:
        query = await _read(request, raw, partial(_list_query, request.app[RULES], raw, request.query))
        answer = run_query(namespace, query, request.path).body()
        if len(answer) + len(raw) <= ANSWER_BYTES:  # the key holds the body: both count
            namespace.answers.put(key, answer)
    return raw_json(answer)


def _list_query(rules: BodyRules, raw: bytes, params: Mapping[str, str]) -> ListQuery:
    body = decode(raw)
    rules.refuse_unknown_keys("ListInteractionsRequest", body)
    return parse_list_request({} if body is None else body, params)


@cache
def _documented_methods(path: str) -> list[str]:
    # Read once per path: bundled_openapi() hands out a fresh copy of the whole document.
    return sorted(method.upper() for method in specs.bundled_openapi()["paths"][path])


async def method_not_allowed(request: web.Request) -> web.Response:
    """Fixed paths such as ``.../batch`` would otherwise fall through to ``.../{interaction_id}``."""
    raise web.HTTPMethodNotAllowed(request.method, _documented_methods(request.path))


async def get_interaction(request: web.Request) -> web.Response:
    return raw_json(request[NAMESPACE].raw(request.match_info["interaction_id"]))


async def delete_interaction(request: web.Request) -> web.Response:
    deleted = request[NAMESPACE].delete(request.match_info["interaction_id"])
    interaction_id = deleted["interaction_id"]
    return respond(
        {"success": True, "interaction_id": interaction_id, "message": f"Interaction {interaction_id} deleted"}
    )
