"""Hypothesis strategies for list requests whose meaning the contract fixes, and for new interactions.

Operands are drawn from the values the seeded records really hold (case-flipped, cut into
prefixes and substrings, ints turned into floats) so that conditions hit and miss in
interesting ways. What is left out is left out on purpose, because the contract leaves it
open (CONTRACT.md; rule 4 of the suites): null operands, list or object operands to eq,
timestamps that do not parse, regex syntax beyond the common core, sorts over fields
holding values of several kinds or null, nesting beyond 4 levels (the run's scope adds a
fifth), and pages without an explicit limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

import specs
from contract_tests import reference
from contract_tests.dataset import Dataset

Strategy = st.SearchStrategy

OPERATORS: tuple[str, ...] = tuple(specs.schema("FilterOperator")["enum"])
INTERACTION_TYPES: tuple[str, ...] = tuple(specs.schema("InteractionType")["enum"])
LOGICAL_KEYS = ("AND", "OR", "NOT")
MAX_TREE_DEPTH = 4

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


def operators_for(path: str) -> tuple[str, ...]:
    return TIMESTAMP_OPERATORS if path in reference.TIMESTAMP_PATHS else OPERATORS


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

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.strings: dict[str, list[str]] = {}
        self.numbers: dict[str, list[int | float]] = {}
        for path in FILTER_PATHS:
            values = dataset.values_at(path)
            self.strings[path] = sorted({v for v in values if isinstance(v, str)})
            self.numbers[path] = sorted({v for v in values if reference.is_number(v)})
        self.sort_paths = [path for path in SORT_PATHS if dataset.sortable(path)]
        self.instants = self._instants()

    def _instants(self) -> list[str]:
        """Record timestamps as sent back, the same instants written with +00:00, and dates around them."""
        found: set[str] = set()
        for stamp in self.strings["timestamp"]:
            moment = reference.instant(stamp)
            found |= {stamp, moment.isoformat(), (moment + timedelta(microseconds=1)).isoformat()}
            for days in (-1, 0, 1):
                found.add((moment + timedelta(days=days)).date().isoformat())
        return sorted(found)

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
        return self.text_operand(path)

    # Filter trees

    def condition(self) -> Strategy[dict[str, Any]]:
        @st.composite
        def draw(draw: Callable[..., Any]) -> dict[str, Any]:
            path = draw(st.sampled_from(FILTER_PATHS))
            operator = draw(st.sampled_from(operators_for(path)))
            condition = {"field": path, "operator": operator, "value": draw(self.operand(path, operator))}
            case_sensitive = draw(st.sampled_from([None, None, True, False]))
            if case_sensitive is not None:
                condition["case_sensitive"] = case_sensitive
            return condition

        return draw()

    def shorthand(self) -> Strategy[tuple[str, Any]]:
        """``(path, value)``: a bare value (eq) or an object of one or two operators."""

        @st.composite
        def draw(draw: Callable[..., Any]) -> tuple[str, Any]:
            path = draw(st.sampled_from(FILTER_PATHS))
            if path not in reference.TIMESTAMP_PATHS and draw(st.booleans()):
                return path, draw(self.scalar(path))
            operators = draw(st.lists(st.sampled_from(operators_for(path)), min_size=1, max_size=2, unique=True))
            return path, {op: draw(self.operand(path, op)) for op in operators}

        return draw()

    def tree(self, depth: int = MAX_TREE_DEPTH) -> Strategy[dict[str, Any]]:
        """A LogicalOperator at most ``depth`` levels deep, never empty; small, so that answers are rarely empty."""
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
                return st.sampled_from(INTERACTION_TYPES)
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


# New interactions, for create/get/delete: any valid SearchInteraction a JSON client can send.

_text = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=20)
_safe_ints = st.integers(min_value=-(2**53), max_value=2**53)
_json_scalars = st.none() | st.booleans() | _safe_ints | st.floats(allow_nan=False, allow_infinity=False) | _text
json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)


def interactions(run: str) -> Strategy[dict[str, Any]]:
    """A SearchInteraction tagged with ``metadata.run`` so the suite's scoped queries can find it."""
    return st.fixed_dictionaries(
        {
            "feature_id": _text,
            "interaction_type": st.lists(st.sampled_from(INTERACTION_TYPES), min_size=1, max_size=3),
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
