"""The records the semantic suite seeds into the target, and how every query is kept to them.

The values are fixed and deliberately awkward: mixed-case strings, nulls next to missing
keys, lists, ints next to floats, booleans next to numbers. Each run tags its records with
a unique ``metadata.run`` and ANDs that condition into every query it sends, so whatever
else the target holds never shows up in an answer the suite compares.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contract_tests import reference

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
SNAPSHOTS: tuple[Any, ...] = (
    {"text": "red shoes", "filters": {"price": 10}},
    {"text": "Blue Jeans", "filters": {"price": 25.5}},
    {"text": "RED dress"},
    None,
    _ABSENT,
)


def interactions(run: str, seed: int = 0) -> list[dict[str, Any]]:
    """``RECORD_COUNT`` SearchInteraction bodies, the same for a given seed, all tagged with ``run``."""
    rng = random.Random(seed)
    bodies = []
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
        bodies.append(body)
    return bodies


def new_run() -> str:
    return f"run-{uuid.uuid4().hex}"


@dataclass(frozen=True, repr=False)
class Dataset:
    """The seeded records as the target returned them, and the marker that scopes every query."""

    run: str
    records: tuple[dict[str, Any], ...]

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
        return [dict(r) for r in reference.answer(self.records, request)]

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
