"""Reading a dotted field path out of a record, telling a missing value from a null one.

"Missing" and ``null`` mean different things to ``exists``, ``is_null``, ``ne`` and the sort
(docs/list-semantics.md, Field paths), so a reader returns a sentinel rather than ``None``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from mockserver.query.model import Path, Record


class Missing(enum.Enum):
    MISSING = enum.auto()


MISSING = Missing.MISSING

Reader = Callable[[Record], Any]

# The docs use both names for the instant the server stamped on a record.
_ALIASES = {"created_at": "timestamp"}

TIME_PATH: Path = ("timestamp",)
# 2026-11: when the interaction happened; a record stored without one happened at its timestamp.
OCCURRED_PATH: Path = ("occurred_at",)
# Paths whose ranges compare instants, not text.
INSTANT_PATHS = frozenset({TIME_PATH, OCCURRED_PATH})


def resolve(field: str) -> Path:
    steps = field.split(".")
    steps[0] = _ALIASES.get(steps[0], steps[0])
    return tuple(steps)


def reader(path: Path) -> Reader:
    """A function returning the value at ``path`` in a record, or MISSING; steps only go through objects."""
    if len(path) == 1:
        (key,) = path
        return lambda record: record.get(key, MISSING)

    def read(record: Record) -> Any:
        value: Any = record
        for step in path:
            if type(value) is not dict:
                return MISSING
            value = value.get(step, MISSING)
            if value is MISSING:
                return MISSING
        return value

    return read
