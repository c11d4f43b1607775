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
from mockserver.errors import ApiError
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
OFF_LOOP_BYTES = 64 * 1024
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
    they hold the decoded body, which would be freed on the event loop then (a megabyte of values, 30 ms)."""
    try:
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


def _batch(rules: BodyRules, raw: bytes) -> tuple[list[str], list[Rows]]:
    """The ids of a batch's new records, and the records taken apart (in the reading thread for a large one)."""
    records = [new_record(item) for item in _checked(rules, "BatchInteractionsRequest", raw)["interactions"]]
    # Taken apart together: a column grows once, not once a record.
    return [record["interaction_id"] for record in records], list(rows_of(records))


async def create_interaction(request: web.Request) -> web.Response:
    raw = await take_body(request)
    body = await _read(request, raw, partial(_checked, request.app[RULES], "SearchInteraction", raw))
    namespace = request[NAMESPACE]
    ensure_room(namespace, 1, request.app[SETTINGS].max_records)
    now = now_us()
    return raw_json(namespace.add(new_record(body, now), now))


async def create_interactions_batch(request: web.Request) -> web.Response:
    raw = await take_body(request)
    ids, parts = await _read(request, raw, partial(_batch, request.app[RULES], raw))
    namespace = request[NAMESPACE]
    ensure_room(namespace, len(ids), request.app[SETTINGS].max_records)
    namespace.fill(parts)
    results = [
        {"index": i, "interaction_id": interaction_id, "status": "created"} for i, interaction_id in enumerate(ids)
    ]
    return respond({"created": len(ids), "failed": 0, "errors": [], "results": results})


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
