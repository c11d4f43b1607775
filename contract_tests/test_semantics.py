"""Meaning of a list answer: exactly the matching records, in the documented order.

Each property draws a request whose meaning CONTRACT.md fixes, sends it scoped to this
run's records, and compares the whole answer with the reference evaluator's.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract_tests.answers import check_matches
from contract_tests.dataset import Dataset
from contract_tests.plugin import profile
from contract_tests.strategies import ADDED_KINDS, QueryStrategies
from contract_tests.target import Target


@settings(profile())
@given(data=st.data())
def test_filter_tree_lists_exactly_the_matching_records(
    contract_target: Target, contract_dataset: Dataset, contract_queries: QueryStrategies, data: st.DataObject
) -> None:
    """All fifteen operators (from 2026-11 twenty), AND/OR/NOT, shorthand, nesting and case_sensitive at every level."""
    filters = data.draw(contract_queries.tree(), label="filters")
    check_matches(contract_target, contract_dataset, {"filters": filters})


@settings(profile())
@given(data=st.data())
def test_simple_fields_list_exact_matches(
    contract_target: Target, contract_dataset: Dataset, contract_queries: QueryStrategies, data: st.DataObject
) -> None:
    """execution_id, retriever_id, session_id, user_id, feature_id exactly; interaction_type by membership."""
    request = data.draw(contract_queries.simple_fields(), label="simple fields")
    check_matches(contract_target, contract_dataset, request)


@settings(profile())
@given(data=st.data())
def test_search_finds_every_term_in_metadata(
    contract_target: Target, contract_dataset: Dataset, contract_queries: QueryStrategies, data: st.DataObject
) -> None:
    search = data.draw(contract_queries.search(), label="search")
    check_matches(contract_target, contract_dataset, {"search": search})


@settings(profile())
@given(data=st.data())
def test_sort_orders_the_matches(
    contract_target: Target, contract_dataset: Dataset, contract_queries: QueryStrategies, data: st.DataObject
) -> None:
    """Any field whose values are of one kind, either direction or the default; missing last; ties by id."""
    sort = data.draw(st.none() | contract_queries.sort(), label="sort")
    check_matches(contract_target, contract_dataset, {} if sort is None else {"sort": sort})


@settings(profile())
@given(data=st.data())
def test_whole_requests_list_the_matches_in_order(
    contract_target: Target, contract_dataset: Dataset, contract_queries: QueryStrategies, data: st.DataObject
) -> None:
    """Simple fields, filters, search and sort together: every part must hold (they combine with AND)."""
    request = data.draw(contract_queries.request(), label="request")
    check_matches(contract_target, contract_dataset, request)


@pytest.mark.parametrize("kind", ADDED_KINDS)
@settings(profile())
@given(data=st.data())
def test_each_addition_of_2026_11_lists_exactly_its_matches(
    contract_2026_11: Target,
    contract_dataset: Dataset,
    contract_queries: QueryStrategies,
    kind: str,
    data: st.DataObject,
) -> None:
    """words, phrase, each geo operator and ranges on occurred_at, one condition at a time (or its negation):
    in trees, where other conditions often decide the answer, a wrong reading of one may go unseen."""
    if kind in contract_queries.geo_refused:
        pytest.skip(f"not checked: the target refuses Qdrant-shaped operands of {kind}")
    condition = data.draw(contract_queries.added_condition(kind), label="condition")
    combinator = data.draw(st.sampled_from(["AND", "NOT"]), label="combinator")
    check_matches(contract_2026_11, contract_dataset, {"filters": {combinator: [condition]}})
