"""How a client's SearchInteraction becomes a stored InteractionResponse."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import specs
from fixtures.stamps import Timestamps, uuid4_text
from mockserver.query.instants import read_instant, stamp_text
from mockserver.store import Record
from specs import SEED, Edition


# The stored record carries every documented field (null when the client left it out), as
# the upstream API answers; unknown keys of the request are dropped (seed behaviour).
@dataclass(frozen=True)
class _Shape:
    """What a stored record holds under one contract."""

    fields: tuple[str, ...]
    unset: dict[str, Any]  # every field unset, in the documented order: merging a request into it is one step in C
    integer_fields: frozenset[str]
    backfills: bool  # it has occurred_at (2026-11)


@cache
def _shape(of: Edition) -> _Shape:
    properties: dict[str, Any] = specs.schema("SearchInteraction", of)["properties"]
    integers = frozenset(name for name, field_schema in properties.items() if _is_integer_field(field_schema))
    return _Shape(tuple(properties), dict.fromkeys(properties), integers, "occurred_at" in properties)


def _is_integer_field(field_schema: Mapping[str, Any]) -> bool:
    branches = [field_schema, *field_schema.get("anyOf", [])]
    return any(branch.get("type") == "integer" for branch in branches)


# JSON Schema counts 3.0 as an integer; like FastAPI, store it as 3 so strict clients can read it back.
# Beyond 64 bits it stays a float: JSON encoders (orjson among them) cannot write such integers.
_INT64_LIMIT = 2**63


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


def new_record(interaction: Mapping[str, Any], stamped_us: int | None = None, of: Edition = SEED) -> Record:
    """The stored record, with a new id and the timestamp ``stamped_us`` (now when not given).

    Its timestamp reads ``2026-01-15T10:30:00.123456Z``, as the generator writes them. A caller
    that hands the store this record and ``stamped_us`` saves it reading the text back. Under a
    contract with ``occurred_at`` (2026-11), that is when it happened: as given (read as UTC when it
    has no offset, clamped to the timestamp when later) or, when not given, the timestamp.
    """
    shape = _shape(of)
    record: Record = {**shape.unset, **interaction}
    if len(record) != len(shape.unset):  # keys the schema does not know: dropped
        record = {name: record[name] for name in shape.fields}
    for name in shape.integer_fields:
        if isinstance(record[name], float) and abs(record[name]) < _INT64_LIMIT:
            record[name] = int(record[name])
    stamped_us = now_us() if stamped_us is None else stamped_us
    record["interaction_id"] = uuid4_text(_IDS.getrandbits(128))
    record["timestamp"] = _STAMPS.text(stamped_us)
    if shape.backfills:
        given = record["occurred_at"]
        occurred = read_instant(given) if type(given) is str else None
        if occurred is None:
            record["occurred_at"] = record["timestamp"]
        else:
            # Not through _STAMPS: backfills reach any hour, and it keeps the text of each hour it has made.
            record["occurred_at"] = stamp_text(min(occurred, stamped_us)) or given
    return record
