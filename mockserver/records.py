"""How a client's SearchInteraction becomes a stored InteractionResponse."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Mapping
from typing import Any

import specs
from fixtures.stamps import Timestamps, uuid4_text
from mockserver.store import Record

# The stored record carries every documented field (null when the client left it out), as
# the upstream API answers; unknown keys of the request are dropped (seed behaviour).
_PROPERTIES: dict[str, Any] = specs.schema("SearchInteraction")["properties"]
_FIELDS = tuple(_PROPERTIES)
# Every field unset, in the documented order: merging a request into it is one step in C.
_UNSET: dict[str, Any] = dict.fromkeys(_FIELDS)


def _is_integer_field(field_schema: Mapping[str, Any]) -> bool:
    branches = [field_schema, *field_schema.get("anyOf", [])]
    return any(branch.get("type") == "integer" for branch in branches)


# JSON Schema counts 3.0 as an integer; like FastAPI, store it as 3 so strict clients can read it back.
# Beyond 64 bits it stays a float: JSON encoders (orjson among them) cannot write such integers.
_INT64_LIMIT = 2**63
_INTEGER_FIELDS = frozenset(name for name, field_schema in _PROPERTIES.items() if _is_integer_field(field_schema))


# Made once per hour of text; the server's clock reaches a new hour rarely enough to keep them all.
_STAMPS = Timestamps()
# Ids need to be unique, not secret: a generator seeded from the system's randomness, without a
# system call per id as uuid.uuid4() makes.
_IDS = random.Random()
# A process forked from one that made ids (a worker reading a --data file) would go on from the same
# state as its parent and its siblings, and give records their ids: each child starts afresh.
os.register_at_fork(after_in_child=_IDS.seed)


def now_us() -> int:
    """The clock in epoch microseconds, the unit records are stamped in."""
    return time.time_ns() // 1000


def new_record(interaction: Mapping[str, Any], stamped_us: int | None = None) -> Record:
    """The stored record, with a new id and the timestamp ``stamped_us`` (now when not given).

    Its timestamp reads ``2026-01-15T10:30:00.123456Z``, as the generator writes them. A caller
    that hands the store this record and ``stamped_us`` saves it reading the text back.
    """
    record: Record = {**_UNSET, **interaction}
    if len(record) != len(_UNSET):  # keys the schema does not know: dropped
        record = {name: record[name] for name in _FIELDS}
    for name in _INTEGER_FIELDS:
        if isinstance(record[name], float) and abs(record[name]) < _INT64_LIMIT:
            record[name] = int(record[name])
    record["interaction_id"] = uuid4_text(_IDS.getrandbits(128))
    record["timestamp"] = _STAMPS.text(now_us() if stamped_us is None else stamped_us)
    return record
