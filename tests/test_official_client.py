"""The official ``mixpeek`` Python client, unchanged, drives the mock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mockserver import BackgroundServer, Settings

mixpeek = pytest.importorskip("mixpeek", reason="the official mixpeek client could not be installed")

from mixpeek.api.retriever_interactions_api import RetrieverInteractionsApi  # noqa: E402
from mixpeek.models.list_interactions_request import ListInteractionsRequest  # noqa: E402
from mixpeek.models.search_interaction import SearchInteraction  # noqa: E402


@pytest.fixture
def api() -> Iterator[Any]:
    with BackgroundServer(Settings(port=0, count=0)) as server:
        config = mixpeek.Configuration(host=server.url, access_token="sk_test", api_key={"NamespaceHeader": "client"})
        yield RetrieverInteractionsApi(mixpeek.ApiClient(config))


def test_create_get_list_delete(api: Any) -> None:
    created = [
        api.create_interaction_retrievers(
            SearchInteraction(feature_id="doc_1", interaction_type=["click"], position=p, metadata={"device": "mobile"})
        )
        for p in (1, 4, 9)
    ]
    assert api.get_interaction_retrievers(created[0].interaction_id).position == 1

    request = ListInteractionsRequest.from_dict(
        {"feature_id": "doc_1", "filters": {"AND": [{"field": "position", "operator": "lte", "value": 5}]}}
    )
    page = api.list_interactions_retrievers(limit=10, list_interactions_request=request)
    assert {r.interaction_id for r in page.results} == {created[0].interaction_id, created[1].interaction_id}
    assert page.pagination.total == 2
    assert [r.interaction_id for r in page.items] == [r.interaction_id for r in page.results]

    confirmation = api.delete_interaction_retrievers(created[0].interaction_id)
    assert confirmation["interaction_id"] == created[0].interaction_id
    with pytest.raises(mixpeek.exceptions.NotFoundException):
        api.get_interaction_retrievers(created[0].interaction_id)


def test_a_partial_batch_reads_back_through_the_client(api: Any) -> None:
    """A failed item's result parses too: the client requires a string interaction_id in every result."""
    from mixpeek.models.bulk_interactions_request import BulkInteractionsRequest

    # Valid for the client, past the mock's own bound on position (2**63 - 1): the second item fails.
    items = [SearchInteraction(feature_id="doc_1", interaction_type=["click"], position=p) for p in (0, 2**70)]
    answer = api.create_interactions_bulk_retrievers_batch(BulkInteractionsRequest(interactions=items))
    assert (answer.created, answer.failed) == (1, 1)
    assert [(r.index, r.status, r.interaction_id == "") for r in answer.results] == [
        (0, "created", False),
        (1, "failed", True),
    ]
    assert api.get_interaction_retrievers(answer.results[0].interaction_id).position == 0


@pytest.fixture
def api_2026() -> Iterator[Any]:
    with BackgroundServer(Settings(port=0, count=0, api_version="2026-11")) as server:
        config = mixpeek.Configuration(host=server.url, access_token="sk_test", api_key={"NamespaceHeader": "client"})
        yield RetrieverInteractionsApi(mixpeek.ApiClient(config))


def test_the_2026_api_through_the_newest_client(api_2026: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """Backfill, a duplicate, include_total, page, cursor and the new operators, read through the client's models."""
    from datetime import datetime

    def click(feature_id: str, **fields: Any) -> Any:
        return SearchInteraction(feature_id=feature_id, interaction_type=["click"], position=0, **fields)

    backfilled = api_2026.create_interaction_retrievers(
        click(
            "doc_1",
            execution_id="exec_1",
            feature_uri="mixpeek://text_extractor@v1/embedding",
            occurred_at=datetime(2026, 3, 1, 9, 30),  # naive: UTC
            metadata={"title": "Drinking coffee in Paris", "place": {"lat": 48.857, "lon": 2.352}},
        )
    )
    assert backfilled.occurred_at.isoformat() == "2026-03-01T09:30:00+00:00"
    assert backfilled.deduplicated is False and backfilled.warning is None
    repeat = api_2026.create_interaction_retrievers(click("doc_1", execution_id="exec_1"))
    assert repeat.deduplicated is True and repeat.interaction_id is None
    live = api_2026.create_interaction_retrievers(click("doc_2", metadata={"title": "tea", "place": [13.4, 52.5]}))
    assert live.warning and "feature_uri" in live.warning

    everything = api_2026.list_interactions_retrievers(page=1, page_size=1)
    assert [r.feature_id for r in everything.results] == ["doc_2"]  # newest occurred_at first
    assert everything.pagination.total is None and everything.pagination.next_cursor
    rest = api_2026.list_interactions_retrievers(cursor=everything.pagination.next_cursor, include_total=True)
    assert [r.feature_id for r in rest.results] == ["doc_1"] and rest.pagination.total == 2
    for filters in (
        {"metadata.title": {"words": "drinks"}},
        {"metadata.title": {"phrase": "coffee in paris"}},
        {"metadata.place": {"geo_radius": {"center": {"lat": 48.85, "lon": 2.35}, "radius": 2000}}},
    ):
        request = ListInteractionsRequest.from_dict({"filters": filters})
        found = api_2026.list_interactions_retrievers(include_total=True, list_interactions_request=request)
        assert [r.interaction_id for r in found.results] == [backfilled.interaction_id], filters
    with capsys.disabled():
        print(
            f"\nofficial client {mixpeek.__version__} against --api-version 2026-11: backfilled occurred_at "
            f"{backfilled.occurred_at.isoformat()}, repeat deduplicated={repeat.deduplicated}, "
            f"warning {live.warning!r}, first page total={everything.pagination.total}, "
            f"cursor page total={rest.pagination.total}; words/phrase/geo_radius each found the backfilled record"
        )
