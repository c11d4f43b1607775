"""The order of a list answer and its pages: sort rules, the pagination block, links and cursors."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from mockserver.store import NamespaceStore
from tests.test_query_operators import engine_ids, listed
from tests.test_query_reference import cursor_offset, naive_list

PATH = "/v1/retrievers/interactions/list"


def rec(interaction_id: str, stamp: str | None = "2025-01-01T00:00:00Z", **fields: Any) -> dict[str, Any]:
    return {"interaction_id": interaction_id, "timestamp": stamp, **fields}


def ordered_ids(records: list[dict[str, Any]], sort: dict[str, Any] | None) -> list[str]:
    body = {} if sort is None else {"sort": sort}
    engine = engine_ids(records, body, {"limit": "100"})
    assert engine == naive_list(records, body, {"limit": "100"})["ids"]
    return engine


MIXED = [
    rec("n2", v=2),
    rec("n1", v=1.0),
    rec("n1b", v=1),
    rec("s", v="b"),
    rec("S", v="B"),
    rec("t", v=True),
    rec("f", v=False),
    rec("l", v=[0]),
    rec("o", v={"a": 1}),
    rec("null", v=None),
    rec("missing"),
]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        pytest.param(
            {"field": "v"}, ["n1", "n1b", "n2", "S", "s", "f", "t", "l", "o", "missing", "null"], id="kinds ascending"
        ),
        pytest.param(
            {"field": "v", "direction": "desc"},
            ["l", "o", "t", "f", "s", "S", "n2", "n1", "n1b", "missing", "null"],
            id="desc reverses values; ties, missing and null keep their places",
        ),
    ],
)
def test_sort_by_kind(sort: dict[str, Any], expected: list[str]) -> None:
    assert ordered_ids(MIXED, sort) == expected


def test_default_is_newest_first_ties_by_id() -> None:
    records = [
        rec("b", "2025-01-02T00:00:00Z"),
        rec("a", "2025-01-02T00:00:00Z"),
        rec("c", "2025-01-03T00:00:00Z"),
        rec("d", "2025-01-01T00:00:00Z"),
    ]
    assert ordered_ids(records, None) == ["c", "a", "b", "d"]
    assert ordered_ids(records, {"field": "timestamp", "direction": "desc"}) == ["c", "a", "b", "d"]
    assert ordered_ids(records, {"field": "created_at"}) == ["d", "a", "b", "c"]


def test_timestamps_sort_as_instants() -> None:
    records = [
        rec("utc9", "2025-01-01T09:00:00Z"),
        rec("plus2", "2025-01-01T10:00:00+02:00"),  # 08:00 UTC
        rec("date", "2025-01-01"),
        rec("odd", "someday"),
        rec("none", None),
    ]
    assert ordered_ids(records, {"field": "timestamp"}) == ["date", "plus2", "utc9", "odd", "none"]
    assert ordered_ids(records, None) == ["odd", "utc9", "plus2", "date", "none"]


def test_sort_by_a_dotted_path_and_missing_last_both_ways() -> None:
    records = [rec("a", metadata={"d": 3}), rec("b", metadata={"d": 1}), rec("c", metadata=None), rec("d")]
    assert ordered_ids(records, {"field": "metadata.d"}) == ["b", "a", "c", "d"]
    assert ordered_ids(records, {"field": "metadata.d", "direction": "desc"}) == ["a", "b", "c", "d"]


def answer(records: list[dict[str, Any]], params: dict[str, str], body: dict[str, Any] | None = None) -> Any:
    store = NamespaceStore("t")
    for record in records:
        store.add(record)
    return listed(store, body or {}, params, PATH)


def many(count: int) -> list[dict[str, Any]]:
    return [rec(f"{i:06d}", f"2025-01-01T00:00:{i % 60:02d}Z", i=i) for i in range(count)]


@pytest.mark.parametrize(
    ("count", "params", "block"),
    [
        (0, {}, {"total": 0, "page": 1, "page_size": 10, "total_pages": 0, "next": None, "previous": None}),
        (25, {}, {"total": 25, "page": 1, "page_size": 10, "total_pages": 3, "next": 10, "previous": None}),
        (25, {"offset": "10"}, {"total": 25, "page": 2, "page_size": 10, "total_pages": 3, "next": 20, "previous": 0}),
        (
            25,
            {"offset": "20"},
            {"total": 25, "page": 3, "page_size": 10, "total_pages": 3, "next": None, "previous": 10},
        ),
        (
            20,
            {"offset": "10"},
            {"total": 20, "page": 2, "page_size": 10, "total_pages": 2, "next": None, "previous": 0},
        ),
        (
            25,
            {"offset": "7", "limit": "5"},
            {"total": 25, "page": 2, "page_size": 5, "total_pages": 5, "next": 12, "previous": 2},
        ),
        (
            25,
            {"offset": "3", "limit": "5"},
            {"total": 25, "page": 1, "page_size": 5, "total_pages": 5, "next": 8, "previous": 0},
        ),
        (5, {"offset": "50"}, {"total": 5, "page": 6, "page_size": 10, "total_pages": 1, "next": None, "previous": 40}),
        (
            25,
            {"page": "2", "page_size": "4"},
            {"total": 25, "page": 2, "page_size": 4, "total_pages": 7, "next": 8, "previous": 0},
        ),
    ],
)
def test_pagination_block(count: int, params: dict[str, str], block: dict[str, Any]) -> None:
    records = many(count)
    expected = naive_list(records, {}, params)
    assert {k: v for k, v in expected.items() if k != "ids"} == block
    got = answer(records, params)
    pagination = got["pagination"]
    assert [r["interaction_id"] for r in got["results"]] == expected["ids"]
    assert got["items"] == got["results"]
    assert {k: pagination[k] for k in ("total", "page", "page_size", "total_pages")} == {
        k: block[k] for k in ("total", "page", "page_size", "total_pages")
    }
    limit = block["page_size"]
    for key, offset in (("next_page", block["next"]), ("previous_page", block["previous"])):
        link = pagination[key]
        if offset is None:
            assert link is None
        else:
            assert link == f"{PATH}?limit={limit}&offset={offset}"
    if block["next"] is None:
        assert pagination["next_cursor"] is None
    else:
        assert cursor_offset(pagination["next_cursor"]) == block["next"]


def follow(link: str) -> dict[str, str]:
    parts = urlsplit(link)
    assert parts.path == PATH
    return dict(parse_qsl(parts.query))


@pytest.mark.parametrize("first", [{"limit": "1000"}, {"page_size": "700", "page": "1"}])
def test_walking_next_page_past_offset_10000_visits_every_match_once(first: dict[str, str]) -> None:
    records = many(12_500)
    store = NamespaceStore("t")
    for record in records:
        store.add(record)
    body = {"sort": {"field": "i", "direction": "desc"}}
    seen: list[str] = []
    params: dict[str, str] | None = first
    links: list[str] = []
    while params is not None:
        page = listed(store, body, params, PATH)
        seen += [r["interaction_id"] for r in page["results"]]
        link = page["pagination"]["next_page"]
        links.append(link or "")
        params = follow(link) if link else None
    assert seen == [f"{i:06d}" for i in reversed(range(12_500))]
    assert any("cursor=" in link for link in links), "past offset 10000 the links carry a cursor"
    assert all("offset=" in link for link in links if "cursor=" not in link and link)


def test_a_cursor_page_equals_the_offset_page_and_links_back() -> None:
    records = many(10_040)
    by_offset = answer(records, {"offset": "10000", "limit": "20"})
    cursor = by_offset["pagination"]["next_cursor"]
    by_cursor = answer(records, {"cursor": cursor, "limit": "20"})
    assert cursor_offset(cursor) == 10_020
    assert by_offset["pagination"]["next_page"] == f"{PATH}?limit=20&cursor={cursor}"
    assert by_cursor["pagination"]["page"] == 502
    assert by_cursor["pagination"]["previous_page"] == f"{PATH}?limit=20&offset=10000"
    assert [r["interaction_id"] for r in by_cursor["results"]] == naive_list(
        records, {}, {"offset": "10020", "limit": "20"}
    )["ids"]
    assert by_cursor["pagination"]["next_page"] is None


def _page_ids(store: NamespaceStore, body: dict[str, Any], params: dict[str, str]) -> tuple[list[str], int]:
    page = listed(store, body, params, PATH)
    return [r["interaction_id"] for r in page["results"]], page["pagination"]["total"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user_id": "u"},
        {"filters": {"metadata.c": {"in": ["blue", "red"]}}},
        {"search": "blue", "sort": {"field": "metadata.n"}},
    ],
    ids=["default", "simple field", "filter", "search and sort"],
)
def test_remembered_matches_are_forgotten_on_every_write(body: dict[str, Any]) -> None:
    store = NamespaceStore("t")
    for i in range(40):
        store.add(rec(f"{i:03d}", f"2025-01-01T00:00:{i:02d}Z", user_id="u", metadata={"n": i, "c": "blue"}))
    first, total = _page_ids(store, body, {"limit": "5"})
    assert (first, total) == (["039", "038", "037", "036", "035"] if "sort" not in body else first, 40)
    assert _page_ids(store, body, {"limit": "5"}) == (first, total), "asking again answers the same"
    store.add(rec("newest", "2026-01-01T00:00:00Z", user_id="u", metadata={"n": -1, "c": "blue"}))
    after_add, total = _page_ids(store, body, {"limit": "5"})
    assert total == 41
    assert after_add[0] == "newest"
    store.delete("newest")
    assert _page_ids(store, body, {"limit": "5"}) == (first, 40)


def test_a_deeper_page_than_the_remembered_ones_is_evaluated_again() -> None:
    store = NamespaceStore("t")
    records = [rec(f"{i:03d}", metadata={"n": i % 7}) for i in range(300)]
    for record in records:
        store.add(record)
    body = {"sort": {"field": "metadata.n", "direction": "desc"}}
    expected = naive_list(records, body, {"limit": "1000"})["ids"]
    assert _page_ids(store, body, {"limit": "10"})[0] == expected[:10]
    for offset in ("10", "35", "150", "290"):
        assert _page_ids(store, body, {"limit": "10", "offset": offset})[0] == expected[int(offset) : int(offset) + 10]
    assert _page_ids(store, body, {"limit": "10", "offset": "300"}) == ([], 300)
