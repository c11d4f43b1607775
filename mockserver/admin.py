"""The admin API under ``/_mock/``: health, namespaces, reset, load, export, journal and faults.

It is the mock's own surface, not the product's: documented in openapi.json under the
"Mock admin" tag and left out of the served contract and the contract suites.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import time
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from mockserver.config import Faults
from mockserver.errors import NotFound, Unauthorized, ValidationFailed
from mockserver.faults import STARTED_WITH
from mockserver.jsonio import decode, loads, respond
from mockserver.proxy import violations
from mockserver.query.instants import read_instant
from mockserver.records import new_record
from mockserver.state import FAULTS, JOURNAL, PROXY, RULES, SETTINGS, STARTED_AT, STORE
from mockserver.store import NamespaceStore, Record, ensure_room, rows_of
from mockserver.validation import check, check_query
from specs import Edition

DEFAULT_JOURNAL_LIMIT = 100
# Records written per chunk of an export: about 3 MB of generated records, a few milliseconds of the loop.
EXPORT_CHUNK = 4096


@web.middleware
async def admin_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.match_info.http_exception is not None:
        raise request.match_info.http_exception
    token = request.config_dict[SETTINGS].admin_token
    if token is not None:
        sent = request.headers.get("Authorization", "").partition(" ")[2].strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            raise Unauthorized("The admin API needs 'Authorization: Bearer <admin token>' (--admin-token)")
    return await handler(request)


async def health(request: web.Request) -> web.Response:
    store = request.config_dict[STORE]
    names = store.names()
    return respond(
        {
            "status": "ok",
            "namespaces": len(names),
            "records": sum(len(store.namespace(name)) for name in names),
            "uptime_s": round(time.monotonic() - request.config_dict[STARTED_AT], 3),
        }
    )


async def namespaces(request: web.Request) -> web.Response:
    store = request.config_dict[STORE]
    return respond({"namespaces": [{"name": n, "records": len(store.namespace(n))} for n in store.names()]})


async def reset_all(request: web.Request) -> web.Response:
    """Everything back to how the server started: namespaces, faults, the journal and what the proxy found."""
    request.config_dict[STORE].reset_all()
    faults = request.config_dict[FAULTS]
    faults.replace(request.config_dict[SETTINGS].faults, STARTED_WITH)
    request.config_dict[JOURNAL].clear()
    proxy = request.config_dict[PROXY]
    if proxy is not None:
        proxy.reset()
    return respond(
        {
            "reset": "all",
            "namespaces": "seeded afresh on first use",
            "faults": _faults_json(faults.faults),
            "journal": "cleared",
        }
    )


async def reset_namespace(request: web.Request) -> web.Response:
    name = request.match_info["namespace"]
    reset = request.config_dict[STORE].reset(name)
    return respond({"namespace": name, "records": len(reset)})


def _parse_records(raw: bytes) -> Any:
    """A JSON document, or JSON Lines (one record a line) as ``fixtures generate`` writes."""
    try:
        return decode(raw)
    except ValidationFailed:
        lines = [line for line in raw.splitlines() if line.strip()]
        records = []
        for number, line in enumerate(lines, start=1):
            try:
                records.append(loads(line))
            except (ValueError, RecursionError) as exc:
                raise ValidationFailed.at(
                    ("body", number), f"line {number} is not JSON: {exc}", "json_invalid"
                ) from None
        return records


def _stored(item: dict[str, Any], of: Edition) -> Record:
    return dict(item) if "interaction_id" in item else new_record(item, of=of)


async def load_records(request: web.Request) -> web.Response:
    """Records into a namespace: replacing what it holds (the default while it holds only its seed) or added."""
    mode = check_query("mock_load_records", request.query).get("mode")
    body = _parse_records(await request.read())
    rules = request.config_dict[RULES]
    rules.check("MockRecords", body)
    items = body["interactions"] if isinstance(body, dict) else body
    store = request.config_dict[STORE]
    name = request.match_info["namespace"]
    namespace = store.namespace(name)
    mode = mode or ("replace" if namespace.as_seeded else "append")
    records = [_stored(item, rules.edition) for item in items]
    limit = request.config_dict[SETTINGS].max_records
    if mode == "replace":
        ensure_room(NamespaceStore(name), len(records), limit)  # refused before anything is replaced
        namespace = store.replace(name, rows_of(records))
    else:
        ensure_room(namespace, len(records), limit)
        namespace.fill(rows_of(records))
    return respond({"namespace": name, "mode": mode, "loaded": len(records), "records": len(namespace)})


async def empty_namespace(request: web.Request) -> web.Response:
    """Every record of a namespace gone (until a reset seeds it again)."""
    name = request.match_info["namespace"]
    store = request.config_dict[STORE]
    removed = len(store.namespace(name))
    store.replace(name, ())
    return respond({"namespace": name, "removed": removed, "records": 0})


async def export_records(request: web.Request) -> web.StreamResponse:
    """A namespace's records as stored (the bytes a get answers), one a line in insertion order, so that
    ``mockserver --data`` serves them again as they are.

    The records are the namespace's at the start (writes meanwhile neither tear nor change the download),
    written a chunk at a time with a turn of the event loop between chunks: a million records never
    become one bytes object, and other requests are answered while a big namespace downloads.
    """
    check_query("mock_export_records", request.query)
    name = request.match_info["namespace"]
    records = list(request.config_dict[STORE].namespace(name))
    response = web.StreamResponse()
    response.content_type = "application/x-ndjson"
    await response.prepare(request)
    for start in range(0, len(records), EXPORT_CHUNK):
        await response.write(b"\n".join(records[start : start + EXPORT_CHUNK]) + b"\n")
        await asyncio.sleep(0)
    await response.write_eof()
    return response


def _unix_time(query: dict[str, Any], name: str) -> float | None:
    """A since/until query parameter (an RFC 3339 date-time or a Unix time) as a Unix time."""
    text = query.get(name)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        micros = read_instant(text)
    if micros is None:
        raise ValidationFailed.at(
            ("query", name), f"expected an RFC 3339 date-time (2026-01-15T10:30:00Z) or a Unix time, got {text!r}"
        )
    return micros / 1_000_000


async def journal(request: web.Request) -> web.Response:
    query = check_query("mock_journal", request.query)
    matching = list(
        request.config_dict[JOURNAL].select(
            method=query.get("method"),
            path=query.get("path"),
            status=query.get("status"),
            namespace=query.get("namespace"),
            slow=query.get("slow"),
            violations=query.get("violations"),
            since=_unix_time(query, "since"),
            until=_unix_time(query, "until"),
        )
    )
    limit = query.get("limit", DEFAULT_JOURNAL_LIMIT)
    return respond({"entries": [e.as_json() for e in matching[-limit:]], "total": len(matching)})


async def journal_entry(request: web.Request) -> web.Response:
    number = request.match_info["entry_id"]
    entry = request.config_dict[JOURNAL].get(int(number)) if number.isdigit() else None
    if entry is None:
        raise NotFound(
            f"No journal entry {number!r}: ids are whole numbers, and the oldest leave the journal "
            f"(--journal-size) as new ones come",
            {"id": number, "resource": "journal entry"},
        )
    return respond(entry.as_json())


async def clear_journal(request: web.Request) -> web.Response:
    request.config_dict[JOURNAL].clear()
    return respond({"cleared": True})


def _faults_json(faults: Faults) -> dict[str, Any]:
    latency = list(faults.latency_ms) if faults.latency_ms is not None else None
    return {"latency_ms": latency, "error_rate": faults.error_rate, "rate_limit_per_s": faults.rate_limit_per_s}


async def get_faults(request: web.Request) -> web.Response:
    return respond(_faults_json(request.config_dict[FAULTS].faults))


async def _fault_changes(request: web.Request) -> dict[str, Any]:
    """The fields of a MockFaults body, as Faults holds them (a fixed latency n as the range [n, n])."""
    body = decode(await request.read())
    check("MockFaults", body)
    changes: dict[str, Any] = dict(body)
    if "latency_ms" in changes:
        latency = changes["latency_ms"]
        changes["latency_ms"] = (latency, latency) if isinstance(latency, int) else latency and tuple(latency)
        if changes["latency_ms"] is not None and changes["latency_ms"][0] > changes["latency_ms"][1]:
            raise ValidationFailed.at(("body", "latency_ms"), "the range must be [min, max] with min <= max")
    return changes


async def replace_faults(request: web.Request) -> web.Response:
    """PUT: these faults and no others (a field left out is off)."""
    state = request.config_dict[FAULTS]
    state.replace(Faults(**await _fault_changes(request)), "the admin API (PUT /_mock/faults)")
    return respond(_faults_json(state.faults))


async def change_faults(request: web.Request) -> web.Response:
    """PATCH: the fields given change, the others keep their value."""
    state = request.config_dict[FAULTS]
    changes = await _fault_changes(request)
    state.replace(dataclasses.replace(state.faults, **changes), "the admin API (PATCH /_mock/faults)")
    return respond(_faults_json(state.faults))


def routes() -> list[web.RouteDef]:
    return [
        web.get("/health", health, allow_head=False),
        web.get("/namespaces", namespaces, allow_head=False),
        web.post("/reset", reset_all),
        web.post("/namespaces/{namespace}/reset", reset_namespace),
        web.post("/namespaces/{namespace}/records", load_records),
        web.delete("/namespaces/{namespace}/records", empty_namespace),
        web.get("/namespaces/{namespace}/export", export_records, allow_head=False),
        web.get("/journal", journal, allow_head=False),
        web.get("/violations", violations, allow_head=False),
        web.delete("/journal", clear_journal),
        web.get("/journal/{entry_id}", journal_entry, allow_head=False),
        web.get("/faults", get_faults, allow_head=False),
        web.put("/faults", replace_faults),
        web.patch("/faults", change_faults),
    ]
