"""Pages of a list answer: the right slice, a true pagination block, links that walk every match once.

Every request passes ``limit`` explicitly (the default page size is the implementation's
choice), and only the pagination styles the contract adopts are used. From API version 2026-11
the total is counted only when asked (``include_total=true``): every page whose block is
checked asks, and one property checks the asking itself.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from contract_tests.answers import Listing, Page, ask
from contract_tests.dataset import Dataset
from contract_tests.plugin import profile
from contract_tests.report import show
from contract_tests.strategies import QueryStrategies, limits, offsets
from contract_tests.target import Target
from specs.oracle.pages import Paging, block_findings
from specs.oracle.reference import total_pages
from specs.oracle.rules import (
    PAGE_CURSOR,
    PAGE_INCLUDE_TOTAL,
    PAGE_PAST_END,
    PAGE_SLICE,
    PAGE_STYLE,
    PAGE_TOTAL,
    PAGE_WALK,
    Rule,
)

MAX_OFFSET = 10000
# What include_total=true asks for (2026-11).
COUNTS = ("total", "total_pages")


def listing(target: Target, dataset: Dataset, queries: QueryStrategies, data: st.DataObject) -> Listing:
    return Listing(target, dataset, data.draw(queries.request(), label="request"))


def check_rows(listing: Listing, page: Page, start: int, size: int, rule: Rule) -> None:
    wanted = listing.expected[start : start + size]
    listing.require(
        page.ids == wanted,
        rule,
        page.exchange,
        f"expected matches [{start}:{start + size}] of {len(listing.expected)}: {wanted}",
        f"listed: {page.ids}",
    )


def check_block(listing: Listing, page: Page, limit: int, offset: int) -> None:
    """The pagination block says where this page sits among all matches (specs.oracle.pages states how)."""
    block, total = page.pagination, len(listing.expected)
    listing.require(block["total"] == total, PAGE_TOTAL, page.exchange, f"expected total {total}, got {block['total']}")
    for finding in block_findings(block, len(page.rows), Paging(limit, offset, counted=True), total):
        listing.require(False, finding.rule, page.exchange, *finding.details)


@settings(profile())
@given(data=st.data(), limit=limits, offset=offsets)
def test_a_page_is_the_slice_of_the_ordered_matches(
    contract_target: Target,
    contract_dataset: Dataset,
    contract_queries: QueryStrategies,
    data: st.DataObject,
    limit: int,
    offset: int,
) -> None:
    asked = listing(contract_target, contract_dataset, contract_queries, data)
    page = asked.page({"limit": limit, "offset": offset})
    check_rows(asked, page, offset, limit, PAGE_SLICE)
    check_block(asked, page, limit, offset)


@settings(profile())
@given(data=st.data(), limit=st.integers(min_value=1, max_value=12))
def test_walking_next_page_visits_every_match_once_in_order(
    contract_target: Target,
    contract_dataset: Dataset,
    contract_queries: QueryStrategies,
    data: st.DataObject,
    limit: int,
) -> None:
    asked = listing(contract_target, contract_dataset, contract_queries, data)
    first = page = asked.page({"limit": limit, "offset": 0})
    visited = list(page.ids)
    for _ in range(total_pages(len(asked.expected), limit)):
        link = page.pagination.get("next_page")
        if link is None:
            break
        page = asked.follow(str(link), PAGE_WALK)
        visited += page.ids
    asked.require(
        page.pagination.get("next_page") is None, PAGE_WALK, page.exchange, "next_page goes on past the last match"
    )
    asked.require(
        visited == asked.expected,
        PAGE_WALK,
        first.exchange,
        f"expected, in order: {asked.expected}",
        f"visited:            {visited}",
    )


@settings(profile())
@given(data=st.data(), limit=limits, offset=offsets)
def test_next_cursor_resumes_like_the_next_offset(
    contract_target: Target,
    contract_dataset: Dataset,
    contract_queries: QueryStrategies,
    data: st.DataObject,
    limit: int,
    offset: int,
) -> None:
    asked = listing(contract_target, contract_dataset, contract_queries, data)
    page = asked.page({"limit": limit, "offset": offset})
    cursor = page.pagination.get("next_cursor")
    more = offset + limit < len(asked.expected)
    should = "a cursor" if more else "null"
    asked.require(
        (cursor is not None) == more,
        PAGE_CURSOR,
        page.exchange,
        f"next_cursor should be {should} at offset {offset} of {len(asked.expected)}, got {show(cursor)}",
    )
    if cursor is not None:
        resumed = asked.page({"limit": limit, "cursor": cursor}, PAGE_CURSOR)
        check_rows(asked, resumed, offset + limit, limit, PAGE_CURSOR)


@settings(profile())
@given(data=st.data(), number=st.integers(min_value=1, max_value=8), size=st.integers(min_value=1, max_value=20))
def test_page_and_page_size_mean_an_offset(
    contract_target: Target,
    contract_dataset: Dataset,
    contract_queries: QueryStrategies,
    data: st.DataObject,
    number: int,
    size: int,
) -> None:
    asked = listing(contract_target, contract_dataset, contract_queries, data)
    page = asked.page({"page": number, "page_size": size}, PAGE_STYLE)
    check_rows(asked, page, (number - 1) * size, size, PAGE_STYLE)
    check_block(asked, page, size, (number - 1) * size)


@settings(profile())
@given(data=st.data(), limit=limits, beyond=st.integers(min_value=0, max_value=MAX_OFFSET))
def test_an_offset_past_the_end_is_an_empty_page(
    contract_target: Target,
    contract_dataset: Dataset,
    contract_queries: QueryStrategies,
    data: st.DataObject,
    limit: int,
    beyond: int,
) -> None:
    asked = listing(contract_target, contract_dataset, contract_queries, data)
    total = len(asked.expected)
    offset = min(MAX_OFFSET, total + beyond)
    page = asked.page({"limit": limit, "offset": offset}, PAGE_PAST_END)
    asked.require(page.rows == [], PAGE_PAST_END, page.exchange, f"offset {offset} is past all {total} matches")
    asked.require(page.pagination["total"] == total, PAGE_TOTAL, page.exchange, f"expected total {total}")


@settings(profile())
@given(data=st.data(), limit=limits, offset=offsets, include_total=st.sampled_from([None, "false", "true"]))
def test_the_total_is_counted_only_when_asked(
    contract_2026_11: Target,
    contract_dataset: Dataset,
    contract_queries: QueryStrategies,
    data: st.DataObject,
    limit: int,
    offset: int,
    include_total: str | None,
) -> None:
    asked = listing(contract_2026_11, contract_dataset, contract_queries, data)
    query = {"limit": limit, "offset": offset, **({} if include_total is None else {"include_total": include_total})}
    page = ask(contract_2026_11, contract_dataset, asked.request, query, PAGE_INCLUDE_TOTAL)
    total = len(asked.expected)
    counted = include_total == "true"
    wanted = dict(zip(COUNTS, (total, total_pages(total, limit)), strict=True)) if counted else dict.fromkeys(COUNTS)
    got = {name: page.pagination.get(name) for name in COUNTS}
    asked.require(
        got == wanted,
        PAGE_INCLUDE_TOTAL,
        page.exchange,
        f"include_total {include_total or 'not given'}, {total} matches: expected {show(wanted)}, got {show(got)}",
    )
