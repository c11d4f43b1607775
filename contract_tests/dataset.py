"""The records the semantic suite seeds into the target, and how every query is kept to them.

The values are fixed and deliberately awkward: mixed-case strings, nulls next to missing
keys, lists, ints next to floats, booleans next to numbers. Each run tags its records with
a unique ``metadata.run`` and ANDs that condition into every query it sends, so whatever
else the target holds never shows up in an answer the suite compares.

Under API version 2026-11 the records also carry what that version added: ``occurred_at``
(past times in several spellings, a future one, none), ``feature_uri``, points to find with
the geo operators and texts for ``words`` and ``phrase``. And no two of them repeat an
``(execution_id, feature_id, interaction_type)``, in this run or any other, so that
deduplication drops none of them however a server reads that rule (see ``interactions``).
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from specs.oracle import reference

RECORD_COUNT = 48
# The contract's largest page: with it, one answer holds every record of a run.
WHOLE_RUN = {"limit": 1000, "offset": 0}

FEATURES = ("doc-Alpha", "DOC-alpha", "doc-beta", "Doc-Gamma", "img_Alpha", "vid.delta")
TYPES = (
    ["click"],
    ["view"],
    ["view", "click"],
    ["purchase"],
    ["click", "add_to_cart", "purchase"],
    ["long_view", "share"],
    ["bookmark"],
    ["skip", "click"],
)
USERS = ("user_1", "User_1", "user_2", "USER_3", None)
SESSIONS = ("sess-a", "Sess-A", "sess-b", None)
EXECUTIONS = ("exec-1", "exec-2", None)
RETRIEVERS = ("ret-products", "ret-docs", "Ret-Docs", None)
SCORES = (0.25, 0.5, 0.75, 1, 2.0, 0.125, None)
RESULT_SET_SIZES = (1, 10, 20, None)

# metadata: a key drawn as _ABSENT is left out of the record. Sortable keys never hold null.
_ABSENT: Any = object()
METADATA_POOLS: dict[str, tuple[Any, ...]] = {
    "device": ("mobile", "Mobile", "desktop", "TABLET", None, _ABSENT),
    "duration_ms": (1500, 12000, 250.5, 9999, 0, _ABSENT),
    "city": ("New York", "new york", "Berlin", "Sao Paulo", "berlin", _ABSENT),
    "tags": (["red", "Blue"], ["green"], [], ["Red", "red"], None, _ABSENT),
    "flag": (True, False, _ABSENT),
    "rating": (1, 4.5, 3, None, _ABSENT),
    "nested": ({"level": 1, "label": "Deep Blue"}, {"level": 3, "label": "shallow"}, {"level": 2}, _ABSENT),
    "note": ("Fast delivery", "slow DELIVERY", "great price 42", _ABSENT),
}
# API version 2026-11 only.
TYPES_2026_11 = (["impression"], ["dwell", "click"], ["rating", "view"])
# When each happened: past instants in the spellings the client may send (Z, an offset, none: UTC), two of
# them one instant, a future one (clamped to when it is recorded) and none (the server stamps now).
OCCURRED = (
    "2025-03-01T09:30:00Z",
    "2025-03-01T11:30:00+02:00",
    "2025-03-01T09:30:00.000001Z",
    "2024-12-31T23:59:59.5Z",
    "2025-06-15T08:00:00",
    "2024-02-29T12:00:00.123456-05:00",
    "2099-01-01T00:00:00Z",
    None,
    None,
)
FEATURE_URIS = ("mixpeek://text_extractor@v1/embedding", "mixpeek://image_extractor@v2/clip", None)
METADATA_POOLS_2026_11: dict[str, tuple[Any, ...]] = {
    # Points as the client says to store them ({lat, lon}, or [lon, lat]), alone or in a list.
    "place": (
        {"lat": 48.8566, "lon": 2.3522},
        [2.2945, 48.8584],
        {"lat": 48.8049, "lon": 2.1204},
        [{"lat": 52.52, "lon": 13.405}, [-74.006, 40.7128]],
        {"lat": 35.6762, "lon": 139.6503},
        [178.4419, -18.1416],
        [[-179.5, -16.5], {"lat": -33.8688, "lon": 151.2093}],
        None,
        _ABSENT,
    ),
    # Regular inflections of a few words (none of another kind, such as walker, which stemmers read apart),
    # punctuation next to words, a list of texts.
    "review": (
        "Drinking coffee in Paris!",
        "I drink coffee, daily.",
        "coffee drinks in paris cafes",
        "Walked to the park",
        "Parks closed; walking tours booked",
        ["Great books", "booked a table"],
        None,
        _ABSENT,
    ),
}
SNAPSHOTS: tuple[Any, ...] = (
    {"text": "red shoes", "filters": {"price": 10}},
    {"text": "Blue Jeans", "filters": {"price": 25.5}},
    {"text": "RED dress"},
    None,
    _ABSENT,
)


def interactions(run: str, version: str, seed: int = 0) -> list[dict[str, Any]]:
    """``RECORD_COUNT`` SearchInteraction bodies of API version ``version``, the same for a given seed and
    run, all tagged with ``run``."""
    rng = random.Random(seed)
    bodies = []
    repeats: set[tuple[Any, ...]] = set()
    for index in range(RECORD_COUNT):
        body: dict[str, Any] = {
            "feature_id": FEATURES[index % len(FEATURES)],
            "interaction_type": list(rng.choice(TYPES)),
            "position": rng.randrange(0, 13),
        }
        optional = {
            "user_id": rng.choice(USERS),
            "session_id": rng.choice(SESSIONS),
            "execution_id": rng.choice(EXECUTIONS),
            "retriever_id": rng.choice(RETRIEVERS),
            "document_score": rng.choice(SCORES),
            "result_set_size": rng.choice(RESULT_SET_SIZES),
            "query_snapshot": rng.choice(SNAPSHOTS),
        }
        for name, value in optional.items():
            # A left-out field and an explicit null are both "nothing" to the client; send both kinds.
            if value is not _ABSENT and (value is not None or rng.random() < 0.5):
                body[name] = value
        metadata: dict[str, Any] = {"run": run}
        for key, pool in METADATA_POOLS.items():
            value = rng.choice(pool)
            if value is not _ABSENT:
                metadata[key] = value
        body["metadata"] = metadata
        if reference.backfills(version):
            _add_2026_11(body, rng, run, repeats)
        bodies.append(body)
    return bodies


def _add_2026_11(body: dict[str, Any], rng: random.Random, run: str, repeats: set[tuple[Any, ...]]) -> None:
    """What a record of API version 2026-11 carries besides, and no repeat that deduplication would drop.

    The client says which interactions are repeats, ``(execution_id, feature_id, interaction_type)``
    recorded within 5 minutes, but not whether a null execution_id takes part nor whether the types
    compare as a list or a set: so no two records share a feature_id, execution_id (null included)
    and set of types, and every feature_id names this run, so that no earlier run's records repeat.
    """
    for key, pool in METADATA_POOLS_2026_11.items():
        value = rng.choice(pool)
        if value is not _ABSENT:
            body["metadata"][key] = value
    for name, value in (("occurred_at", rng.choice(OCCURRED)), ("feature_uri", rng.choice(FEATURE_URIS))):
        if value is not None or rng.random() < 0.5:
            body[name] = value
    if isinstance(body.get("retriever_id"), str) and not isinstance(body.get("execution_id"), str):
        body["execution_id"] = rng.choice(EXECUTIONS[:2])  # required with a retriever_id since 2026-11
    if rng.random() < 0.25:
        body["interaction_type"] = list(rng.choice(TYPES_2026_11))
    body["feature_id"] = f"{body['feature_id']}:{run[-8:]}"
    kinds = TYPES + TYPES_2026_11
    while (repeat := (body.get("execution_id"), body["feature_id"], frozenset(body["interaction_type"]))) in repeats:
        body["interaction_type"] = list(rng.choice(kinds))
    repeats.add(repeat)


def new_run() -> str:
    return f"run-{uuid.uuid4().hex}"


_PROCESS = uuid.uuid4().hex[:12]
_SERIAL = itertools.count()


def unique_tag() -> str:
    """A text no other call returns, in this process or any other."""
    return f"{_PROCESS}{next(_SERIAL)}"


@dataclass(frozen=True, repr=False)
class Dataset:
    """The seeded records as the target returned them, and the marker that scopes every query."""

    run: str
    records: tuple[dict[str, Any], ...]
    version: str = reference.SEED_VERSION  # the API version whose contract orders the answers

    def __repr__(self) -> str:
        # Short, because pytest and Hypothesis print it with every failure.
        return f"Dataset({self.run!r}, {len(self.records)} records)"

    @property
    def marker(self) -> dict[str, Any]:
        return {"field": "metadata.run", "operator": "eq", "value": self.run}

    def scoped_filters(self, filters: Mapping[str, Any] | None) -> dict[str, Any]:
        """``filters`` ANDed with the run marker (one more level of nesting)."""
        return {"AND": [self.marker] if filters is None else [self.marker, dict(filters)]}

    def scoped(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The list request as sent: the same request, its filters scoped to this run."""
        return {**request, "filters": self.scoped_filters(request.get("filters"))}

    def expected(self, request: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every record of this run the request must list, in order (the reference's answer)."""
        return [dict(r) for r in reference.answer(self.records, request, self.version)]

    def values_at(self, path: str) -> list[Any]:
        """Present values at ``path`` across the records, list values spread into their elements."""
        found: list[Any] = []
        for record in self.records:
            value = reference.lookup(record, path)
            if value is reference.MISSING:
                continue
            found.extend(value if isinstance(value, list) else [value])
        return found

    def sortable(self, path: str) -> bool:
        """Whether the contract fixes the order by ``path``: present values all numbers or all strings, no null.

        Order across kinds and the place of null are open choices (CONTRACT.md), so the suite never asks.
        """
        values = [reference.lookup(r, path) for r in self.records]
        present = [v for v in values if v is not reference.MISSING]
        if not present or any(v is None for v in present):
            return False
        return all(reference.is_number(v) for v in present) or all(isinstance(v, str) for v in present)
