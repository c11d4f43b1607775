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
from mockserver.config import Settings
from mockserver.dedup import dedup_key
from mockserver.errors import ApiError, ValidationFailed
from mockserver.journal import take_body, waited
from mockserver.jsonio import decode, dumps, raw_json, respond
from mockserver.query import ListQuery, parse_list_request, run_query
from mockserver.records import new_record, now_us
from mockserver.state import NAMESPACE, RULES, SETTINGS
from mockserver.store import ANSWER_BYTES, NamespaceStore, Record, ensure_room, rows_of
from mockserver.table import Rows
from mockserver.validation import BodyRules
from specs import V2026_11

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
    """A batch read: each item's new record or what is wrong with it, and the new records taken apart."""

    outcomes: list[Record | ValidationFailed]
    parts: list[Rows]

    @property
    def records(self) -> list[Record]:
        return [outcome for outcome in self.outcomes if not isinstance(outcome, ValidationFailed)]


# Bad items of one batch worded in full (about 60 µs each); any further bad item is named by its index
# alone, so that a batch of a thousand bad items costs what a hundred do.
WORDED_BAD_ITEMS = 100


def _batch(rules: BodyRules, raw: bytes) -> _Batch:
    """A batch, item by item, as a create reads each one (in the reading thread for a large one). Only a body
    that is no batch at all is refused as a whole."""
    outcomes: list[Record | ValidationFailed] = []
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
        record = new_record(item, of=rules.edition)
        records.append(record)
        outcomes.append(record)
    # Taken apart together: a column grows once, not once a record.
    return _Batch(outcomes, list(rows_of(records)))


# 2026-11 warns about an accepted interaction that will not do what it is recorded for.
NO_FEATURE_URI = (
    "no feature_uri: this interaction does not contribute to learned fusion (weight learning); "
    "send the feature URI that produced the result"
)


def _repeats(namespace: NamespaceStore, records: list[Record], settings: Settings, now: int) -> set[str]:
    """The ids of those of ``records`` (in order, recorded at ``now``) that repeat one recorded within the
    window: dropped."""
    if not settings.speaks(V2026_11):
        return set()
    window = round(settings.dedup_window_s * 1e6)
    admit = namespace.recent.admit
    return {record["interaction_id"] for record in records if not admit(dedup_key(record), now, window)}


async def create_interaction(request: web.Request) -> web.Response:
    raw = await take_body(request)
    rules = request.app[RULES]
    body = await _read(request, raw, partial(_checked, rules, "SearchInteraction", raw))
    namespace, settings = request[NAMESPACE], request.app[SETTINGS]
    ensure_room(namespace, 1, settings.max_records)
    now = now_us()
    record = new_record(body, now, rules.edition)
    if not settings.speaks(V2026_11):
        return raw_json(namespace.add(record, now))
    if _repeats(namespace, [record], settings, now):
        return respond({**record, "interaction_id": None, "deduplicated": True})
    stored = namespace.add(record, now)
    extras = b',"deduplicated":false'
    if record["feature_uri"] is None:
        extras += b',"warning":' + dumps(NO_FEATURE_URI)
    return raw_json(stored[:-1] + extras + b"}")


async def create_interactions_batch(request: web.Request) -> web.Response:
    raw = await take_body(request)
    batch = await _read(request, raw, partial(_batch, request.app[RULES], raw))
    namespace, settings = request[NAMESPACE], request.app[SETTINGS]
    records = batch.records
    ensure_room(namespace, len(records), settings.max_records)
    dropped = _repeats(namespace, records, settings, now_us())
    # Taken apart again without the repeats: only when a batch holds some.
    namespace.fill(rows_of(r for r in records if r["interaction_id"] not in dropped) if dropped else batch.parts)
    # The official client requires a string id in every result: an empty one where nothing was stored.
    results = [
        {"index": index, "interaction_id": "", "status": "failed"}
        if isinstance(outcome, ValidationFailed)
        else {"index": index, "interaction_id": "", "status": "deduplicated"}
        if outcome["interaction_id"] in dropped
        else {"index": index, "interaction_id": outcome["interaction_id"], "status": "created"}
        for index, outcome in enumerate(batch.outcomes)
    ]
    errors = [outcome.message for outcome in batch.outcomes if isinstance(outcome, ValidationFailed)]
    created = len(records) - len(dropped)
    return respond({"created": created, "failed": len(errors), "errors": errors, "results": results})


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
    return parse_list_request({} if body is None else body, params, rules.edition)


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
