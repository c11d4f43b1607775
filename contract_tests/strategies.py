"""Hypothesis strategies for list requests whose meaning the contract fixes, and for new interactions.

Operands are drawn from the values the seeded records really hold (case-flipped, cut into
prefixes and substrings, ints turned into floats) so that conditions hit and miss in
interesting ways. What is left out is left out on purpose, because the contract leaves it
open (CONTRACT.md; rule 4 of the suites): null operands, list or object operands to eq,
timestamps that do not parse, regex syntax beyond the common core, sorts over fields
holding values of several kinds or null, nesting beyond 4 levels (the run's scope adds a
fifth), and pages without an explicit limit.

Under API version 2026-11 a third of the conditions use what that version added (ranges on
``occurred_at``, ``words``, ``phrase``, the geo operators), with the operands ``geo_operands``
and ``TextReadings`` allow: only those whose answer the contract fixes.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import snowballstemmer
from hypothesis import strategies as st

import specs
from contract_tests.dataset import Dataset, unique_tag
from specs.oracle import reference

Strategy = st.SearchStrategy

LOGICAL_KEYS = ("AND", "OR", "NOT")
MAX_TREE_DEPTH = 4


def operators(version: str) -> tuple[str, ...]:
    """The filter operators of API version ``version``."""
    return tuple(specs.schema("FilterOperator", specs.edition(version))["enum"])


def interaction_types(version: str) -> tuple[str, ...]:
    """The interaction types of API version ``version``."""
    return tuple(specs.schema("InteractionType", specs.edition(version))["enum"])


FILTER_PATHS = (
    "feature_id",
    "interaction_type",
    "position",
    "user_id",
    "session_id",
    "execution_id",
    "retriever_id",
    "document_score",
    "result_set_size",
    "timestamp",
    "created_at",
    "metadata.device",
    "metadata.duration_ms",
    "metadata.city",
    "metadata.tags",
    "metadata.flag",
    "metadata.rating",
    "metadata.nested",
    "metadata.nested.level",
    "metadata.nested.label",
    "metadata.note",
    "metadata.not_there",
    "query_snapshot",
    "query_snapshot.text",
    "query_snapshot.filters.price",
)
SORT_PATHS = (
    "feature_id",
    "position",
    "timestamp",
    "created_at",
    "interaction_id",
    "metadata.duration_ms",
    "metadata.city",
    "metadata.nested.level",
    "metadata.note",
    "query_snapshot.text",
)
SIMPLE_FIELDS = ("execution_id", "retriever_id", "session_id", "user_id", "feature_id")
# How a stored instant compares with a string under eq, contains, regex... depends on how it is
# stored; only the order of instants is fixed (CONTRACT.md > Operators), so that is all that is asked.
TIMESTAMP_OPERATORS = ("gt", "gte", "lt", "lte", "exists", "is_null")
_PLAIN = re.compile(r"[A-Za-z0-9 ]+")

# API version 2026-11: the fields it added, where words and phrase look (paths holding only texts), and
# where points are (dataset.METADATA_POOLS_2026_11).
FILTER_PATHS_2026_11 = ("occurred_at", "feature_uri", "metadata.review", "metadata.place")
SORT_PATHS_2026_11 = ("occurred_at",)
WORD_OPERATORS = ("words", "phrase")
WORD_PATHS = ("metadata.review", "metadata.note", "metadata.city", "query_snapshot.text", "feature_id")
GEO_PATHS = ("metadata.place",)
# One of these is drawn first for a 2026-11 condition, so that each gets its share whatever the paths.
ADDED_KINDS = ("occurred_at", *WORD_OPERATORS, *reference.GEO_OPERATORS)


def case_variants(text: str) -> Strategy[str]:
    return st.sampled_from(sorted({text, text.upper(), text.lower(), text.swapcase(), text.title()}))


def pieces(text: str) -> Strategy[str]:
    """Non-empty prefixes, suffixes and inner substrings of ``text`` (itself when empty)."""
    if not text:
        return st.just(text)
    return st.integers(0, len(text) - 1).flatmap(lambda i: st.integers(i + 1, len(text)).map(lambda j: text[i:j]))


def prefixes(text: str) -> Strategy[str]:
    return st.integers(1, max(1, len(text))).map(lambda j: text[:j])


def suffixes(text: str) -> Strategy[str]:
    return st.integers(0, max(0, len(text) - 1)).map(lambda i: text[i:])


def numbers_near(value: int | float) -> Strategy[int | float]:
    """The number itself, as int and as float, and its close neighbours."""
    near: list[int | float] = [value, value + 1, value - 1, value + 0.5, value - 0.5]
    if float(value).is_integer():
        near += [int(value), float(value)]
    return st.sampled_from(near)


def _often(hit: Strategy[Any], *others: Strategy[Any]) -> Strategy[Any]:
    """``hit`` three times out of four (when there is one): conditions that never match teach little."""
    return st.one_of(hit, hit, hit, *others) if others else hit


class QueryStrategies:
    """Every strategy the semantic suite draws from, built once from the seeded records."""

    def __init__(self, dataset: Dataset, geo_refused: Mapping[str, int] | None = None) -> None:
        """``geo_refused``: the geo operators the target refuses in Qdrant's shape, with the status; never drawn."""
        self.dataset = dataset
        self.added = reference.backfills(dataset.version)  # what API version 2026-11 added is drawn too
        self.geo_refused = dict(geo_refused or {})
        known = operators(dataset.version)
        # The version's operators: words, phrase and the geo ones only where they suit (operators_for).
        self.operators = tuple(op for op in known if op not in (*WORD_OPERATORS, *reference.GEO_OPERATORS))
        self.word_operators = tuple(op for op in WORD_OPERATORS if op in known)
        self.geo_operators = tuple(op for op in reference.GEO_OPERATORS if op in known and op not in self.geo_refused)
        drawn = (*(("occurred_at",) if self.added else ()), *self.word_operators, *self.geo_operators)
        self.added_kinds = tuple(kind for kind in ADDED_KINDS if kind in drawn)
        self.paths = FILTER_PATHS + (FILTER_PATHS_2026_11 if self.added else ())
        self.interaction_types = interaction_types(dataset.version)
        self.strings: dict[str, list[str]] = {}
        self.numbers: dict[str, list[int | float]] = {}
        for path in self.paths:
            values = dataset.values_at(path)
            self.strings[path] = sorted({v for v in values if isinstance(v, str)})
            self.numbers[path] = sorted({v for v in values if reference.is_number(v)})
        sort_paths = SORT_PATHS + (SORT_PATHS_2026_11 if self.added else ())
        self.sort_paths = [path for path in sort_paths if dataset.sortable(path)]
        self.instants = self._instants()
        self.points = sorted({p for r in dataset.records for p in reference.points(reference.lookup(r, GEO_PATHS[0]))})
        self.readings = TextReadings()
        self.made: dict[tuple[Any, ...], Strategy[Any]] = {}

    def kept(self, key: tuple[Any, ...], make: Callable[[], Strategy[Any]]) -> Strategy[Any]:
        """The strategy made for ``key`` before, or made now: building one anew for every draw costs more
        than drawing from it (Hypothesis reads a composite's source when it is made)."""
        if key not in self.made:
            self.made[key] = make()
        return self.made[key]

    def _instants(self) -> list[str]:
        """Record instants as sent back, the same instants written with +00:00, and dates around them."""
        found: set[str] = set()
        for path in reference.TIMESTAMP_PATHS:
            for stamp in self.strings.get(path, []):
                moment = reference.instant(stamp)
                found |= {stamp, moment.isoformat(), (moment + timedelta(microseconds=1)).isoformat()}
                for days in (-1, 0, 1):
                    found.add((moment + timedelta(days=days)).date().isoformat())
        return sorted(found)

    def operators_for(self, path: str) -> tuple[str, ...]:
        """The operators asked of a path: on instants only their order, on points the geo operators (what any
        other operator means on a point is not asked), elsewhere the seed's and, on texts, words and phrase."""
        if path in reference.TIMESTAMP_PATHS:
            return TIMESTAMP_OPERATORS
        if path in GEO_PATHS:
            return (*self.geo_operators, "exists", "is_null")
        return self.operators + (self.word_operators if path in WORD_PATHS else ())

    # Operands: mostly values the records hold, sometimes bent (case, int/float, neighbours), sometimes a miss.

    def _strings(self, path: str, cut: Callable[[str], Strategy[str]] | None = None) -> Strategy[str] | None:
        if not self.strings[path]:
            return None
        found = st.sampled_from(self.strings[path])
        if cut is not None:
            found = found.flatmap(cut)
        return _often(found, found.flatmap(case_variants))

    def scalar(self, path: str) -> Strategy[Any]:
        """An eq-style operand: a value found at the path, case-flipped, a near number, or a plain miss."""
        options = [s for s in (self._strings(path), self._numbers(path)) if s is not None]
        miss = st.sampled_from(["zz-none", "1", 7, 0.5, True, False])
        return _often(st.one_of(*options), miss) if options else miss

    def _numbers(self, path: str) -> Strategy[int | float] | None:
        if not self.numbers[path]:
            return None
        found = st.sampled_from(self.numbers[path])
        return _often(found, found.flatmap(numbers_near))

    def ordered_operand(self, path: str) -> Strategy[Any]:
        if path in reference.TIMESTAMP_PATHS:
            return st.sampled_from(self.instants)
        options = [s for s in (self._numbers(path), self._strings(path, pieces)) if s is not None]
        miss = st.sampled_from([3, 0.5, "m", "B"])
        return _often(st.one_of(*options), miss) if options else miss

    def text_operand(self, path: str, cut: Callable[[str], Strategy[str]] = pieces) -> Strategy[str]:
        found = self._strings(path, cut)
        return st.sampled_from(["a", "Blue", "zz"]) if found is None else found

    def pattern(self, path: str) -> Strategy[str]:
        """Regexes in the common core of every dialect (RE2 included): literals, ^, $, ., .*, [..], |, ?."""
        words = sorted({p for s in self.strings[path] for p in re.split(r"[^A-Za-z0-9 ]+", s) if _PLAIN.fullmatch(p)})
        word = st.sampled_from(words or ["a", "Blue"])
        bit = _often(word, word.flatmap(pieces)).flatmap(case_variants)
        return st.one_of(
            bit,
            word.flatmap(prefixes).map(lambda w: f"^{w}"),
            word.flatmap(suffixes).map(lambda w: f"{w}$"),
            st.tuples(bit, bit).map(lambda ab: f"{ab[0]}.*{ab[1]}"),
            st.tuples(bit, bit).map(lambda ab: f"{ab[0]}|{ab[1]}"),
            bit.map(lambda w: f"{w[:-1]}.?{w[-1:]}" if len(w) > 1 else f"[{w}x]"),
        )

    def operand(self, path: str, operator: str) -> Strategy[Any]:
        return self.kept(("operand", path, operator), lambda: self._operand(path, operator))

    def _operand(self, path: str, operator: str) -> Strategy[Any]:
        if operator in ("eq", "ne"):
            return self.scalar(path)
        if operator in ("in", "nin"):
            return st.lists(self.scalar(path), min_size=1, max_size=3)
        if operator in ("gt", "gte", "lt", "lte"):
            return self.ordered_operand(path)
        if operator == "contains":
            return st.one_of(self.text_operand(path), self.scalar(path))
        if operator == "regex":
            return self.pattern(path)
        if operator in ("exists", "is_null"):
            return st.booleans()
        if operator == "starts_with":
            return self.text_operand(path, prefixes)
        if operator == "ends_with":
            return self.text_operand(path, suffixes)
        if operator in WORD_OPERATORS:
            return self.word_operand(path, operator)
        if operator in reference.GEO_OPERATORS:
            return geo_operands(operator, self.points)
        return self.text_operand(path)

    def word_operand(self, path: str, operator: str) -> Strategy[str]:
        """Whole words of the texts at ``path`` (inflected too, for words), case-flipped: for phrase a run of
        them as they stand in one text, or out of order. Only operands every reading agrees on (TextReadings)."""
        texts = self.strings[path]
        if operator == "words":
            vocabulary = sorted({form for word in words_of(texts) for form in inflections(word)} | set(MISSES))
            drawn = st.lists(st.sampled_from(vocabulary).flatmap(case_variants), min_size=1, max_size=3).map(" ".join)
        else:
            runs = phrases(texts)
            drawn = st.sampled_from(runs or list(MISSES)).flatmap(case_variants)
        return drawn.filter(lambda operand: self.readings.agree(operator, operand, texts))

    # Filter trees

    def condition(self) -> Strategy[dict[str, Any]]:
        """A condition on any path; under 2026-11, one time in three one on what that version added."""
        return self.kept(("condition",), self._condition)

    def _condition(self) -> Strategy[dict[str, Any]]:

        @st.composite
        def draw(draw: Callable[..., Any]) -> dict[str, Any]:
            condition: dict[str, Any]
            if self.added_kinds and draw(st.integers(0, 2)) == 0:
                condition = draw(self.added_condition(draw(st.sampled_from(self.added_kinds))))
            else:
                path = draw(st.sampled_from(self.paths))
                condition = draw(self.condition_on(path, draw(st.sampled_from(self.operators_for(path)))))
            return condition

        return draw()

    def added_condition(self, kind: str) -> Strategy[dict[str, Any]]:
        """A condition on one kind of what API version 2026-11 added (ADDED_KINDS): a range on occurred_at, or an
        added operator on a path it suits."""
        if kind == "occurred_at":
            pairs = st.sampled_from(TIMESTAMP_OPERATORS[:4]).map(lambda operator: ("occurred_at", operator))
        else:
            paths = GEO_PATHS if kind in reference.GEO_OPERATORS else WORD_PATHS
            pairs = st.sampled_from(paths).map(lambda path: (path, kind))
        return pairs.flatmap(lambda pair: self.condition_on(*pair))

    def condition_on(self, path: str, operator: str) -> Strategy[dict[str, Any]]:
        """``{field, operator, value}`` with an operand drawn for them, and now and then its own case_sensitive."""
        return self.kept(("condition", path, operator), lambda: self._condition_on(path, operator))

    def _condition_on(self, path: str, operator: str) -> Strategy[dict[str, Any]]:

        @st.composite
        def draw(draw: Callable[..., Any]) -> dict[str, Any]:
            condition = {"field": path, "operator": operator, "value": draw(self.operand(path, operator))}
            case_sensitive = draw(st.sampled_from([None, None, True, False]))
            if case_sensitive is not None:
                condition["case_sensitive"] = case_sensitive
            return condition

        return draw()

    def shorthand(self) -> Strategy[tuple[str, Any]]:
        """``(path, value)``: a bare value (eq) or an object of one or two operators."""
        return self.kept(("shorthand",), self._shorthand)

    def _shorthand(self) -> Strategy[tuple[str, Any]]:

        @st.composite
        def draw(draw: Callable[..., Any]) -> tuple[str, Any]:
            path = draw(st.sampled_from(self.paths))
            if path not in reference.TIMESTAMP_PATHS and path not in GEO_PATHS and draw(st.booleans()):
                return path, draw(self.scalar(path))
            operators = draw(st.lists(st.sampled_from(self.operators_for(path)), min_size=1, max_size=2, unique=True))
            return path, {op: draw(self.operand(path, op)) for op in operators}

        return draw()

    def tree(self, depth: int = MAX_TREE_DEPTH) -> Strategy[dict[str, Any]]:
        """A LogicalOperator at most ``depth`` levels deep, never empty; small, so that answers are rarely empty."""
        return self.kept(("tree", depth), lambda: self._tree(depth))

    def _tree(self, depth: int) -> Strategy[dict[str, Any]]:
        condition = self.condition()
        child = condition if depth == 1 else st.one_of(condition, condition, self.tree(depth - 1))

        @st.composite
        def draw(draw: Callable[..., Any]) -> dict[str, Any]:
            tree: dict[str, Any] = {}
            for key in draw(st.lists(st.sampled_from(LOGICAL_KEYS), max_size=2, unique=True)):
                tree[key] = draw(st.lists(child, min_size=1, max_size=3))
            if not tree or draw(st.integers(0, 3)) == 0:
                path, value = draw(self.shorthand())
                tree[path] = value
            case_sensitive = draw(st.sampled_from([None, None, True, False]))
            if case_sensitive is not None:
                tree["case_sensitive"] = case_sensitive
            return tree

        return draw()

    # The other parts of a list request

    def simple_fields(self) -> Strategy[dict[str, Any]]:
        """One or two simple fields, most often with a value some record holds exactly."""

        def value(name: str) -> Strategy[Any]:
            if name == "interaction_type":
                return st.sampled_from(self.interaction_types)
            found = st.sampled_from(self.strings[name] or ["none"])
            return found | found.flatmap(case_variants)

        names = st.lists(st.sampled_from((*SIMPLE_FIELDS, "interaction_type")), min_size=1, max_size=2, unique=True)
        return names.flatmap(lambda chosen: st.fixed_dictionaries({name: value(name) for name in chosen}))

    def search(self) -> Strategy[str]:
        texts = reference.metadata_texts([r.get("metadata") for r in self.dataset.records])
        words = sorted({word for text in texts for word in text.split()})
        term = st.one_of(st.sampled_from(words).flatmap(pieces).flatmap(case_variants), st.sampled_from(["zq", "42"]))
        terms = st.lists(term, max_size=3)
        separator = st.sampled_from([" ", "  ", "\t"])
        return st.tuples(terms, separator).map(lambda ts: ts[1].join(ts[0]))

    def sort(self) -> Strategy[dict[str, Any]]:
        return st.fixed_dictionaries(
            {"field": st.sampled_from(self.sort_paths)}, optional={"direction": st.sampled_from(["asc", "desc"])}
        )

    def request(self) -> Strategy[dict[str, Any]]:
        """A whole list request body: any mix of simple fields, filters, search and sort."""
        return st.tuples(
            st.just({}) | self.simple_fields(),
            st.none() | self.tree(),
            st.none() | self.search(),
            st.none() | self.sort(),
        ).map(_assemble)


def _assemble(parts: tuple[dict[str, Any], Any, Any, Any]) -> dict[str, Any]:
    simple, filters, search, sort = parts
    request = dict(simple)
    for name, value in (("filters", filters), ("search", search), ("sort", sort)):
        if value is not None:
            request[name] = value
    return request


limits = st.integers(min_value=1, max_value=60)
offsets = st.integers(min_value=0, max_value=60)


# words and phrase (2026-11). The client says what words does ("every word of the value must appear in the
# field as a whole word, matched on its English stem (drinking = drinks = drink)") and names phrase; which
# stemmer, what a word is and whether phrase stems are left open. So an operand is asked only when every
# reading agrees on it, for every text at the path, in either case sensitivity (TextReadings); and none holds
# a stop word, which some engines drop.

STOP_WORDS = frozenset({"a", "an", "and", "at", "i", "in", "of", "on", "the", "to"})
# Regular inflections, which every English stemmer conflates (drinking = drinks = drink).
SUFFIXES = ("", "s", "ed", "ing")
MISSES = ("museum", "tea party")
_PHRASE_RUN = 3


def words_of(texts: Iterable[str]) -> list[str]:
    """The distinct words of ``texts`` (letters and digits), lower-case, stop words left out."""
    return sorted({w for text in texts for w in re.findall(r"[^\W_]+", text.lower()) if w not in STOP_WORDS})


def inflections(word: str) -> list[str]:
    """The word and its regular inflections, built on the word as it stands and on it without an -s/-ed/-ing."""
    bases = {word} | {word[: -len(end)] for end in SUFFIXES[1:] if word.endswith(end) and len(word) > len(end) + 2}
    return sorted({base + end for base in bases for end in SUFFIXES})


def phrases(texts: Iterable[str]) -> list[str]:
    """Runs of up to three words standing next to each other in a text (no punctuation between them), and
    the same runs reversed, which are no phrase of that text."""
    found: set[str] = set()
    for text in texts:
        for stretch in re.split(r"[^\w\s]+", text):
            words = stretch.split()
            for start, end in itertools.combinations(range(len(words) + 1), 2):
                run = words[start:end]
                if end - start <= _PHRASE_RUN and not STOP_WORDS & {w.lower() for w in run}:
                    found |= {" ".join(run), " ".join(reversed(run))}
    return sorted(found)


class TextReadings:
    """The readings of words and phrase the contract leaves open, and whether they agree on an operand.

    A word is a run of letters, digits and underscores, or of letters and digits only; a stem is
    Snowball's English (Porter2) or Porter's; phrase compares words as written or by stem, or the
    operand as a substring of the text. docs/list-semantics.md picks one of each; the suites ask only
    what all of them answer alike.
    """

    TOKENIZERS = (re.compile(r"\w+"), re.compile(r"[^\W_]+"))

    def __init__(self) -> None:
        self.stemmers = tuple(snowballstemmer.stemmer(name) for name in ("english", "porter"))
        self.agreed: dict[tuple[str, str, tuple[str, ...]], bool] = {}

    def answers(self, operator: str, operand: str, text: str, case_sensitive: bool) -> set[bool]:
        folded, wanted = (text, operand) if case_sensitive else (text.casefold(), operand.casefold())
        found: set[bool] = set()
        for tokenizer in self.TOKENIZERS:
            have, want = tokenizer.findall(folded), tokenizer.findall(wanted)
            for stemmer in self.stemmers:
                stem: Callable[[list[str]], list[str]] = stemmer.stemWords
                if operator == "words":
                    found.add(set(stem(want)) <= set(stem(have)))
                else:
                    for read in (list, stem):
                        whole, part = read(have), read(want)
                        found.add(any(whole[i : i + len(part)] == part for i in range(len(whole) - len(part) + 1)))
        if operator == "phrase":
            found.add(wanted in folded)
        return found

    def agree(self, operator: str, operand: str, texts: Sequence[str]) -> bool:
        key = (operator, operand, tuple(texts))
        if key not in self.agreed:
            self.agreed[key] = all(
                len(self.answers(operator, operand, text, case_sensitive)) == 1
                for text in texts
                for case_sensitive in (False, True)
            )
        return self.agreed[key]


# The geo operators (2026-11). What a suite may assert about them, decided here:
# - the client names the operators (Qdrant's filter names) and says how points are stored ({lat, lon} or a
#   GeoJSON [lon, lat]; a field holding a list of points matches if any point does), but not their operands;
# - so operands are written as Qdrant writes them ({"center": {lat, lon}, "radius": metres}; {"top_left",
#   "bottom_right"}; {"exterior": {"points": [...]}, "interiors": [...]} with closed rings), and a target that
#   takes them is held to Qdrant's meaning; Schemathesis never holds a target to accepting them
#   (conformance.accepted_as_documented), so a server whose geo operands differ fails no check for that
#   alone, only for answering Qdrant's operands with something else;
# - and only points clearly inside or outside a shape are relied upon: at least 1 % of the radius (and 100 m)
#   from a circle, 0.01 degrees from a box's sides, 0.01 degrees plus 5 % of its size from a polygon's edges.
#   So the Earth's model (a sphere of which radius, an ellipsoid), straight or great-circle polygon edges
#   and whether a boundary belongs to the shape, all left open, never decide an answer the suites check;
#   nor do boxes across the antimeridian, whose reading Qdrant's docs leave open: none is drawn.

RADII_M = (1_000, 3_000, 10_000, 30_000, 300_000, 1_000_000, 2_000_000)  # times 10 still a valid radius
SIZES_DEG = (0.03, 0.1, 0.5, 2.0, 8.0)
NUDGES_DEG = (0.0, 0.0, 0.01, -0.02, 0.05, -0.3, 1.0)
RADIUS_MARGIN = 0.01
RADIUS_MARGIN_M = 100.0
EDGE_MARGIN_DEG = 0.01
POLYGON_MARGIN = 0.05
# Polygon outlines around a centre, as (lat, lon) in units of the polygon's size: counter-clockwise.
OUTLINES = (
    ((-1.0, -1.0), (-1.0, 1.0), (1.0, 1.0), (1.0, -1.0)),
    ((-1.0, -1.0), (-1.0, 1.0), (1.0, 0.0)),
    ((0.0, -1.0), (-1.0, -0.5), (-1.0, 0.5), (0.0, 1.0), (1.0, 0.5), (1.0, -0.5)),
)


def _place(lat: float, lon: float) -> dict[str, float]:
    return {"lat": round(lat, 4), "lon": round(lon, 4)}


def _on_earth(lat: float, lon: float) -> bool:
    return -90 <= lat <= 90 and -180 <= lon <= 180


def _segment_distance(p: reference.Point, a: reference.Point, b: reference.Point) -> float:
    """Distance in degrees from p to the segment ab, in the (lon, lat) plane."""
    (py, px), (ay, ax), (by, bx) = p, a, b
    length = (bx - ax) ** 2 + (by - ay) ** 2
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / length))
    return math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)))


def _clear(operator: str, operand: dict[str, Any], size: float, points: Sequence[reference.Point]) -> bool:
    """Whether no point lies near the shape's boundary (see the decision above)."""
    if operator == "geo_radius":
        center, radius = (operand["center"]["lat"], operand["center"]["lon"]), operand["radius"]
        margin = max(RADIUS_MARGIN * radius, RADIUS_MARGIN_M)
        return all(abs(reference.great_circle_m(center, p) - radius) > margin for p in points)
    if operator == "geo_bounding_box":
        north, west = operand["top_left"]["lat"], operand["top_left"]["lon"]
        south, east = operand["bottom_right"]["lat"], operand["bottom_right"]["lon"]
        return all(
            min(abs(lat - north), abs(lat - south), abs(lon - west), abs(lon - east)) > EDGE_MARGIN_DEG
            for lat, lon in points
        )
    margin = EDGE_MARGIN_DEG + POLYGON_MARGIN * size
    rings = [operand["exterior"], *operand.get("interiors", [])]
    corners = [[(c["lat"], c["lon"]) for c in ring["points"]] for ring in rings]
    return all(
        _segment_distance(p, a, b) > margin for ring in corners for a, b in itertools.pairwise(ring) for p in points
    )


def geo_operands(operator: str, points: Sequence[reference.Point]) -> Strategy[dict[str, Any]]:
    """Qdrant-shaped operands of ``operator`` around the records' points, none with a point near its boundary."""
    centres = st.tuples(
        st.sampled_from(points or [(0.0, 0.0)]), st.sampled_from(NUDGES_DEG), st.sampled_from(NUDGES_DEG)
    )
    sizes = st.sampled_from(SIZES_DEG)

    @st.composite
    def draw(draw: Callable[..., Any]) -> tuple[dict[str, Any], float]:
        (lat, lon), dlat, dlon = draw(centres)
        lat, lon = max(-90.0, min(90.0, lat + dlat)), max(-180.0, min(180.0, lon + dlon))
        if operator == "geo_radius":
            return {"center": _place(lat, lon), "radius": draw(st.sampled_from(RADII_M))}, 0.0
        height, width = draw(sizes), draw(sizes)
        if operator == "geo_bounding_box":
            north, south = min(90.0, lat + height), max(-90.0, lat - height)
            west, east = max(-180.0, lon - width), min(180.0, lon + width)
            return {"top_left": _place(north, west), "bottom_right": _place(south, east)}, 0.0
        outline = draw(st.sampled_from(OUTLINES))

        def ring(scale: float) -> dict[str, Any]:
            corners = [_place(lat + scale * height * y, lon + scale * width * x) for y, x in outline]
            return {"points": [*corners, corners[0]]}  # closed, as Qdrant wants rings

        operand = {"exterior": ring(1.0), "interiors": [ring(0.4)] if draw(st.booleans()) else []}
        return operand, max(height, width)

    def fits(drawn: tuple[dict[str, Any], float]) -> bool:
        operand, size = drawn
        corners = [
            c for ring in [operand.get("exterior"), *operand.get("interiors", [])] if ring for c in ring["points"]
        ]
        return all(_on_earth(c["lat"], c["lon"]) for c in corners) and _clear(operator, operand, size, points)

    return draw().filter(fits).map(lambda drawn: drawn[0])


# New interactions, for create/get/delete: any valid SearchInteraction a JSON client can send.

_text = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=20)
_safe_ints = st.integers(min_value=-(2**53), max_value=2**53)
_json_scalars = st.none() | st.booleans() | _safe_ints | st.floats(allow_nan=False, allow_infinity=False) | _text
json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)


# Times a client may backfill: naive ones are UTC; a future one is clamped to now.
_zones = st.sampled_from([None, UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5, minutes=30))])
_moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31))


def occurred_at(moments: Strategy[datetime] = _moments) -> Strategy[str]:
    """ISO 8601 date-times of ``moments`` (naive ones), written naive (UTC) or with an offset, to the second,
    the millisecond or the microsecond."""
    return st.builds(
        lambda moment, zone, spec: moment.replace(tzinfo=zone).isoformat(timespec=spec),
        moments,
        _zones,
        st.sampled_from(["seconds", "milliseconds", "microseconds"]),
    )


def interactions(run: str, version: str = specs.SEED_VERSION) -> Strategy[dict[str, Any]]:
    """A SearchInteraction of API version ``version``, tagged with ``metadata.run`` so the suite's scoped
    queries can find it.

    Under 2026-11 it may carry ``feature_uri`` and ``occurred_at``, has an execution_id when it has a
    retriever_id (a 422 otherwise), and its feature_id ends with a tag no other interaction has: a create
    repeating another's (execution_id, feature_id, interaction_type) would be dropped, however a server
    reads that rule, and then there is no record to check.
    """
    seed = _seed_interactions(run, interaction_types(version))
    if not reference.backfills(version):
        return seed
    added = st.fixed_dictionaries(
        {}, optional={"feature_uri": st.none() | _text, "occurred_at": st.none() | occurred_at()}
    )
    return st.tuples(seed, added).map(lambda parts: _as_2026_11({**parts[0], **parts[1]}))


def _as_2026_11(interaction: dict[str, Any]) -> dict[str, Any]:
    if isinstance(interaction.get("retriever_id"), str) and not isinstance(interaction.get("execution_id"), str):
        interaction["execution_id"] = interaction["retriever_id"]
    interaction["feature_id"] = f"{interaction['feature_id']}~{unique_tag()}"
    return interaction


def _seed_interactions(run: str, kinds: Sequence[str]) -> Strategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "feature_id": _text,
            "interaction_type": st.lists(st.sampled_from(kinds), min_size=1, max_size=3),
            "position": st.integers(min_value=0, max_value=2**31),
            "metadata": st.dictionaries(_text, json_values, max_size=4).map(lambda m: {**m, "run": run}),
        },
        optional={
            "user_id": st.none() | _text,
            "session_id": st.none() | _text,
            "execution_id": st.none() | _text,
            "retriever_id": st.none() | _text,
            "query_snapshot": st.none() | st.dictionaries(_text, json_values, max_size=3),
            "document_score": st.none() | _safe_ints | st.floats(allow_nan=False, allow_infinity=False),
            "result_set_size": st.none() | st.integers(min_value=1, max_value=2**31),
        },
    )
