"""Properties: for random records, filter trees, sorts, searches and pages, the engine answers as the naive reference.

The strategies draw from small pools on purpose (a handful of fields, words that differ only in
case, numbers that are equal as int and float, arrays, nulls, missing paths) so that the edges
of docs/list-semantics.md come up in almost every example.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.errors import ValidationFailed
from mockserver.query import parse_list_request
from mockserver.query.model import Condition
from mockserver.query.parse import _size
from mockserver.store import NamespaceStore
from tests.test_query_operators import listed
from tests.test_query_reference import naive_list, summary

PATH = "/list"
FIELDS = (
    "position",
    "metadata.device",
    "metadata.n",
    "metadata.tags",
    "metadata.nested.k",
    "metadata",
    "user_id",
    "interaction_type",
    "timestamp",
    "created_at",
    "document_score",
    "nope",
)
STAMPS = (
    "2025-01-01T00:00:00Z",
    "2025-01-01T00:00:00.5Z",
    "2025-01-01T02:00:00+02:00",
    "2025-01-02",
    "2024-12-31T23:59:59Z",
    "2025-01-01T00:00:00",
    # The text this server writes (the table derives it from the instant instead of keeping it), one of
    # them the instant of "2025-01-01T00:00:00.5Z" above: one instant, two texts.
    "2025-01-01T00:00:00.000000Z",
    "2025-01-01T00:00:00.500000Z",
    "2024-12-31T23:59:59.999999Z",
)
WORDS = ("a", "A", "b", "ab", "Ab", "ß", "SS", "x y", "")
PATTERNS = ("a", "^a", "b$", "A.", "[ab]", "x|S", "^$", "a*b?")

words = st.sampled_from(WORDS)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.sampled_from([0.5, 1.0, -2.5, 3.0]), words)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["k", "j"]), inner, max_size=2),
    max_leaves=5,
)
stamps = st.sampled_from(STAMPS)


@st.composite
def record_lists(draw: st.DrawFn, max_size: int = 25) -> list[dict[str, Any]]:
    count = draw(st.integers(0, max_size))
    ids = draw(st.lists(st.uuids(), min_size=count, max_size=count, unique=True))
    records = []
    for interaction_id in ids:
        record: dict[str, Any] = {
            "interaction_id": str(interaction_id),
            # Now and then a timestamp that is no instant, so the engine's general sort is exercised too.
            "timestamp": draw(st.one_of(stamps, stamps, stamps, st.sampled_from([None, "soon"]))),
            "position": draw(st.integers(0, 4)),
            "metadata": draw(st.none() | st.dictionaries(st.sampled_from(["device", "n", "tags", "nested"]), values)),
            "user_id": draw(st.sampled_from(["u1", "u2", None])),
            "interaction_type": draw(st.lists(st.sampled_from(["click", "view", "purchase"]), min_size=1, max_size=2)),
        }
        if draw(st.booleans()):
            record["document_score"] = draw(values)
        records.append(record)
    return records


def operands(op: str, field: str) -> st.SearchStrategy[Any]:
    if field in ("timestamp", "created_at") and op in ("eq", "ne", "in", "nin"):
        stamp_or_value = stamps | values
        return st.lists(stamp_or_value, max_size=3) if op in ("in", "nin") else stamp_or_value
    if op in ("in", "nin"):
        return st.lists(values, max_size=3)
    if op in ("gt", "gte", "lt", "lte"):
        if field in ("timestamp", "created_at"):
            return stamps
        return st.integers(-2, 3) | st.sampled_from([0.5, 2.5]) | words
    if op in ("starts_with", "ends_with", "text"):
        return words
    if op == "regex":
        return st.sampled_from(PATTERNS)
    if op in ("exists", "is_null"):
        return st.booleans()
    return values


OPERATORS = st.sampled_from(
    (
        *("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains"),
        *("starts_with", "ends_with", "regex", "exists", "is_null", "text"),
    )
)
case_flags = st.sampled_from([None, None, True, False])


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    """A tree child in the condition form, sometimes with its own case_sensitive."""
    field, op = draw(st.sampled_from(FIELDS)), draw(OPERATORS)
    child: dict[str, Any] = {"field": field, "value": draw(operands(op, field))}
    if op != "eq" or draw(st.booleans()):
        child["operator"] = op
    flag = draw(case_flags)
    if flag is not None or draw(st.booleans()):
        child["case_sensitive"] = flag
    return child


@st.composite
def trees(draw: st.DrawFn, depth: int = 3) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    children = conditions() if depth <= 1 else conditions() | trees(depth - 1)
    for group in draw(st.lists(st.sampled_from(["AND", "OR", "NOT"]), unique=True, max_size=2)):
        items = draw(st.lists(children, min_size=1, max_size=3))
        tree[group] = items[0] if len(items) == 1 and draw(st.booleans()) else items
    for field in draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=2)):
        if draw(st.booleans()):
            tree[field] = draw(scalars | st.lists(scalars, max_size=2))
        else:
            ops = draw(st.lists(OPERATORS, unique=True, min_size=1, max_size=2))
            tree[field] = {op: draw(operands(op, field)) for op in ops}
    flag = draw(case_flags)
    if flag is not None:
        tree["case_sensitive"] = flag
    return tree


def operators_in(tree: dict[str, Any]) -> list[str]:
    """The operator of every condition in a raw tree (the parser allows 100 conditions, 8 of them regex)."""
    found: list[str] = []
    for key, value in tree.items():
        if key in ("AND", "OR", "NOT"):
            for child in value if isinstance(value, list) else [value]:
                found += [child.get("operator", "eq")] if "field" in child else operators_in(child)
        elif key != "case_sensitive":
            found += list(value) if isinstance(value, dict) else ["eq"]
    return found


def within_limits(tree: dict[str, Any]) -> bool:
    found = operators_in(tree)
    return len(found) <= 100 and found.count("regex") <= 8


@st.composite
def bodies(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if draw(st.booleans()):
        body["filters"] = draw(trees().filter(within_limits))
    if draw(st.integers(0, 3)) == 0:
        body["user_id"] = draw(st.sampled_from(["u1", "u2"]))
    if draw(st.integers(0, 3)) == 0:
        body["interaction_type"] = draw(st.sampled_from(["click", "view"]))
    if draw(st.booleans()):
        sort: dict[str, Any] = {"field": draw(st.sampled_from([*FIELDS, "interaction_id"]))}
        direction = draw(st.sampled_from([None, "asc", "desc"]))
        if direction:
            sort["direction"] = direction
        body["sort"] = sort
    if draw(st.integers(0, 3)) == 0:
        body["search"] = " ".join(draw(st.lists(st.sampled_from(["a", "B", "1", "0.5", "ss", "x"]), max_size=2)))
    return body


page_params = st.one_of(
    st.fixed_dictionaries({}, optional={"limit": st.integers(1, 8).map(str), "offset": st.integers(0, 12).map(str)}),
    st.fixed_dictionaries({"page": st.integers(1, 4).map(str), "page_size": st.integers(1, 6).map(str)}),
)


# A busy machine (the suite runs beside others) must not turn slow generation into a failure.
SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large]


def load(records: list[dict[str, Any]]) -> NamespaceStore:
    store = NamespaceStore("t")
    for record in records:
        store.add(record)
    return store


def engine_summary(store: NamespaceStore, body: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    return summary(listed(store, body, params, PATH))


@st.composite
def single_conditions(draw: st.DrawFn) -> dict[str, Any]:
    """One condition, in one of the forms a client may write it: the strongest probe of one operator."""
    child = draw(conditions())
    form = draw(st.sampled_from(["AND", "OR", "NOT", "shorthand"]))
    if form != "shorthand":
        return {form: [child] if draw(st.booleans()) else child}
    op = child.get("operator", "eq")
    tree: dict[str, Any] = {child["field"]: {op: child["value"]}}
    if child.get("case_sensitive") is not None:
        tree["case_sensitive"] = child["case_sensitive"]
    return tree


@settings(max_examples=250, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(record_lists(), single_conditions())
def test_one_condition_selects_as_the_reference(records: list[dict[str, Any]], tree: dict[str, Any]) -> None:
    body = {"filters": tree, "sort": {"field": "interaction_id"}}
    assert engine_summary(load(records), body, {"limit": "100"}) == naive_list(records, body, {"limit": "100"})


@settings(max_examples=150, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(record_lists(), bodies(), page_params)
def test_a_page_is_the_naive_page(records: list[dict[str, Any]], body: dict[str, Any], params: dict[str, str]) -> None:
    assert engine_summary(load(records), body, params) == naive_list(records, body, params)


@settings(max_examples=80, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(record_lists(), bodies(), st.integers(1, 5))
def test_next_page_walks_every_match_once(records: list[dict[str, Any]], body: dict[str, Any], limit: int) -> None:
    store = load(records)
    everything = naive_list(records, body, {"limit": "1000"})["ids"]
    seen: list[str] = []
    params: dict[str, str] | None = {"limit": str(limit)}
    pages = 0
    while params is not None:
        answer = listed(store, body, params, PATH)
        block = answer["pagination"]
        assert block["total"] == len(everything)
        assert block["total_pages"] == math.ceil(len(everything) / limit)
        seen += [r["interaction_id"] for r in answer["results"]]
        pages += 1
        params = dict(parse_qsl(urlsplit(block["next_page"]).query)) if block["next_page"] else None
    assert seen == everything
    assert len(set(seen)) == len(seen)
    assert pages == max(1, math.ceil(len(everything) / limit))


@settings(max_examples=40, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(record_lists(max_size=30), record_lists(max_size=10), st.data())
def test_indexes_and_columns_follow_every_write(
    first: list[dict[str, Any]], later: list[dict[str, Any]], data: st.DataObject
) -> None:
    """Queries between writes build columns; later adds, deletes and replacements must keep them right."""
    store = load(first)
    body, params = data.draw(bodies()), data.draw(page_params)
    engine_summary(store, body, params)
    current = {r["interaction_id"]: r for r in first}
    doomed = data.draw(st.lists(st.sampled_from(sorted(current)), unique=True) if current else st.just([]))
    for interaction_id in doomed:
        store.delete(interaction_id)
        del current[interaction_id]
    for record in later:
        if current and data.draw(st.booleans()):
            record = {**record, "interaction_id": data.draw(st.sampled_from(sorted(current)))}
        store.add(record)
        current[record["interaction_id"]] = record
    body, params = data.draw(bodies()), data.draw(page_params)
    assert engine_summary(store, body, params) == naive_list(list(current.values()), body, params)
    assert len(store) == len(current)


def many_distinct(seed: int, count: int) -> list[dict[str, Any]]:
    """Records with hundreds of distinct values per field: columns past 256 values take other code paths."""
    rng = random.Random(seed)
    start = datetime(2024, 12, 31, tzinfo=UTC)
    # Half the seeds keep every timestamp an instant (integer columns), half mix in a null.
    untimed = 0.02 if seed % 2 else 0.0
    pool = [*WORDS, *(f"{word}{i}" for word in ("a", "B", "ab") for i in range(300))]
    records = []
    for i in range(count):
        metadata: dict[str, Any] = {
            "device": rng.choice(pool),
            "n": rng.choice([rng.randint(-5, 400), rng.uniform(-3, 3), None, "x"]),
            "tags": [rng.choice(pool) for _ in range(rng.randint(0, 3))],
        }
        if rng.random() < 0.3:
            metadata["nested"] = {"k": rng.choice(pool)}
        stamp = start + timedelta(seconds=rng.randint(0, 3 * 86400), microseconds=rng.randint(0, 999_999))
        records.append(
            {
                "interaction_id": f"{rng.getrandbits(64):016x}-{i}",
                "timestamp": None if rng.random() < untimed else stamp.isoformat().replace("+00:00", "Z"),
                "position": rng.randint(0, 600),
                "metadata": metadata,
                "user_id": rng.choice(["u1", "u2", None]),
                "interaction_type": [rng.choice(["click", "view", "purchase"])],
                "document_score": rng.choice([rng.random(), rng.randint(0, 500)]),
            }
        )
    return records


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(st.integers(0, 2**32), bodies(), page_params)
def test_wide_columns_answer_as_the_reference(seed: int, body: dict[str, Any], params: dict[str, str]) -> None:
    records = many_distinct(seed, 700)
    assert engine_summary(load(records), body, params) == naive_list(records, body, params)


time_ranges = st.fixed_dictionaries(
    {
        "field": st.sampled_from(["timestamp", "created_at"]),
        "operator": st.sampled_from(["gt", "gte", "lt", "lte"]),
        "value": stamps,
    }
).map(lambda condition: {"AND": [condition]})


@settings(max_examples=80, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(st.integers(0, 2**32), st.lists(time_ranges | single_conditions(), min_size=1, max_size=3))
def test_wide_columns_decide_each_condition_as_the_reference(seed: int, trees: list[dict[str, Any]]) -> None:
    """A condition alone sees every row, a later one only the survivors: both ways of deciding are taken."""
    records = many_distinct(seed, 700)
    body = {"filters": {"AND": trees}, "sort": {"field": "interaction_id"}}
    params = {"limit": "1000"}
    assert engine_summary(load(records), body, params) == naive_list(records, body, params)


def _built(node: Any) -> list[Any]:
    """The conditions of a parsed filter tree."""
    return [node] if isinstance(node, Condition) else [found for child in node.children for found in _built(child)]


@settings(max_examples=150, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(trees())
def test_a_tree_is_sized_before_it_is_built(tree: dict[str, Any]) -> None:
    """The count that refuses a tree over its limits without building it is the count of what it builds."""
    found = operators_in(tree)
    assert _size(tree) == (len(found), found.count("regex"))
    if within_limits(tree):
        try:
            query = parse_list_request({"filters": tree}, {})
        except ValidationFailed:
            return  # an operand the schema refuses
        built = _built(query.filters)
        assert len(built) == len(found)
        assert sum(condition.operator == "regex" for condition in built) == found.count("regex")
