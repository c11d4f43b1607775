"""The suites' reference evaluator and the mock's engine agree on what API version 2026-11 added.

``specs/oracle/reference.py`` states docs/list-semantics.md ("API version 2026-11") on its own; here
random records (texts, points in both forms, lists of points, values that are no point, occurred_at
in several spellings, null or missing) and random operands go through both, and the engine must list
exactly the records the reference matches, in the reference's order. Polygon vertices and points are
small integers (and halves), so that "on an edge" is exact in floating point too and comes up often.
The examples at the end hold the reference itself to the docs page's own words.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import specs
from mockserver.errors import ValidationFailed
from mockserver.query import parse_list_request, run_query
from mockserver.store import NamespaceStore
from specs.oracle import reference

V2026 = specs.edition(specs.V2026_11)
WHOLE = {"limit": "1000"}
DRAWN = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Texts: inflections that share a stem, case and punctuation, a repeated word, underscores and digits.
TEXTS = (
    "Drinking coffee in Paris!",
    "I drink COFFEE, daily.",
    "coffee drinks at paris cafes",
    "Paris coffee",
    "walked_fast to the park 42",
    "Straße STRASSE",
    "",
    "   ",
)
WORDS = ("drink", "Drinks", "coffee", "in", "paris", "PARIS", "cafe", "walked_fast", "walk", "42", "strasse", "ß")
STAMPS = (
    "2025-01-01T00:00:00Z",
    "2025-01-01T02:00:00+02:00",
    "2025-01-01T00:00:00.5Z",
    "2024-12-31T23:59:59.999999Z",
    "2025-01-02",
    "2025-01-01T00:00:00",
)
COORDINATES = (-6, -3, -1, 0, 0.5, 1, 2, 3, 6)
LONGITUDES = (*COORDINATES, 175, 179, 180, -180, -179, -175)

texts = st.sampled_from(TEXTS)
coordinates = st.sampled_from(COORDINATES)


@st.composite
def points(draw: st.DrawFn, longitudes: tuple[float, ...] = COORDINATES) -> Any:
    """A point as {lat, lon} or as a GeoJSON [lon, lat]."""
    lat, lon = draw(coordinates), draw(st.sampled_from(longitudes))
    return {"lat": lat, "lon": lon} if draw(st.booleans()) else [lon, lat]


# Values that hold no point: a string, a number, an object with another key, out of range, three numbers.
NOT_POINTS = st.sampled_from(
    ["48.8,2.3", 7, {"lat": 1, "lon": 1, "alt": 0}, {"lat": 91, "lon": 0}, [200, 0], [1, 2, 3]]
)
places = st.one_of(
    points(LONGITUDES),
    st.lists(st.one_of(points(LONGITUDES), NOT_POINTS), max_size=3),
    NOT_POINTS,
    st.none(),
)
text_values = st.one_of(texts, st.lists(texts, max_size=3), st.sampled_from([None, 3, True]))


@st.composite
def record_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 20))
    ids = draw(st.lists(st.uuids(), min_size=count, max_size=count, unique=True))
    records = []
    for interaction_id in ids:
        record: dict[str, Any] = {"interaction_id": str(interaction_id), "timestamp": draw(st.sampled_from(STAMPS))}
        occurred = draw(st.one_of(st.sampled_from(STAMPS), st.none(), st.just(reference.MISSING)))
        if occurred is not reference.MISSING:
            record["occurred_at"] = occurred
        metadata = {}
        for key, values in (("text", text_values), ("place", places)):
            if draw(st.booleans()):
                metadata[key] = draw(values)
        record["metadata"] = metadata
        records.append(record)
    return records


def engine_ids(records: list[dict[str, Any]], body: dict[str, Any]) -> list[str]:
    """The mock's answer, in order: the records stored, the body parsed under 2026-11 and run."""
    store = NamespaceStore("reference")
    for record in records:
        store.add(record)
    page = orjson.loads(run_query(store, parse_list_request(body, WHOLE, V2026), "/list").body())
    return [row["interaction_id"] for row in page["results"]]


def reference_ids(records: list[dict[str, Any]], body: dict[str, Any]) -> list[str]:
    return reference.ids(reference.answer(records, body, specs.V2026_11))


def check(records: list[dict[str, Any]], field: str, operator: str, operand: Any, case_sensitive: bool) -> None:
    condition = {"field": field, "operator": operator, "value": operand, "case_sensitive": case_sensitive}
    for body in ({"filters": {"AND": [condition]}}, {"filters": {"NOT": [condition]}}):
        assert engine_ids(records, body) == reference_ids(records, body), body


def _at(value: Any) -> reference.Point:
    return reference.operand_point(value)


@st.composite
def rings(draw: st.DrawFn) -> dict[str, Any]:
    """3 to 6 vertices, at least 3 of them different, closed or not, maybe crossing itself."""
    corners = draw(st.lists(points(), min_size=3, max_size=6).filter(lambda ps: len(set(map(_at, ps))) >= 3))
    return {"points": [*corners, corners[0]] if draw(st.booleans()) else corners}


@st.composite
def boxes(draw: st.DrawFn) -> dict[str, Any]:
    """Any two corners with top_left not south of bottom_right: west of east, or across the antimeridian."""
    north, south = sorted((draw(coordinates), draw(coordinates)), reverse=True)
    west, east = draw(st.sampled_from(LONGITUDES)), draw(st.sampled_from(LONGITUDES))
    return {"top_left": {"lat": north, "lon": west}, "bottom_right": [east, south]}


radius_operands = st.fixed_dictionaries(
    {"center": points(LONGITUDES), "radius": st.sampled_from([0, 1, 50_000, 111_195, 400_000, 1_500_000, 20_000_000])}
)
polygon_operands = st.fixed_dictionaries({"exterior": rings()}, optional={"interiors": st.lists(rings(), max_size=2)})


@DRAWN
@given(records=record_lists(), operator=st.sampled_from(["words", "phrase"]), data=st.data())
def test_words_and_phrase(records: list[dict[str, Any]], operator: str, data: st.DataObject) -> None:
    operand = data.draw(
        st.one_of(
            texts,
            st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join),
            st.sampled_from(["coffee in paris", "paris coffee", "coffee, in paris", "drinking coffee in"]),
        ),
        label="operand",
    )
    check(records, "metadata.text", operator, operand, data.draw(st.booleans(), label="case_sensitive"))


@DRAWN
@given(records=record_lists(), operand=radius_operands)
def test_geo_radius(records: list[dict[str, Any]], operand: dict[str, Any]) -> None:
    check(records, "metadata.place", "geo_radius", operand, False)


@DRAWN
@given(records=record_lists(), operand=boxes())
def test_geo_bounding_box(records: list[dict[str, Any]], operand: dict[str, Any]) -> None:
    check(records, "metadata.place", "geo_bounding_box", operand, False)


@DRAWN
@given(records=record_lists(), operand=polygon_operands)
def test_geo_polygon(records: list[dict[str, Any]], operand: dict[str, Any]) -> None:
    check(records, "metadata.place", "geo_polygon", operand, False)


@DRAWN
@given(
    records=record_lists(),
    operator=st.sampled_from(["gt", "gte", "lt", "lte"]),
    operand=st.sampled_from(STAMPS),
    sort=st.sampled_from([None, "asc", "desc"]),
)
def test_occurred_at_ranges_and_order(
    records: list[dict[str, Any]], operator: str, operand: str, sort: str | None
) -> None:
    """Ranges on occurred_at compare instants; no sort (or a sort on occurred_at) orders by when each record
    happened, a record without occurred_at by its timestamp, ties by interaction_id."""
    ordered = {} if sort is None else {"sort": {"field": "occurred_at", "direction": sort}}
    assert engine_ids(records, ordered) == reference_ids(records, ordered)
    check(records, "occurred_at", operator, operand, False)


def test_a_box_whose_top_left_lies_south_of_its_bottom_right_is_refused() -> None:
    operand = {"top_left": {"lat": 1, "lon": 0}, "bottom_right": {"lat": 2, "lon": 1}}
    with pytest.raises(ValidationFailed, match="south of bottom_right"):
        engine_ids([], {"filters": {"metadata.place": {"geo_bounding_box": operand}}})


# The reference against the docs page's examples.


@pytest.mark.parametrize(
    ("operator", "operand", "value", "holds"),
    [
        ("words", "drink", "Drinking coffee in Paris!", True),
        ("words", "drinks coffee", "I drink COFFEE, daily.", True),
        ("words", "drinks tea", "I drink COFFEE, daily.", False),
        ("words", "!!", "anything", True),  # an operand without words holds for every string
        ("words", "drink", ["no", "drinking"], True),  # a list: one of its strings
        ("words", "drink", 5, False),
        ("phrase", "coffee in paris", "Drinking coffee in Paris!", True),
        ("phrase", "paris coffee", "Drinking coffee in Paris!", False),
        ("phrase", "drinks coffee", "Drinking coffee in Paris!", False),  # as written, no stems
        ("phrase", "", "x", True),
    ],
)
def test_words_and_phrase_as_the_docs_say(operator: str, operand: str, value: Any, holds: bool) -> None:
    assert reference.holds(operator, value, operand, False, "metadata.text") is holds


PARIS = {"lat": 48.8566, "lon": 2.3522}
SQUARE = {"points": [[0, 0], [4, 0], [4, 4], [0, 4]]}
HOLE = {"points": [{"lat": 1, "lon": 1}, {"lat": 1, "lon": 3}, {"lat": 3, "lon": 3}, {"lat": 3, "lon": 1}, [1, 1]]}


@pytest.mark.parametrize(
    ("operator", "operand", "value", "holds"),
    [
        ("geo_radius", {"center": PARIS, "radius": 0}, [2.3522, 48.8566], True),  # the boundary is in
        ("geo_radius", {"center": [2.35, 48.85], "radius": 2000}, {"lat": 48.857, "lon": 2.352}, True),
        ("geo_radius", {"center": [2.35, 48.85], "radius": 500}, {"lat": 48.857, "lon": 2.352}, False),
        ("geo_radius", {"center": [180, 0], "radius": 112_000}, [-179.5, 0.5], True),  # across the antimeridian
        ("geo_radius", {"center": PARIS, "radius": 1}, ["x", PARIS], True),  # a list: any of its points
        ("geo_radius", {"center": PARIS, "radius": 1}, {**PARIS, "alt": 35}, False),  # no point
        ("geo_bounding_box", {"top_left": [170, 10], "bottom_right": [-170, -10]}, [179, 0], True),
        ("geo_bounding_box", {"top_left": [170, 10], "bottom_right": [-170, -10]}, [0, 0], False),
        ("geo_bounding_box", {"top_left": [0, 10], "bottom_right": [10, 0]}, [10, 10], True),  # a corner is in
        ("geo_polygon", {"exterior": SQUARE}, [4, 2], True),  # on an edge
        ("geo_polygon", {"exterior": SQUARE, "interiors": [HOLE]}, [2, 2], False),  # in the hole
        ("geo_polygon", {"exterior": SQUARE, "interiors": [HOLE]}, [1, 2], True),  # on the hole's edge
        ("geo_polygon", {"exterior": SQUARE}, [5, 2], False),
    ],
)
def test_geo_as_the_docs_say(operator: str, operand: dict[str, Any], value: Any, holds: bool) -> None:
    assert reference.holds(operator, value, operand, False, "metadata.place") is holds


def test_the_reference_is_written_without_the_mock() -> None:
    """The oracle imports nothing of the engine it judges (nor of the specs the engine reads)."""
    imported = set()
    for node in ast.walk(ast.parse(Path(reference.__file__).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert not imported & {"mockserver", "specs"}, imported
