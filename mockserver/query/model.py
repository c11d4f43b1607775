"""The typed list query: a list request after parsing, with every value it carries checked.

Frozen so that a parsed query can be shared, compared in tests and never drift while it runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

# The engine only reads records; the store owns them (as dicts).
Record = Mapping[str, Any]

Path = tuple[str, ...]

Operator = Literal[
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "nin",
    "contains",
    "starts_with",
    "ends_with",
    "regex",
    "exists",
    "is_null",
    "text",
    "phrase",
    "words",
    "geo_radius",
    "geo_bounding_box",
    "geo_polygon",
]


@dataclass(frozen=True)
class Instant:
    """A point in time as microseconds since the epoch, UTC, so that instants compare as integers."""

    micros: int


@dataclass(frozen=True)
class Condition:
    """``field operator value``; ``operand`` is the JSON value, an Instant for ranges on an instant path (timestamp,
    occurred_at), a Pattern for regex, a Shape for the geo operators, the words for phrase and words."""

    path: Path
    operator: Operator
    operand: Any
    case_sensitive: bool


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class NoneOf:
    children: tuple[Node, ...]


Node = Condition | AllOf | AnyOf | NoneOf


@dataclass(frozen=True)
class Sort:
    path: Path
    descending: bool


NEWEST_FIRST = Sort(("timestamp",), descending=True)
# From 2026-11: by when it happened, so that backfilled interactions sit among the others where they belong.
LATEST_OCCURRED_FIRST = Sort(("occurred_at",), descending=True)


@dataclass(frozen=True)
class Window:
    """Which slice of the ordered matches a page shows."""

    offset: int
    limit: int
    counted: bool = True  # whether the page says how many match in all (2026-11: only when include_total=true)
    asked_total: bool = False  # include_total=true, where it decides (2026-11): the links ask again


@dataclass(frozen=True)
class Equals:
    """A simple request field: ``interaction_type`` matches an element of the record's list, the rest exact values."""

    field: str
    value: str


@dataclass(frozen=True)
class ListQuery:
    equals: tuple[Equals, ...]
    filters: Node | None
    search: tuple[str, ...]
    sort: Sort
    window: Window
