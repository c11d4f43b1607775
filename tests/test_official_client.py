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
