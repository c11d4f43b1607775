"""specs.oracle.pages and blame: what one answer shows about itself, held to the contract in both directions
(a lawful page shows nothing; each single break is named by its rule)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mockserver.verifier import same
from specs.oracle import reference
from specs.oracle.blame import wrongly_left_out, wrongly_listed
from specs.oracle.pages import LIST_PATH, Paging, block_findings, open_parts, order_findings, paging

totals = st.integers(min_value=0, max_value=500)
limits = st.integers(min_value=1, max_value=60)
offsets = st.integers(min_value=0, max_value=600)


def lawful_block(total: int, limit: int, offset: int) -> tuple[dict[str, Any], int]:
    """The block (and row count) the contract fixes for a page at ``offset`` of ``total`` matches."""
    more = offset + limit < total
    block = {
        "total": total,
        "page": offset // limit + 1,
        "page_size": limit,
        "total_pages": reference.total_pages(total, limit),
        "next_page": f"{LIST_PATH}?limit={limit}&offset={offset + limit}" if more else None,
        "previous_page": f"{LIST_PATH}?limit={limit}&offset={max(0, offset - limit)}" if offset else None,
        "next_cursor": f"c{offset + limit}" if more else None,
    }
    return block, max(0, min(limit, total - offset))


@given(total=totals, limit=limits, offset=offsets)
def test_a_lawful_page_shows_nothing(total: int, limit: int, offset: int) -> None:
    block, rows = lawful_block(total, limit, offset)
    assert block_findings(block, rows, Paging(limit, offset, counted=True), total) == []
    # Without knowing the total (a cursor, or 2026-11 without include_total), nothing either.
    assert block_findings({**block, "total": None, "total_pages": None}, rows, Paging(limit, None, False), None) == []


@given(total=totals, limit=limits, offset=offsets, change=st.sampled_from(["next", "numbers", "rows", "cursor"]))
def test_each_break_of_a_page_is_named(total: int, limit: int, offset: int, change: str) -> None:
    block, rows = lawful_block(total, limit, offset)
    asked = Paging(limit, offset, counted=True)
    more = block["next_page"] is not None
    if change == "next":
        block["next_page"] = None if more else f"{LIST_PATH}?limit={limit}&offset={offset + limit}"
        wanted = "page.links"
    elif change == "numbers":
        block["total_pages"] += 1
        wanted = "page.numbers"
    elif change == "rows":
        rows += 1
        wanted = "page.slice" if rows > limit else "page.total"
    else:
        block["next_cursor"] = None if more else "c1"
        wanted = "page.cursor"
    assert wanted in {finding.rule.name for finding in block_findings(block, rows, asked, total)}


def test_a_link_to_another_page_than_the_next_is_named() -> None:
    block, rows = lawful_block(100, 10, 20)
    block["next_page"] = f"{LIST_PATH}?limit=10&offset=31"
    assert [f.rule.name for f in block_findings(block, rows, Paging(10, 20, True), 100)] == ["page.links"]


def test_a_total_given_unasked_is_named_from_2026_11() -> None:
    block, rows = lawful_block(30, 10, 0)
    asked = paging({"limit": "10"}, "2026-11")
    assert not asked.counted
    assert "page.include_total" in {f.rule.name for f in block_findings(block, rows, asked, None)}
    assert paging({"limit": "10", "include_total": "true"}, "2026-11").counted


def test_paging_reads_each_style() -> None:
    assert paging({"limit": "5", "offset": "10"}, "2025-12") == Paging(5, 10, True)
    assert paging({"page": "3", "page_size": "4"}, "2025-12") == Paging(4, 8, True)
    assert paging({"limit": "5", "cursor": "c10"}, "2025-12") == Paging(5, None, True)
    assert paging({}, "2025-12") == Paging(None, 0, True)


records = st.lists(
    st.fixed_dictionaries(
        {"interaction_id": st.uuids().map(str)},
        optional={"position": st.integers(min_value=0, max_value=20) | st.floats(0, 20, allow_nan=False)},
    ),
    min_size=2,
    max_size=12,
    unique_by=lambda r: r["interaction_id"],
)


@given(rows=records, direction=st.sampled_from(["asc", "desc"]))
def test_rows_in_the_reference_order_show_nothing(rows: list[dict[str, Any]], direction: str) -> None:
    sort = {"field": "position", "direction": direction}
    assert order_findings(reference.sort_records(rows, sort), sort, "2025-12") == []


@given(rows=records)
def test_rows_out_of_order_are_named(rows: list[dict[str, Any]]) -> None:
    sort = {"field": "position", "direction": "asc"}
    ordered = reference.sort_records(rows, sort)
    swapped = [ordered[1], ordered[0], *ordered[2:]]
    assert [f.rule.name for f in order_findings(swapped, sort, "2025-12")] == ["sort"]


def test_values_the_contract_does_not_order_are_not_judged() -> None:
    rows = [{"interaction_id": "b", "position": "x"}, {"interaction_id": "a", "position": 1}, {"interaction_id": "c"}]
    assert order_findings(rows[:2], {"field": "position"}, "2025-12") == []  # a string and a number
    assert [f.rule.name for f in order_findings([rows[2], rows[1]], {"field": "position"}, "2025-12")] == ["sort"]


def test_open_parts_name_what_the_contract_leaves_open() -> None:
    assert open_parts({"filters": {"AND": [{"field": "a", "operator": "eq", "value": "x"}]}}) == []
    for condition in (
        {"field": "a", "operator": "eq", "value": None},
        {"field": "a", "operator": "eq", "value": [1]},
        {"field": "a", "operator": "regex", "value": "(?i)x"},
        {"field": "a", "operator": "regex", "value": "a{2}"},
        {"field": "timestamp", "operator": "gt", "value": "yesterday"},
        {"field": "a", "operator": "words", "value": "drink"},
        {"field": "a", "operator": "unknown", "value": 1},
    ):
        assert open_parts({"filters": {"OR": [condition]}}), condition
    assert open_parts({"filters": {"a": {"exists": "yes"}}})


def test_blame_follows_the_false_part_of_a_listed_record() -> None:
    record = {"interaction_id": "r", "feature_id": "Doc", "metadata": {"city": "Paris"}, "position": 3}
    cases = [
        ({"feature_id": "doc"}, "simple.exact"),
        ({"search": "london"}, "search"),
        ({"filters": {"AND": [{"field": "position", "operator": "gt", "value": 5}]}}, "filter.gt"),
        (
            {
                "filters": {
                    "AND": [{"field": "metadata.city", "operator": "eq", "value": "PARIS", "case_sensitive": True}]
                }
            },
            "filter.case_sensitive",
        ),
        (
            {"filters": {"NOT": [{"field": "position", "operator": "eq", "value": 3}, {"metadata.city": "Rome"}]}},
            "filter.NOT",
        ),
        ({"filters": {"OR": [{"position": 1}, {"position": 2}]}}, "filter.OR"),
    ]
    for request, rule in cases:
        assert not reference.matches(request, record)
        assert wrongly_listed(request, record).rule.name == rule, request


def test_blame_reads_a_left_out_record_as_precisely_as_it_can() -> None:
    record = {"interaction_id": "r", "interaction_type": ["click", "view"], "metadata": {"city": "Paris"}}
    assert wrongly_left_out({"interaction_type": "click"}, record).rule.name == "simple.interaction_type"
    by_city = {"filters": {"AND": [{"field": "metadata.city", "operator": "eq", "value": "paris"}]}}
    assert wrongly_left_out(by_city, record).rule.name == "filter.case_sensitive"
    by_type = {"filters": {"AND": [{"field": "metadata.city", "operator": "contains", "value": "ar"}]}}
    assert wrongly_left_out(by_type, record).rule.name == "filter.contains"
    assert wrongly_left_out({"search": "par", "user_id": None}, record).rule.name == "search"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)


@given(json_values)
def test_json_equality_holds_for_every_value(value: Any) -> None:
    assert same(value, value)


def test_json_equality_compares_numbers_by_value_and_no_boolean_as_a_number() -> None:
    assert same(1, 1.0) and same({"a": [1]}, {"a": [1.0]})
    assert not same(True, 1) and not same([1, 2], [2, 1]) and not same({"a": 1}, {"a": 1, "b": 2})
