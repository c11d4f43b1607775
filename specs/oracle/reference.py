"""An independent statement of the list semantics, as executable Python: what a list answer must be.

Written for obviousness, not speed: each rule of CONTRACT.md > List semantics is one small
function, and nothing here is imported from the mock's engine (tests/test_layers.py). The
suites only send queries whose meaning the contract fixes (contract_tests/strategies.py), and
the verifying proxy only judges those (``pages.open_parts``), so every answer computed here is
the only correct one, whatever an implementation chose where the contract is open.

API version 2026-11 (docs/list-semantics.md, its last section) adds the operators ``words``,
``phrase`` and ``geo_*``, ranges on ``occurred_at`` and a default order by ``occurred_at``; the
operators are stated here exactly as that page states them, so that the mock's engine can be
held to them too (tests/test_reference_2026.py), even where the suites rely on less.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import snowballstemmer

Record = Mapping[str, Any]


class _Missing:
    """A path that does not reach a value; distinct from a present ``null``."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()

LOGICAL_KEYS = ("AND", "OR", "NOT")
SIMPLE_FIELDS = ("execution_id", "retriever_id", "session_id", "user_id", "feature_id")
# Ranges on these compare instants (occurred_at exists from 2026-11; before, no record holds it).
TIMESTAMP_PATHS = ("timestamp", "created_at", "occurred_at")
SEED_VERSION = "2025-12"
# The version from which records carry occurred_at and list by it when no sort is given.
V2026_11 = "2026-11"
GEO_OPERATORS = ("geo_radius", "geo_bounding_box", "geo_polygon")
# The IUGG mean radius of the Earth, in metres: geo_radius measures great circles on this sphere.
EARTH_RADIUS_M = 6371008.8


def backfills(version: str) -> bool:
    """Whether ``version`` (API versions are dates: they compare as text) has occurred_at and its default order."""
    return version >= V2026_11


# Field paths


def lookup(record: Record, path: str) -> Any:
    """The value at a dotted path, or MISSING. ``created_at`` is another name for ``timestamp``."""
    if path == "created_at":
        path = "timestamp"
    node: Any = record
    for step in path.split("."):
        if not isinstance(node, dict) or step not in node:
            return MISSING
        node = node[step]
    return node


# Comparing values


def is_number(value: Any) -> bool:
    """JSON numbers; booleans are not numbers (``true`` is not ``1``)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def fold(text: str, case_sensitive: bool) -> str:
    return text if case_sensitive else text.casefold()


def equal(a: Any, b: Any, case_sensitive: bool) -> bool:
    """Equality of JSON values: numbers numerically, strings after case folding unless case-sensitive."""
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, str) and isinstance(b, str):
        return fold(a, case_sensitive) == fold(b, case_sensitive)
    if isinstance(a, bool) and isinstance(b, bool):
        return a == b
    if a is None and b is None:
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y, case_sensitive) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k], case_sensitive) for k in a)
    return False


def instant(text: str) -> datetime:
    """An ISO 8601 date or instant as an aware datetime; a date alone is midnight UTC.

    RFC 3339's lowercase t / z read as uppercase, and a leap second (23:59:60) as the next minute.
    """
    text = text.upper()
    leap = ":60" in text
    parsed = datetime.fromisoformat(text.replace(":60", ":59", 1) if leap else text)
    parsed = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    return parsed + timedelta(seconds=1) if leap else parsed


def ordered(value: Any, operand: Any, as_instants: bool) -> tuple[Any, Any] | None:
    """The pair to compare for gt/gte/lt/lte, or None when the pair is not comparable (then: false)."""
    if is_number(value) and is_number(operand):
        return value, operand
    if isinstance(value, str) and isinstance(operand, str):
        return (instant(value), instant(operand)) if as_instants else (value, operand)
    return None


# Operators: each answers for one (non-list) value; `holds` spreads them over list values.

OperatorFn = Callable[[Any, Any, bool, bool], bool]


def _eq(v: Any, x: Any, cs: bool, _t: bool) -> bool:
    return equal(v, x, cs)


def _compare(test: Callable[[Any, Any], bool]) -> OperatorFn:
    def apply(v: Any, x: Any, _cs: bool, as_instants: bool) -> bool:
        pair = ordered(v, x, as_instants)
        return pair is not None and test(*pair)

    return apply


def _in(v: Any, x: Any, cs: bool, _t: bool) -> bool:
    return any(equal(v, member, cs) for member in x)


def _starts_with(v: Any, x: Any, cs: bool, _t: bool) -> bool:
    return isinstance(v, str) and fold(v, cs).startswith(fold(x, cs))


def _ends_with(v: Any, x: Any, cs: bool, _t: bool) -> bool:
    return isinstance(v, str) and fold(v, cs).endswith(fold(x, cs))


def _regex(v: Any, x: Any, cs: bool, _t: bool) -> bool:
    return isinstance(v, str) and re.search(x, v, 0 if cs else re.IGNORECASE) is not None


def _text(v: Any, x: Any, _cs: bool, _t: bool) -> bool:
    return isinstance(v, str) and x.casefold() in v.casefold()


# words and phrase (2026-11)

_ENGLISH = snowballstemmer.stemmer("english")


def words_in(text: str, case_sensitive: bool) -> list[str]:
    """The words of ``text``: maximal runs of Unicode letters, digits and underscores, case-folded first
    unless case-sensitive (folding may change where words end: it comes first, as the docs say)."""
    words: list[str] = []
    current = ""
    for char in fold(text, case_sensitive):
        if char.isalnum() or char == "_":
            current += char
        elif current:
            words.append(current)
            current = ""
    return [*words, current] if current else words


def english_stem(word: str) -> str:
    """Snowball's English stemmer (Porter2): drinking, drinks and drink share the stem drink."""
    stem: str = _ENGLISH.stemWord(word)
    return stem


def _words(v: Any, x: Any, cs: bool, _t: bool) -> bool:
    """Every word of the operand has the English stem of some word of the value."""
    if not isinstance(v, str):
        return False
    present = {english_stem(word) for word in words_in(v, cs)}
    return all(english_stem(word) in present for word in words_in(x, cs))


def _phrase(v: Any, x: Any, cs: bool, _t: bool) -> bool:
    """The operand's words appear in the value in the same order, next to each other, as written."""
    if not isinstance(v, str):
        return False
    wanted, found = words_in(x, cs), words_in(v, cs)
    return any(found[start : start + len(wanted)] == wanted for start in range(len(found) - len(wanted) + 1))


_PER_ELEMENT: dict[str, OperatorFn] = {
    "eq": _eq,
    "gt": _compare(lambda a, b: a > b),
    "gte": _compare(lambda a, b: a >= b),
    "lt": _compare(lambda a, b: a < b),
    "lte": _compare(lambda a, b: a <= b),
    "in": _in,
    "starts_with": _starts_with,
    "ends_with": _ends_with,
    "regex": _regex,
    "text": _text,
    "words": _words,
    "phrase": _phrase,
}


# Geo (2026-11): points are (lat, lon) in degrees.

Point = tuple[float, float]


def point(value: Any) -> Point | None:
    """``{"lat": ..., "lon": ...}`` (those two keys only) or a GeoJSON position ``[lon, lat]``, in range; else None."""
    if isinstance(value, dict) and set(value) == {"lat", "lon"}:
        lat, lon = value["lat"], value["lon"]
    elif isinstance(value, list) and len(value) == 2:
        lon, lat = value
    else:
        return None
    if not (is_number(lat) and is_number(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def points(value: Any) -> list[Point]:
    """The points a stored value holds: itself when it is one, else those among its items."""
    own = point(value)
    if own is not None:
        return [own]
    if isinstance(value, list):
        return [p for p in map(point, value) if p is not None]
    return []


def great_circle_m(a: Point, b: Point) -> float:
    """Haversine distance in metres on the sphere of the Earth's mean radius."""
    lat1, lon1, lat2, lon2 = (math.radians(degrees) for degrees in (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def operand_point(value: Any) -> Point:
    """A point of an operand (which, sent as valid, holds points where the operator wants them)."""
    found = point(value)
    if found is None:
        raise ValueError(f"not a point: {value!r}")
    return found


def in_radius(p: Point, operand: Mapping[str, Any]) -> bool:
    return great_circle_m(operand_point(operand["center"]), p) <= float(operand["radius"])


def in_box(p: Point, operand: Mapping[str, Any]) -> bool:
    """Latitude between the corners' (inclusive); longitude from top_left's eastwards to bottom_right's,
    across the antimeridian when top_left lies east of bottom_right."""
    (north, west), (south, east) = operand_point(operand["top_left"]), operand_point(operand["bottom_right"])
    lat, lon = p
    if not south <= lat <= north:
        return False
    return west <= lon <= east if west <= east else (lon >= west or lon <= east)


def ring_points(ring: Mapping[str, Any]) -> list[tuple[Fraction, Fraction]]:
    """A ring's vertices as exact (x = lon, y = lat) pairs; a closing repeat of the first point changes nothing."""
    return [(Fraction(lon), Fraction(lat)) for lat, lon in map(operand_point, ring["points"])]


def _on_segment(x: Fraction, y: Fraction, a: tuple[Fraction, Fraction], b: tuple[Fraction, Fraction]) -> bool:
    (ax, ay), (bx, by) = a, b
    if (bx - ax) * (y - ay) != (by - ay) * (x - ax):
        return False
    return min(ax, bx) <= x <= max(ax, bx) and min(ay, by) <= y <= max(ay, by)


def ring_says(p: Point, ring: Mapping[str, Any]) -> str:
    """Where a point lies against a ring: "edge", "inside" or "outside" (even-odd rule, straight edges in
    the (lon, lat) plane, computed exactly)."""
    x, y = Fraction(p[1]), Fraction(p[0])
    vertices = ring_points(ring)
    edges = list(zip(vertices, [*vertices[1:], vertices[0]], strict=True))
    if any(_on_segment(x, y, a, b) for a, b in edges):
        return "edge"
    crossings = 0
    for (ax, ay), (bx, by) in edges:
        # An edge counts when it spans the horizontal line through the point (lower end in, upper end out)
        # and crosses it east of the point.
        if (ay <= y < by or by <= y < ay) and ax + (y - ay) * (bx - ax) / (by - ay) > x:
            crossings += 1
    return "inside" if crossings % 2 else "outside"


def in_polygon(p: Point, operand: Mapping[str, Any]) -> bool:
    """Inside the exterior ring or on its edge, and not strictly inside any interior ring (a hole)."""
    if ring_says(p, operand["exterior"]) == "outside":
        return False
    return all(ring_says(p, hole) != "inside" for hole in operand.get("interiors") or [])


_GEO_TESTS: dict[str, Callable[[Point, Mapping[str, Any]], bool]] = {
    "geo_radius": in_radius,
    "geo_bounding_box": in_box,
    "geo_polygon": in_polygon,
}


def geo_holds(operator: str, value: Any, operand: Mapping[str, Any]) -> bool:
    """A value matches when one of its points lies in the shape; a value holding no point never does."""
    return any(_GEO_TESTS[operator](p, operand) for p in points(value))


def holds(operator: str, value: Any, operand: Any, case_sensitive: bool, path: str) -> bool:
    """Whether ``{field: path, operator, value: operand}`` holds for the record value ``value``."""
    if operator == "exists":
        return (value is not MISSING) is operand
    if operator == "is_null":
        return (value is MISSING or value is None) is operand
    if operator == "ne":
        return not holds("eq", value, operand, case_sensitive, path)
    if operator == "nin":
        return not holds("in", value, operand, case_sensitive, path)
    if operator == "contains":
        if isinstance(value, list):
            return any(equal(element, operand, case_sensitive) for element in value)
        return (
            isinstance(value, str)
            and isinstance(operand, str)
            and fold(operand, case_sensitive) in fold(value, case_sensitive)
        )
    if value is MISSING:
        return False
    if operator in GEO_OPERATORS:
        return geo_holds(operator, value, operand)
    test = _PER_ELEMENT[operator]
    as_instants = path in TIMESTAMP_PATHS
    if isinstance(value, list):
        return any(test(element, operand, case_sensitive, as_instants) for element in value)
    return test(value, operand, case_sensitive, as_instants)


# The filter tree


def condition_holds(record: Record, path: str, operator: str, operand: Any, case_sensitive: bool) -> bool:
    return holds(operator, lookup(record, path), operand, case_sensitive, path)


def tree_holds(tree: Mapping[str, Any], record: Record, inherited_case_sensitive: bool = False) -> bool:
    """A LogicalOperator: every key of the level holds (keys combine with AND)."""
    own = tree.get("case_sensitive")
    case_sensitive = inherited_case_sensitive if own is None else bool(own)
    for key, value in tree.items():
        if key == "case_sensitive":
            continue
        if key in LOGICAL_KEYS:
            outcomes = [child_holds(child, record, case_sensitive) for child in value]
            if key == "AND" and not all(outcomes):
                return False
            if key == "OR" and not any(outcomes):
                return False
            if key == "NOT" and any(outcomes):
                return False
        elif not shorthand_holds(record, key, value, case_sensitive):
            return False
    return True


def child_holds(child: Mapping[str, Any], record: Record, case_sensitive: bool) -> bool:
    """A child with a ``field`` key is a condition (its own case_sensitive wins); anything else a tree."""
    if "field" in child:
        own = child.get("case_sensitive")
        effective = case_sensitive if own is None else bool(own)
        return condition_holds(record, child["field"], child.get("operator", "eq"), child["value"], effective)
    return tree_holds(child, record, case_sensitive)


def shorthand_holds(record: Record, path: str, value: Any, case_sensitive: bool) -> bool:
    """``{"path": 3}`` means eq; ``{"path": {"gte": 1, "lte": 5}}`` means every listed operator holds."""
    if isinstance(value, dict):
        return all(condition_holds(record, path, op, operand, case_sensitive) for op, operand in value.items())
    return condition_holds(record, path, "eq", value, case_sensitive)


# Simple fields and search


def simple_fields_hold(request: Mapping[str, Any], record: Record) -> bool:
    for name in SIMPLE_FIELDS:
        wanted = request.get(name)
        if wanted is not None and record.get(name) != wanted:
            return False
    wanted_type = request.get("interaction_type")
    return wanted_type is None or wanted_type in (record.get("interaction_type") or [])


def metadata_texts(value: Any) -> Iterable[str]:
    """Every string, and every number written as JSON writes it, anywhere inside ``value``."""
    if isinstance(value, str):
        yield value
    elif is_number(value):
        yield json.dumps(value)
    elif isinstance(value, list):
        for item in value:
            yield from metadata_texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from metadata_texts(item)


def search_holds(search: str | None, record: Record) -> bool:
    terms = (search or "").split()
    if not terms:  # a blank search constrains nothing (and costs nothing: the verifying proxy asks it every list)
        return True
    texts = [text.casefold() for text in metadata_texts(record.get("metadata"))]
    return all(any(term.casefold() in text for text in texts) for term in terms)


def matches(request: Mapping[str, Any], record: Record) -> bool:
    """A record is listed when it passes every simple field, the filters tree and the search."""
    filters = request.get("filters")
    return (
        simple_fields_hold(request, record)
        and (filters is None or tree_holds(filters, record))
        and search_holds(request.get("search"), record)
    )


# Order and pages


def happened(record: Record) -> datetime | None:
    """When a record happened (2026-11): its occurred_at, or its timestamp when it has none (a record stored
    before 2026-11); None when neither is an instant."""
    for path in ("occurred_at", "timestamp"):
        value = record.get(path)
        if isinstance(value, str):
            try:
                return instant(value)
            except ValueError:
                continue
    return None


def default_sort(version: str) -> dict[str, str]:
    """What no sort means: newest first, by when the record happened from 2026-11, by when it was recorded before."""
    return {"field": "occurred_at" if backfills(version) else "timestamp", "direction": "desc"}


def sort_key_value(record: Record, path: str, version: str = SEED_VERSION) -> Any:
    if path == "occurred_at" and backfills(version):
        # An explicit sort on occurred_at orders as the default does.
        moment = happened(record)
        return MISSING if moment is None else moment
    value = lookup(record, path)
    if path in TIMESTAMP_PATHS and isinstance(value, str):
        return instant(value)
    return value


def sort_records(
    records: Iterable[Record], sort: Mapping[str, Any] | None, version: str = SEED_VERSION
) -> list[Record]:
    """Sorted as the contract says: missing last either way, ties by interaction_id ascending.

    Only called for fields whose present values are all of one kind (the suite never asks
    for an order the contract leaves open), so plain Python comparison is the contract's.
    """
    sort = default_sort(version) if sort is None else sort
    path = sort["field"]
    descending = sort.get("direction", "asc") == "desc"
    by_id = sorted(records, key=lambda r: r["interaction_id"])
    present = [r for r in by_id if sort_key_value(r, path, version) not in (MISSING, None)]
    absent = [r for r in by_id if sort_key_value(r, path, version) in (MISSING, None)]
    # Python's sort is stable, also with reverse=True, so equal values keep interaction_id order.
    present.sort(key=lambda r: sort_key_value(r, path, version), reverse=descending)
    return present + absent


def answer(records: Iterable[Record], request: Mapping[str, Any], version: str = SEED_VERSION) -> list[Record]:
    """Every match of a list request, in order (before paging), under the contract of API version ``version``."""
    return sort_records([r for r in records if matches(request, r)], request.get("sort"), version)


def total_pages(total: int, limit: int) -> int:
    return math.ceil(total / limit)


def page_number(offset: int, limit: int) -> int:
    return offset // limit + 1


def ids(records: Sequence[Record]) -> list[str]:
    return [r["interaction_id"] for r in records]
