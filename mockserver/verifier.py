"""Holding live exchanges with another implementation to the documented contract (``--proxy``).

Each exchange the proxy forwards is judged in three layers, each only where the contract
fixes the answer:

- the gate and the shape: the status is one the operation documents, the body valid against
  the documented schema of that status (``specs``' documented view: the mock's own bounds bind
  no other server), the auth and namespace statuses;
- what one answer shows about itself (``specs.oracle.pages``): a list page's block, its order,
  and that each row matches the request by the reference evaluator (never by the mock's engine);
- what the exchanges seen so far show together: a record created through the proxy comes back
  from get and list as create returned it, a deleted one is gone, a namespace never sees
  another's records, a create repeating one within the dedup window (2026-11) is dropped, and a
  list answer that covers every match lists each remembered record that matches.

The last layer trusts that the records the proxy saw created are not changed or deleted
behind its back; it remembers at most ``REMEMBERED`` of them. Nothing here does I/O.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

import specs
from specs.oracle import reference
from specs.oracle.blame import wrongly_left_out, wrongly_listed
from specs.oracle.pages import Finding, block_findings, open_parts, order_findings, page_total, paging, verdict
from specs.oracle.rules import (
    AUTH_MALFORMED,
    AUTH_MISSING,
    BACKFILL_FUTURE,
    BACKFILL_OCCURRED_AT,
    BATCH_PARTIAL,
    CREATE,
    DEDUP_REPEAT,
    DELETE_GONE,
    ERROR_BODY,
    GET_AFTER_CREATE,
    LIST_RECORD,
    NAMESPACE_ISOLATION,
    NAMESPACE_MISSING,
    PAGE_ITEMS,
    SHAPE_BODY,
    SHAPE_STATUS,
)

API = "/v1/retrievers/interactions"
REMEMBERED = 100_000  # created records remembered for the checks across exchanges, oldest forgotten first
# A list answer covering every match is compared with this many of the namespace's newest remembered records.
COMPARED = 1_000
# The documented dedup window, less a margin for the time between the server recording and the proxy seeing it.
DEDUP_WINDOW_S = 300.0 - 5.0
_OPERATIONS = {
    ("POST", API): "create_interaction",
    ("POST", f"{API}/batch"): "create_interactions_batch",
    ("POST", f"{API}/list"): "list_interactions",
}


@dataclass(frozen=True)
class Exchange:
    """One request the proxy forwarded and the target's answer, as they went over the wire."""

    method: str
    path: str  # decoded, without the query
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    status: int
    answer: bytes
    at: float  # time.monotonic() when the answer arrived

    @property
    def namespace(self) -> str:
        return self.headers.get("X-Namespace", "").strip()


def operation_of(method: str, path: str) -> str | None:
    """The documented operation a request is, or None (then it is forwarded unjudged)."""
    known = _OPERATIONS.get((method, path))
    if known is not None:
        return known
    if path.startswith(f"{API}/") and "/" not in path[len(API) + 1 :]:
        return {"GET": "get_interaction", "DELETE": "delete_interaction"}.get(method)
    return None


def _documented_statuses(operation: str, of: specs.Edition) -> dict[int, str | None]:
    """Each status the operation documents, with the model its body is (None: not a named model)."""
    _, _, described = specs.operation(operation, of)
    statuses: dict[int, str | None] = {}
    for status, answer in described["responses"].items():
        ref = answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
        statuses[int(status)] = ref.rsplit("/", 1)[-1] or None
    return statuses


def _json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return _NOT_JSON


_NOT_JSON: Any = object()


def same(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (a boolean is no number), objects key by key, arrays in order."""
    if reference.is_number(a) and reference.is_number(b):
        return bool(a == b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def _differences(kept: Mapping[str, Any], seen: Mapping[str, Any], fields: Any) -> list[str]:
    return [
        f"  {name}: created {kept[name]!r}, now {seen.get(name, reference.MISSING)!r}"
        for name in fields
        if name in kept and not same(kept[name], seen.get(name, reference.MISSING))
    ]


class Verifier:
    """The contract's judgement of one target's exchanges, and what it remembers between them."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.edition = specs.edition(version)
        self.statuses = {name: _documented_statuses(name, self.edition) for name in set(_OPERATIONS.values())}
        for name in ("get_interaction", "delete_interaction"):
            self.statuses[name] = _documented_statuses(name, self.edition)
        self.fields = tuple(specs.documented_schema("SearchInteraction", self.edition)["properties"])
        # What a stored record keeps of a create's answer (not its deduplicated flag or warning).
        self.kept = (*self.fields, "interaction_id", "timestamp")
        # id -> (namespace, the record as create answered it)
        self.created: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()
        self.deleted: OrderedDict[tuple[str, str], None] = OrderedDict()
        # (namespace, dedup key) -> when a create with it was recorded, oldest first
        self.recent: OrderedDict[tuple[str, tuple[Any, ...]], float] = OrderedDict()

    def check(self, exchange: Exchange) -> list[Finding]:
        """Every rule the exchange breaks, each once (empty: none the contract fixes)."""
        operation = operation_of(exchange.method, exchange.path)
        if operation is None:
            return []
        found = list(self._gate(exchange))
        body = _json(exchange.answer)
        shape = list(self._shape(operation, exchange, body))
        found += shape
        if shape or found:
            return found
        request = _json(exchange.body)
        if request is _NOT_JSON:
            return found
        judge = getattr(self, f"_{operation}")
        found += judge(exchange, request, body)
        return found

    # The gate and the shape

    def _gate(self, exchange: Exchange) -> Iterator[Finding]:
        authorization = exchange.headers.get("Authorization")
        scheme, _, token = (authorization or "").partition(" ")
        if authorization is None and exchange.status != 401:
            yield Finding(AUTH_MISSING, (f"no Authorization header, answered HTTP {exchange.status}",))
        elif authorization is not None and (scheme.lower() != "bearer" or not token.strip()) and exchange.status != 401:
            yield Finding(
                AUTH_MALFORMED, (f"Authorization {scheme or '(empty)'!r} …, answered HTTP {exchange.status}",)
            )
        elif not exchange.namespace and exchange.status not in (400, 401):
            yield Finding(NAMESPACE_MISSING, (f"no X-Namespace header, answered HTTP {exchange.status}",))

    def _shape(self, operation: str, exchange: Exchange, body: Any) -> Iterator[Finding]:
        statuses = self.statuses[operation]
        if exchange.status not in statuses:
            documented = ", ".join(map(str, sorted(statuses)))
            yield Finding(SHAPE_STATUS, (f"HTTP {exchange.status} from {operation}; documented: {documented}",))
            return
        model = statuses[exchange.status]
        rule = SHAPE_BODY if exchange.status < 300 else ERROR_BODY
        if body is _NOT_JSON:
            yield Finding(rule, (f"the HTTP {exchange.status} body is not JSON",))
            return
        lists = operation == "list_interactions" and exchange.status == 200 and isinstance(body, dict)
        if lists and "results" in body and body.get("items") != body["results"]:
            yield Finding(PAGE_ITEMS, (f"items is {str(body.get('items'))[:120]}, not the results array",))
            return
        problem = (
            None
            if model is None
            else next(specs.documented_fast_validator(model, self.edition).iter_errors(body), None)
        )
        if problem is not None:
            where = "/".join(str(part) for part in problem.instance_path) or "the body"
            yield Finding(rule, (f"not a {model}: at {where}: {problem.message}",))

    # Operations

    def _create_interaction(self, exchange: Exchange, sent: Any, body: Any) -> list[Finding]:
        if exchange.status != 200 or not self._documented(sent, "SearchInteraction"):
            return []
        if body.get("deduplicated") is True:
            return []
        found = self._repeat(exchange, sent)
        found += self._echoes(sent, body)
        if isinstance(body.get("interaction_id"), str) and body["interaction_id"]:
            self._remember(exchange.namespace, body)
        return found

    def _documented(self, value: Any, model: str) -> bool:
        return isinstance(value, dict) and specs.documented_fast_validator(model, self.edition).is_valid(value)

    def _repeat(self, exchange: Exchange, sent: Mapping[str, Any]) -> list[Finding]:
        """From 2026-11: a repeat of a create recorded within the window must have been dropped."""
        if not reference.backfills(self.version) or sent.get("execution_id") is None:
            return []
        key = (
            exchange.namespace,
            (sent["execution_id"], sent.get("feature_id"), frozenset(sent.get("interaction_type", ()))),
        )
        earlier = self.recent.pop(key, None)
        self.recent[key] = exchange.at
        while self.recent and exchange.at - next(iter(self.recent.values())) > DEDUP_WINDOW_S:
            self.recent.popitem(last=False)
        if earlier is not None and exchange.at - earlier < DEDUP_WINDOW_S:
            ago = exchange.at - earlier
            return [
                Finding(
                    DEDUP_REPEAT,
                    (
                        f"the same (execution_id, feature_id, interaction_type) was recorded {ago:.1f} s before",
                        "this create was stored, not deduplicated",
                    ),
                )
            ]
        return []

    def _echoes(self, sent: Mapping[str, Any], body: Mapping[str, Any]) -> list[Finding]:
        found: list[Finding] = []
        if not body.get("interaction_id") or not body.get("timestamp"):
            found.append(Finding(CREATE, ("the answer lacks interaction_id or timestamp",)))
        echoed = [name for name in self.fields if name != "occurred_at"]
        differences = _differences(sent, body, echoed)
        if differences:
            found.append(Finding(CREATE, ("the stored record differs from what was sent:", *differences)))
        if "occurred_at" in sent and reference.backfills(self.version):
            found += self._occurred_at(sent["occurred_at"], body)
        return found

    def _occurred_at(self, sent: str, body: Mapping[str, Any]) -> list[Finding]:
        try:
            asked, stored = reference.instant(sent), reference.instant(str(body.get("occurred_at")))
            recorded = reference.instant(str(body["timestamp"]))
        except (ValueError, KeyError):
            return [
                Finding(BACKFILL_OCCURRED_AT, (f"sent occurred_at {sent!r}, answered {body.get('occurred_at')!r}",))
            ]
        if asked <= recorded and stored != asked:
            return [
                Finding(BACKFILL_OCCURRED_AT, (f"sent occurred_at {sent!r}, answered {body.get('occurred_at')!r}",))
            ]
        if stored > recorded:
            return [
                Finding(
                    BACKFILL_FUTURE,
                    (f"occurred_at {body.get('occurred_at')!r} is after the record's timestamp {body['timestamp']!r}",),
                )
            ]
        return []

    def _remember(self, namespace: str, record: Mapping[str, Any]) -> None:
        interaction_id = str(record["interaction_id"])
        self.created[interaction_id] = (namespace, dict(record))
        self.created.move_to_end(interaction_id)
        self.deleted.pop((namespace, interaction_id), None)
        while len(self.created) > REMEMBERED:
            self.created.popitem(last=False)

    def _create_interactions_batch(self, exchange: Exchange, sent: Any, body: Any) -> list[Finding]:
        items = sent.get("interactions") if isinstance(sent, dict) else None
        results = body.get("results") if exchange.status == 200 else None
        if not isinstance(items, list) or not isinstance(results, list) or len(results) != len(items):
            return []
        bad = [
            index
            for index, (item, result) in enumerate(zip(items, results, strict=True))
            if result.get("status") == "created" and not self._documented(item, "SearchInteraction")
        ]
        if bad:
            return [Finding(BATCH_PARTIAL, (f"items {bad[:10]} are no valid SearchInteraction, yet reported created",))]
        return []

    def _get_interaction(self, exchange: Exchange, sent: Any, body: Any) -> list[Finding]:
        interaction_id = exchange.path.rsplit("/", 1)[-1]
        namespace = exchange.namespace
        known = self.created.get(interaction_id)
        if (namespace, interaction_id) in self.deleted and exchange.status != 404:
            return [Finding(DELETE_GONE, (f"{interaction_id} was deleted, get answered HTTP {exchange.status}",))]
        if known is None:
            return []
        owner, record = known
        if owner != namespace:
            if exchange.status == 200:
                return [
                    Finding(
                        NAMESPACE_ISOLATION,
                        (f"{interaction_id} was created in namespace {owner!r}, get in {namespace!r} found it",),
                    )
                ]
            return []
        if exchange.status == 404:
            return [Finding(GET_AFTER_CREATE, (f"{interaction_id} was created in {namespace!r}; get answered 404",))]
        differences = _differences(record, body, self.kept) if exchange.status == 200 else []
        if differences:
            return [Finding(GET_AFTER_CREATE, (f"{interaction_id} differs from what create returned:", *differences))]
        return []

    def _delete_interaction(self, exchange: Exchange, sent: Any, body: Any) -> list[Finding]:
        interaction_id = exchange.path.rsplit("/", 1)[-1]
        key = (exchange.namespace, interaction_id)
        if key in self.deleted and exchange.status != 404:
            return [
                Finding(DELETE_GONE, (f"{interaction_id} was deleted before; delete answered HTTP {exchange.status}",))
            ]
        if exchange.status == 200:
            self.deleted[key] = None
            while len(self.deleted) > REMEMBERED:
                self.deleted.popitem(last=False)
            known = self.created.get(interaction_id)
            if known is not None and known[0] == exchange.namespace:
                del self.created[interaction_id]
        return []

    def _list_interactions(self, exchange: Exchange, request: Any, body: Any) -> list[Finding]:
        if exchange.status != 200:
            return []
        request = request if isinstance(request, dict) else {}
        rows = [row for row in body["results"] if isinstance(row, dict)]
        asked = paging(exchange.query, self.version)
        block = body["pagination"]
        total = page_total(block) if asked.counted else None
        found = block_findings(block, len(rows), asked, total)
        found += self._rows_remembered(exchange.namespace, rows)
        fixed = self._documented(request, "ListInteractionsRequest") and not open_parts(request)
        sort = request.get("sort")
        if fixed or isinstance(sort, dict):
            found += order_findings(rows, sort if isinstance(sort, dict) else None, self.version)
        if fixed:
            limit = asked.limit or block.get("page_size")
            short = isinstance(limit, int) and len(rows) < limit
            whole = asked.offset == 0 and (short or (total is not None and total <= len(rows)))
            found += self._matches(exchange.namespace, request, rows, whole)
        return found

    def _rows_remembered(self, namespace: str, rows: list[dict[str, Any]]) -> list[Finding]:
        for row in rows:
            interaction_id = str(row.get("interaction_id"))
            if (namespace, interaction_id) in self.deleted:
                return [Finding(DELETE_GONE, (f"{interaction_id} was deleted, yet it is listed",))]
            known = self.created.get(interaction_id)
            if known is None:
                continue
            owner, record = known
            if owner != namespace:
                return [
                    Finding(
                        NAMESPACE_ISOLATION,
                        (f"{interaction_id} was created in namespace {owner!r}, listed in {namespace!r}",),
                    )
                ]
            differences = _differences(record, row, self.kept)
            if differences:
                return [Finding(LIST_RECORD, (f"{interaction_id} differs from what create returned:", *differences))]
        return []

    def _matches(
        self, namespace: str, request: Mapping[str, Any], rows: list[dict[str, Any]], whole: bool
    ) -> list[Finding]:
        """Each row matches; and when the page holds every match (``whole``), each remembered record that
        matches is on it."""
        wrong = [row for row in rows if verdict(request, row) is False]
        if wrong:
            found = wrongly_listed(request, wrong[0])
            return [Finding(found.rule, (*found.details, f"{len(wrong)} of {len(rows)} listed rows do not match"))]
        if not whole:
            return []
        listed = {str(row.get("interaction_id")) for row in rows}
        mine = [record for owner, record in reversed(self.created.values()) if owner == namespace]
        for record in mine[:COMPARED]:
            if str(record["interaction_id"]) not in listed and verdict(request, record) is True:
                return [wrongly_left_out(request, record)]
        return []
