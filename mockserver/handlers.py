"""One thin handler per operation: parse, call the domain, render.

The API routes live on the root app, so its state is read from ``request.app`` directly.
"""

from __future__ import annotations

from functools import cache

from aiohttp import web

import specs
from mockserver.journal import take_body
from mockserver.jsonio import decode, raw_json, respond
from mockserver.query import parse_list_request, run_query
from mockserver.records import new_record, now_us
from mockserver.state import NAMESPACE, RULES, SETTINGS
from mockserver.store import ANSWER_BYTES, ensure_room, rows_of


async def create_interaction(request: web.Request) -> web.Response:
    body = decode(await take_body(request))
    request.app[RULES].check("SearchInteraction", body)
    namespace = request[NAMESPACE]
    ensure_room(namespace, 1, request.app[SETTINGS].max_records)
    now = now_us()
    return raw_json(namespace.add(new_record(body, now), now))


async def create_interactions_batch(request: web.Request) -> web.Response:
    body = decode(await take_body(request))
    request.app[RULES].check("BatchInteractionsRequest", body)
    namespace = request[NAMESPACE]
    ensure_room(namespace, len(body["interactions"]), request.app[SETTINGS].max_records)
    records = [new_record(item) for item in body["interactions"]]
    namespace.fill(rows_of(records))  # taken apart together: a column grows once, not once a record
    results = [{"index": i, "interaction_id": r["interaction_id"], "status": "created"} for i, r in enumerate(records)]
    return respond({"created": len(records), "failed": 0, "errors": [], "results": results})


async def list_interactions(request: web.Request) -> web.Response:
    raw = await take_body(request)
    namespace = request[NAMESPACE]
    # The same bytes to the same URL read the same until the namespace changes (only answers
    # are remembered, never refusals), so a repeated list is answered without reading it again.
    key = (raw, request.path_qs)
    answer: bytes | None = namespace.answers.get(key)
    if answer is None:
        body = decode(raw)
        request.app[RULES].refuse_unknown_keys("ListInteractionsRequest", body)
        query = parse_list_request({} if body is None else body, request.query)
        answer = run_query(namespace, query, request.path).body()
        if len(answer) + len(raw) <= ANSWER_BYTES:  # the key holds the body: both count
            namespace.answers.put(key, answer)
    return raw_json(answer)


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
