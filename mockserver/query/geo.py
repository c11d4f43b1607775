"""The 2026-11 geo operators: ``geo_radius``, ``geo_bounding_box`` and ``geo_polygon``.

The operators carry the names of the vector store's geo filters (Qdrant), and so do their operands:
``{"center": point, "radius": metres}``, ``{"top_left": point, "bottom_right": point}`` and
``{"exterior": {"points": [...]}, "interiors": [{"points": [...]}, ...]}``. A point is
``{"lat": ..., "lon": ...}`` in degrees or a GeoJSON position ``[lon, lat]``, in an operand as in a
record; a value holding a list of points matches when any of them does (the official client's words).
docs/list-semantics.md states the rest: distances are great-circle distances on a sphere of the
Earth's mean radius, a boundary belongs to the shape, a box whose top_left lies east of its
bottom_right crosses the antimeridian, and polygon edges are straight lines in (lon, lat).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockserver.errors import Location, ValidationFailed

GEO_OPERATORS = frozenset({"geo_radius", "geo_bounding_box", "geo_polygon"})
# The IUGG mean radius, in metres.
EARTH_RADIUS_M = 6_371_008.8

Point = tuple[float, float]  # (lat, lon) in degrees


def read_point(value: Any) -> Point | None:
    """A point as records and operands write it, or None for any other value."""
    lat: Any
    lon: Any
    if type(value) is dict and len(value) == 2:
        lat, lon = value.get("lat"), value.get("lon")
    elif type(value) is list and len(value) == 2:
        lon, lat = value
    else:
        return None
    if type(lat) not in (int, float) or type(lon) not in (int, float):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return float(lat), float(lon)


def points_of(value: Any) -> Iterator[Point]:
    """The points a stored value holds: itself, or the items of a list of points."""
    point = read_point(value)
    if point is not None:
        yield point
    elif type(value) is list:
        for item in value:
            point = read_point(item)
            if point is not None:
                yield point


@dataclass(frozen=True)
class Radius:
    center: Point
    radius_m: float

    def holds(self, point: Point) -> bool:
        return distance_m(self.center, point) <= self.radius_m


@dataclass(frozen=True)
class Box:
    north: float
    west: float
    south: float
    east: float

    def holds(self, point: Point) -> bool:
        lat, lon = point
        if not self.south <= lat <= self.north:
            return False
        if self.west <= self.east:
            return self.west <= lon <= self.east
        return lon >= self.west or lon <= self.east  # across the antimeridian


@dataclass(frozen=True)
class Polygon:
    exterior: tuple[Point, ...]
    interiors: tuple[tuple[Point, ...], ...]

    def holds(self, point: Point) -> bool:
        if not _inside_or_on(point, self.exterior):
            return False
        return not any(_inside_or_on(point, hole) and not _on_edge(point, hole) for hole in self.interiors)


Shape = Radius | Box | Polygon


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance (haversine) in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _edges(ring: Sequence[Point]) -> Iterator[tuple[Point, Point]]:
    return zip(ring, [*ring[1:], ring[0]], strict=True)


def _on_edge(point: Point, ring: Sequence[Point]) -> bool:
    y, x = point
    for (y1, x1), (y2, x2) in _edges(ring):
        cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
        if cross == 0 and min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2):
            return True
    return False


def _inside_or_on(point: Point, ring: Sequence[Point]) -> bool:
    """Even-odd rule in the (lon, lat) plane; a point on an edge is inside."""
    if _on_edge(point, ring):
        return True
    y, x = point
    inside = False
    for (y1, x1), (y2, x2) in _edges(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def geo_test(shape: Shape) -> Callable[[Any], bool]:
    """A stored value matches when one of its points lies in ``shape``."""
    return lambda value: any(shape.holds(point) for point in points_of(value))


def _point(value: Any, loc: Location) -> Point:
    point = read_point(value)
    if point is None:  # the schema let it through only if it is one
        raise ValidationFailed.at(loc, "expected a point: {'lat': ..., 'lon': ...} or [lon, lat]")
    return point


def _ring(value: Mapping[str, Any], loc: Location) -> tuple[Point, ...]:
    ring = [_point(item, (*loc, "points", index)) for index, item in enumerate(value["points"])]
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()  # closed as GeoJSON writes rings: the last point repeats the first
    if len(set(ring)) < 3:
        raise ValidationFailed.at((*loc, "points"), f"a ring needs at least 3 different points, got {len(set(ring))}")
    return tuple(ring)


def parse_shape(operator: str, operand: Mapping[str, Any], loc: Location) -> Shape:
    """The shape of a geo condition whose operand the schema has checked; what it cannot say is checked here."""
    if operator == "geo_radius":
        return Radius(_point(operand["center"], (*loc, "center")), float(operand["radius"]))
    if operator == "geo_bounding_box":
        north, west = _point(operand["top_left"], (*loc, "top_left"))
        south, east = _point(operand["bottom_right"], (*loc, "bottom_right"))
        if north < south:
            raise ValidationFailed.at(
                (*loc, "top_left"), f"top_left must not lie south of bottom_right: lat {north} < {south}"
            )
        return Box(north, west, south, east)
    exterior = _ring(operand["exterior"], (*loc, "exterior"))
    holes = tuple(_ring(hole, (*loc, "interiors", index)) for index, hole in enumerate(operand.get("interiors") or []))
    return Polygon(exterior, holes)
