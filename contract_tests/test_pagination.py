"""Pages of a list answer: the right slice, a true pagination block, links that walk every match once.

Every request passes ``limit`` explicitly (the default page size is the implementation's
choice), and only the pagination styles the contract adopts are used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from contract_tests.answers import Page, ask, read_page
from contract_tests.dataset import Dataset
from contract_tests.plugin import profile
from contract_tests.reference import ids, page_number, total_pages
from contract_tests.report import require, show
from contract_tests.rules import (
    PAGE_CURSOR,
    PAGE_LINKS,
    PAGE_NUMBERS,
    PAGE_PAST_END,
    PAGE_SLICE,
    PAGE_STYLE,
    PAGE_TOTAL,
    PAGE_WALK,
)
from contract_tests.strategies import QueryStrategies, limits, offsets
from contract_tests.target import API, Target

LIST_PATH = f"{API}/list"
MAX_OFFSET = 10000


def check_block(page: Page, total: int, limit: int, offset: int) -> None:
    """The pagination block says where this page sits among ``total`` matches."""
    block = page.pagination
    require(block["total"] == total, PAGE_TOTAL, page.exchange, f"expected total {total}, got {block['total']}")
    wanted = {"page": page_number(offset, limit), "page_size": limit, "total_pages": total_pages(total, limit)}
    got = {name: block[name] for name in wanted}
    require(
        got == wanted,
        PAGE_NUMBERS,
        page.exchange,
        f"for offset {offset}, limit {limit}, total {total}:",
        f"expected {show(wanted)}",
        f"got      {show(got)}",
    )
    for name, present in (("next_page", offset + limit < total), ("previous_page", offset > 0)):
        link = block.get(name)
        require(
            (link is not None) == present,
            PAGE_LINKS,
            page.exchange,
            f"{name} should be {'a link' if present else 'null'} at offset {offset} of {total}, got {show(link)}",
        )
        if link is not None:
            check_link(page, name, link, limit)


def check_link(page: Page, name: str, link: Any, limit: int) -> None:
    parts = urlsplit(str(link))
    query = parse_qs(parts.query)
    sizes = query.get("limit", []) + query.get("page_size", [])
    require(
        not parts.scheme and not parts.netloc and parts.path == LIST_PATH and sizes == [str(limit)],
        PAGE_LINKS,
        page.exchange,
        f"{name} {link!r} should be a relative URL to {LIST_PATH} with the same limit ({limit})",
    )


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
    request = data.draw(contract_queries.request(), label="request")
    expected = ids(contract_dataset.expected(request))
    page = ask(contract_target, contract_dataset, request, {"limit": limit, "offset": offset})
    wanted = expected[offset : offset + limit]
    require(
        page.ids == wanted,
        PAGE_SLICE,
        page.exchange,
        f"request (before scoping): {show(request, 2000)}",
        f"expected the {len(expected)} matches [{offset}:{offset + limit}]: {wanted}",
        f"listed: {page.ids}",
    )
    check_block(page, len(expected), limit, offset)


def walk(target: Target, dataset: Dataset, request: Mapping[str, Any], first: Page, steps: int) -> list[str]:
    """Follow next_page from ``first``, at most ``steps`` times; every id listed on the way."""
    listed, page, body = list(first.ids), first, dataset.scoped(request)
    for _ in range(steps):
        link = page.pagination.get("next_page")
        if link is None:
            return listed
        page = read_page(target.follow(str(link), body), PAGE_WALK)
        listed += page.ids
    require(
        page.pagination.get("next_page") is None, PAGE_WALK, page.exchange, f"still a next_page after {steps} pages"
    )
    return listed


@settings(profile())
@given(data=st.data(), limit=st.integers(min_value=1, max_value=12))
def test_walking_next_page_visits_every_match_once_in_order(
    contract_target: Target,
    contract_dataset: Dataset,
    contract_queries: QueryStrategies,
    data: st.DataObject,
    limit: int,
) -> None:
    request = data.draw(contract_queries.request(), label="request")
    expected = ids(contract_dataset.expected(request))
    first = ask(contract_target, contract_dataset, request, {"limit": limit, "offset": 0})
    listed = walk(contract_target, contract_dataset, request, first, total_pages(len(expected), limit))
    require(
        listed == expected,
        PAGE_WALK,
        first.exchange,
        f"request (before scoping): {show(request, 2000)}",
        f"expected, in order: {expected}",
        f"visited:            {listed}",
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
    request = data.draw(contract_queries.request(), label="request")
    expected = ids(contract_dataset.expected(request))
    page = ask(contract_target, contract_dataset, request, {"limit": limit, "offset": offset})
    cursor = page.pagination.get("next_cursor")
    more = offset + limit < len(expected)
    should = "a cursor" if more else "null"
    require(
        (cursor is not None) == more,
        PAGE_CURSOR,
        page.exchange,
        f"next_cursor should be {should} at offset {offset} of {len(expected)}, got {show(cursor)}",
    )
    if cursor is not None:
        resumed = ask(contract_target, contract_dataset, request, {"limit": limit, "cursor": cursor}, PAGE_CURSOR)
        wanted = expected[offset + limit : offset + 2 * limit]
        require(
            resumed.ids == wanted,
            PAGE_CURSOR,
            resumed.exchange,
            f"expected the matches [{offset + limit}:{offset + 2 * limit}]: {wanted}",
            f"listed: {resumed.ids}",
        )


@settings(profile())
@given(data=st.data(), page_number_=st.integers(min_value=1, max_value=8), size=st.integers(min_value=1, max_value=20))
def test_page_and_page_size_mean_an_offset(
    contract_target: Target,
    contract_dataset: Dataset,
    contract_queries: QueryStrategies,
    data: st.DataObject,
    page_number_: int,
    size: int,
) -> None:
    request = data.draw(contract_queries.request(), label="request")
    expected = ids(contract_dataset.expected(request))
    offset = (page_number_ - 1) * size
    page = ask(contract_target, contract_dataset, request, {"page": page_number_, "page_size": size}, PAGE_STYLE)
    wanted = expected[offset : offset + size]
    require(
        page.ids == wanted,
        PAGE_STYLE,
        page.exchange,
        f"page {page_number_} of size {size} is offset {offset}: expected {wanted}",
        f"listed: {page.ids}",
    )
    check_block(page, len(expected), size, offset)


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
    request = data.draw(contract_queries.request(), label="request")
    total = len(contract_dataset.expected(request))
    offset = min(MAX_OFFSET, total + beyond)
    page = ask(contract_target, contract_dataset, request, {"limit": limit, "offset": offset}, PAGE_PAST_END)
    require(
        page.rows == [], PAGE_PAST_END, page.exchange, f"offset {offset} is past all {total} matches: expected no rows"
    )
    require(page.pagination["total"] == total, PAGE_TOTAL, page.exchange, f"expected total {total}")
