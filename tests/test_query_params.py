"""The query string's two validators: jsonschema-rs decides on every request, Python words refusals."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import specs
from mockserver.errors import ValidationFailed
from mockserver.validation import _query_parameters, check_query

PAGING = specs.query_parameters("list_interactions")["paging"]["properties"]

# Values as the query string delivers them once typed: numbers near every bound, and text.
VALUES = st.one_of(
    st.integers(min_value=-3, max_value=12),
    st.integers(),
    st.sampled_from([0, 1, 100, 1000, 1001, 10_000, 10_001, 100_000, 100_001]),
    st.text(max_size=12),
    st.from_regex(r"c[0-9]{0,11}", fullmatch=True),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(value=st.dictionaries(st.sampled_from(sorted(PAGING)), VALUES, max_size=4))
def test_fast_and_python_query_validators_agree(value: dict[str, Any]) -> None:
    (paging,) = (p for p in _query_parameters("list_interactions") if p.name == "paging")
    assert paging.fast.is_valid(value) == paging.validator.is_valid(value), value
    assert paging.fast.is_valid(value) == (not list(paging.errors(value, ("query",))))


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": "0"}, "limit"), ({"cursor": "x"}, "cursor"), ({"limit": "5", "page_size": "5"}, "page_size")],
)
def test_refused_query_strings_still_name_the_parameter(params: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_query("list_interactions", params)
    assert [error.loc for error in refused.value.errors] == [("query", field)]
