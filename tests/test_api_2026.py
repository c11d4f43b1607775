"""The mock under ``--api-version 2026-11``: backfill, deduplication, warnings, the new rules, operators and paging.

docs/list-semantics.md ("API version 2026-11") states each rule tested here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

import specs
from mockserver.handlers import NO_FEATURE_URI
from mockserver.query.geo import Box, Polygon, Radius, distance_m
from mockserver.query.words import word_test
from tests.conftest import AUTH, ClientFactory

API = "/v1/retrievers/interactions"
V2026 = specs.edition(specs.V2026_11)
CLICK = {"feature_id": "doc_1", "interaction_type": ["click"], "position": 0}


@pytest.fixture
async def client(make_client: ClientFactory) -> TestClient[Any, Any]:
    return await make_client(api_version=specs.V2026_11)


async def _post(client: TestClient[Any, Any], path: str, body: Any, status: int = 200) -> Any:
    response = await client.post(path, json=body, headers=AUTH)
    answer = await response.json()
    assert response.status == status, answer
    return answer


async def _listed(client: TestClient[Any, Any], body: dict[str, Any] | None = None, query: str = "") -> Any:
    return await _post(client, f"{API}/list{query}", body or {})


# --- Backfill -----------------------------------------------------------------------------------


async def test_occurred_at_is_stored_in_utc_and_a_naive_time_is_utc(client: TestClient[Any, Any]) -> None:
    naive = await _post(client, API, {**CLICK, "occurred_at": "2026-03-01T09:30:00"})
    shifted = await _post(client, API, {**CLICK, "feature_id": "doc_2", "occurred_at": "2026-03-01T11:30:00+02:00"})
    assert naive["occurred_at"] == shifted["occurred_at"] == "2026-03-01T09:30:00.000000Z"
    assert naive["timestamp"] > naive["occurred_at"]  # recorded now, happened then
    got = await (await client.get(f"{API}/{naive['interaction_id']}", headers=AUTH)).json()
    assert got["occurred_at"] == naive["occurred_at"] and "deduplicated" not in got


async def test_a_future_occurred_at_is_clamped_and_none_means_now(client: TestClient[Any, Any]) -> None:
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    clamped = await _post(client, API, {**CLICK, "occurred_at": future})
    assert clamped["occurred_at"] == clamped["timestamp"]
    live = await _post(client, API, {**CLICK, "feature_id": "doc_2"})
    assert live["occurred_at"] == live["timestamp"]


async def test_the_default_order_is_when_it_happened(client: TestClient[Any, Any]) -> None:
    for day in (3, 1, 2):
        await _post(client, API, {**CLICK, "feature_id": f"day_{day}", "occurred_at": f"2025-01-0{day}"})
    live = await _post(client, API, {**CLICK, "feature_id": "live"})
    listed = await _listed(client)
    assert [r["feature_id"] for r in listed["results"]] == ["live", "day_3", "day_2", "day_1"]
    ranged = await _listed(client, {"filters": {"occurred_at": {"lt": "2025-01-03T00:00:00Z"}}})
    assert [r["feature_id"] for r in ranged["results"]] == ["day_2", "day_1"]
    # Ranges on timestamp still compare when the mock recorded it: every record, just now.
    recorded = await _listed(client, {"filters": {"timestamp": {"gte": live["timestamp"][:10]}}}, "?limit=100")
    assert len(recorded["results"]) == 4


async def test_an_occurred_at_range_needs_an_instant(client: TestClient[Any, Any]) -> None:
    body = await _post(client, f"{API}/list", {"filters": {"occurred_at": {"gte": "last week"}}}, 422)
    assert body["detail"][0]["loc"] == ["body", "filters", "occurred_at", "gte"]


async def test_records_without_occurred_at_order_by_their_timestamp(make_client: ClientFactory) -> None:
    older = {**CLICK, "feature_id": "old", "interaction_id": "a", "timestamp": "2024-01-01T00:00:00Z"}
    newer = {**CLICK, "feature_id": "new", "interaction_id": "b", "timestamp": "2024-06-01T00:00:00Z"}
    between = {**CLICK, "feature_id": "mid", "interaction_id": "c", "timestamp": "2026-01-01T00:00:00Z"}
    between["occurred_at"] = "2024-03-01T00:00:00Z"
    client = await make_client(api_version=specs.V2026_11)
    loaded = await client.post("/_mock/namespaces/test-ns/records", json=[older, newer, between])
    assert loaded.status == 200, await loaded.text()
    listed = await _listed(client)
    assert [r["feature_id"] for r in listed["results"]] == ["new", "mid", "old"]


# --- Deduplication ------------------------------------------------------------------------------


async def test_a_repeat_within_the_window_is_dropped(client: TestClient[Any, Any]) -> None:
    first = await _post(client, API, {**CLICK, "execution_id": "exec_1", "interaction_type": ["click", "view"]})
    assert first["deduplicated"] is False and first["interaction_id"]
    again = await _post(client, API, {**CLICK, "execution_id": "exec_1", "interaction_type": ["view", "click"]})
    assert again["deduplicated"] is True and again["interaction_id"] is None
    other = await _post(client, API, {**CLICK, "execution_id": "exec_1", "feature_id": "doc_2"})
    anonymous = [await _post(client, API, CLICK) for _ in range(2)]  # no execution_id: never a repeat
    assert other["deduplicated"] is False and all(a["deduplicated"] is False for a in anonymous)
    listed = await _listed(client, query="?include_total=true")
    assert listed["pagination"]["total"] == 4


async def test_a_batch_drops_repeats_of_recent_and_of_its_own_items(client: TestClient[Any, Any]) -> None:
    await _post(client, API, {**CLICK, "execution_id": "e"})
    items = [{**CLICK, "execution_id": "e"}, {**CLICK, "execution_id": "f"}, {**CLICK, "execution_id": "f"}, CLICK]
    answer = await _post(client, f"{API}/batch", {"interactions": items})
    assert [(r["status"], bool(r["interaction_id"])) for r in answer["results"]] == [
        ("deduplicated", False),
        ("created", True),
        ("deduplicated", False),
        ("created", True),
    ]
    assert (answer["created"], answer["failed"]) == (2, 0)
    listed = await _listed(client, query="?include_total=true")
    assert listed["pagination"]["total"] == 3


async def test_a_window_of_zero_keeps_every_repeat(make_client: ClientFactory) -> None:
    client = await make_client(api_version=specs.V2026_11, dedup_window_s=0)
    answers = [await _post(client, API, {**CLICK, "execution_id": "e"}) for _ in range(3)]
    assert [a["deduplicated"] for a in answers] == [False, False, False]


async def test_a_reset_forgets_what_was_recorded(client: TestClient[Any, Any]) -> None:
    await _post(client, API, {**CLICK, "execution_id": "e"})
    assert (await client.post("/_mock/reset", headers=AUTH)).status == 200
    assert (await _post(client, API, {**CLICK, "execution_id": "e"}))["deduplicated"] is False


# --- Warnings and rules -------------------------------------------------------------------------


async def test_a_create_without_feature_uri_warns(client: TestClient[Any, Any]) -> None:
    assert (await _post(client, API, CLICK))["warning"] == NO_FEATURE_URI
    with_uri = await _post(client, API, {**CLICK, "feature_uri": "mixpeek://text_extractor@v1/embedding"})
    assert "warning" not in with_uri and with_uri["feature_uri"] == "mixpeek://text_extractor@v1/embedding"


@pytest.mark.parametrize(
    ("path", "body", "loc", "says"),
    [
        (API, {**CLICK, "colour": "red"}, ["body", "colour"], "unknown key 'colour'; allowed: feature_id"),
        (f"{API}/list", {"user": "u1"}, ["body", "user"], "unknown key 'user'; allowed: execution_id"),
        (f"{API}/batch", {"interactions": [CLICK], "x": 1}, ["body", "x"], "unknown key 'x'; allowed: interactions"),
        (API, {**CLICK, "retriever_id": "r"}, ["body", "execution_id"], "required when retriever_id is set"),
        (API, {**CLICK, "result_set_size": 0}, ["body", "interaction_type"], "may be 0 only with interaction_type"),
        (API, {**CLICK, "occurred_at": "yesterday"}, ["body", "occurred_at"], "refused"),
    ],
)
async def test_the_2026_rules_refuse_with_the_reason(
    client: TestClient[Any, Any], path: str, body: dict[str, Any], loc: list[str], says: str
) -> None:
    refused = await _post(client, path, body, 422)
    assert refused["detail"][0]["loc"] == loc and says in refused["detail"][0]["msg"], refused


async def test_the_2026_rules_hold_only_where_they_apply(client: TestClient[Any, Any]) -> None:
    await _post(client, API, {**CLICK, "retriever_id": "r", "execution_id": "e"})
    await _post(client, API, {**CLICK, "interaction_type": ["zero_results"], "result_set_size": 0})
    await _post(client, API, {**CLICK, "interaction_type": ["rating", "impression"]})


async def test_the_seed_version_is_unchanged(make_client: ClientFactory) -> None:
    client = await make_client()
    created = await _post(client, API, {**CLICK, "occurred_at": "2020-01-01", "execution_id": "e"})
    assert "occurred_at" not in created and "deduplicated" not in created
    assert (await _post(client, API, {**CLICK, "execution_id": "e"}))["interaction_id"]
    assert (await _listed(client))["pagination"]["total"] == 2


# --- Paging ------------------------------------------------------------------------------------


async def test_total_is_counted_only_when_asked(client: TestClient[Any, Any]) -> None:
    for position in range(3):
        await _post(client, API, {**CLICK, "position": position})
    uncounted = (await _listed(client, query="?limit=2"))["pagination"]
    assert (uncounted["total"], uncounted["total_pages"], uncounted["next_cursor"]) == (None, None, "c2")
    counted = (await _listed(client, query="?limit=2&include_total=true"))["pagination"]
    assert (counted["total"], counted["total_pages"]) == (3, 2)
    # The links ask for the total again, so that every page of a walk counts it.
    assert counted["next_page"] == f"{API}/list?limit=2&offset=2&include_total=true"
    assert (await _listed(client, query=counted["next_page"].split("list", 1)[1]))["pagination"]["total"] == 3
    nothing = await _listed(client, {"feature_id": "none"}, "?include_total=true")
    assert nothing["pagination"]["total"] == 0


async def test_next_cursor_and_after_resume_as_cursor_does(client: TestClient[Any, Any]) -> None:
    for position in range(4):
        await _post(client, API, {**CLICK, "position": position})
    by_cursor = await _listed(client, query="?limit=1&cursor=c2")
    for name in ("next_cursor", "after"):
        assert (await _listed(client, query=f"?limit=1&{name}=c2"))["results"] == by_cursor["results"]
    # cursor wins, then next_cursor.
    assert (await _listed(client, query="?limit=1&after=c0&cursor=c2"))["results"] == by_cursor["results"]
    assert (await _listed(client, query="?limit=1&after=c0&next_cursor=c2"))["results"] == by_cursor["results"]
    refused = await _post(client, f"{API}/list?offset=1&after=c2", {}, 422)
    assert refused["detail"][0]["loc"][0] == "query"


# --- Operators ---------------------------------------------------------------------------------


async def _matching(client: TestClient[Any, Any], filters: dict[str, Any]) -> list[str]:
    listed = await _listed(client, {"filters": filters, "sort": {"field": "feature_id"}}, "?limit=100")
    return [r["feature_id"] for r in listed["results"]]


async def test_words_compare_stems_and_phrase_words_in_order(client: TestClient[Any, Any]) -> None:
    titles = {"a": "Drinking coffee in Paris", "b": "He drinks tea", "c": ["x", "the drink"], "d": "drinker", "e": 7}
    for feature_id, title in titles.items():
        await _post(client, API, {**CLICK, "feature_id": feature_id, "metadata": {"title": title}})
    assert await _matching(client, {"metadata.title": {"words": "DRINK"}}) == ["a", "b", "c"]
    assert await _matching(client, {"metadata.title": {"words": "drinks coffee"}}) == ["a"]
    assert await _matching(client, {"metadata.title": {"phrase": "coffee in paris"}}) == ["a"]
    assert await _matching(client, {"metadata.title": {"phrase": "paris coffee"}}) == []
    sensitive = {"field": "metadata.title", "operator": "phrase", "value": "coffee in paris", "case_sensitive": True}
    assert await _matching(client, sensitive) == []


async def test_geo_operators_find_points_in_both_forms_and_in_lists(client: TestClient[Any, Any]) -> None:
    places = {
        "paris": {"lat": 48.857, "lon": 2.352},
        "berlin": [13.405, 52.52],
        "tour": [[2.35, 48.86], {"lat": 45.76, "lon": 4.84}],
        "nowhere": {"lat": 48.857, "lon": 2.352, "alt": 3},
        "text": "48.857,2.352",
    }
    for feature_id, place in places.items():
        await _post(client, API, {**CLICK, "feature_id": feature_id, "metadata": {"place": place}})
    near_paris = {"geo_radius": {"center": {"lat": 48.85, "lon": 2.35}, "radius": 2000}}
    assert await _matching(client, {"metadata.place": near_paris}) == ["paris", "tour"]
    germany = {"geo_bounding_box": {"top_left": {"lat": 55, "lon": 6}, "bottom_right": {"lat": 47, "lon": 15}}}
    assert await _matching(client, {"metadata.place": germany}) == ["berlin"]
    france = {"exterior": {"points": [[-5, 42], [8, 42], [8, 51], [-5, 51]]}}
    assert await _matching(client, {"metadata.place": {"geo_polygon": france}}) == ["paris", "tour"]
    holed = {**france, "interiors": [{"points": [[2, 48], [3, 48], [3, 49], [2, 49], [2, 48]]}]}
    assert await _matching(client, {"metadata.place": {"geo_polygon": holed}}) == ["tour"]


@pytest.mark.parametrize(
    ("operand", "loc", "says"),
    [
        ({"geo_bounding_box": {"top_left": [0, 1], "bottom_right": [1, 2]}}, "top_left", "south of bottom_right"),
        ({"geo_polygon": {"exterior": {"points": [[0, 0], [1, 1], [0, 0]]}}}, "exterior", "at least 3 different"),
        ({"geo_radius": {"center": {"lat": 91, "lon": 0}, "radius": 1}}, "lat", "must be at most 90, got 91"),
        ({"geo_radius": {"center": [0, 0]}}, "geo_radius", "field required"),
    ],
)
async def test_a_geo_operand_that_is_no_shape_is_refused(
    client: TestClient[Any, Any], operand: dict[str, Any], loc: str, says: str
) -> None:
    refused = await _post(client, f"{API}/list", {"filters": {"metadata.place": operand}}, 422)
    detail = refused["detail"][0]
    assert loc in detail["loc"] and says in detail["msg"], detail


_WORDS = st.sampled_from(["drink", "drinks", "drinking", "coffee", "Paris", "in", "the", "tea", "café", "x_1"])
_TEXT = st.lists(_WORDS, max_size=6).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(value=_TEXT, operand=_TEXT)
def test_phrase_is_a_run_of_the_values_words_and_implies_words_up_to_stems(value: str, operand: str) -> None:
    """A phrase found is a contiguous run of the value's words; where the phrase holds, so do its words."""
    wanted, found = operand.casefold().split(), value.casefold().split()
    expected = any(found[i : i + len(wanted)] == wanted for i in range(len(found) - len(wanted) + 1))
    assert word_test("phrase", operand, False)(value) is expected
    if expected:
        assert word_test("words", operand, False)(value)


_POINT = st.tuples(st.floats(-89, 89), st.floats(-179, 179))


@settings(max_examples=200, deadline=None)
@given(center=_POINT, point=_POINT, radius=st.floats(0, 2e7))
def test_a_radius_holds_exactly_within_its_distance(center: tuple[float, float], point: Any, radius: float) -> None:
    assert Radius(center, radius).holds(point) is (distance_m(center, point) <= radius)


@settings(max_examples=200, deadline=None)
@given(
    box=st.tuples(st.integers(-9, 9), st.integers(-9, 9), st.integers(-9, 9), st.integers(-9, 9)),
    point=st.tuples(st.integers(-10, 10), st.integers(-10, 10)),
)
def test_a_box_without_wrap_is_the_polygon_of_its_corners(box: tuple[int, ...], point: tuple[int, int]) -> None:
    """On integer coordinates (exact arithmetic), the two shapes agree, edges included."""
    north, south = max(box[0], box[1]), min(box[0], box[1])
    west, east = min(box[2], box[3]), max(box[2], box[3])
    if north == south or west == east:
        return
    ring = ((north, west), (north, east), (south, east), (south, west))
    as_point = (float(point[0]), float(point[1]))
    assert Box(north, west, south, east).holds(as_point) is Polygon(ring, ()).holds(as_point)


def test_settings_name_the_versions_they_know() -> None:
    from mockserver import Settings

    with pytest.raises(ValueError, match="no API version '2027-01'; the versions: 2025-12, 2026-11"):
        Settings(api_version="2027-01")
    assert Settings(api_version="2026-11", dedup_window_s=0).edition == V2026


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--api-version", "2027-01"], "the API versions are 2025-12, 2026-11, got '2027-01'"),
        (["--dedup-window", "-1"], "must be between 0 and 86400 s"),
        (["--dedup-window", "soon"], "expected a number of seconds"),
    ],
)
def test_bad_contract_options_are_usage_errors(args: list[str], says: str) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "mockserver", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and says in done.stderr, done.stderr
