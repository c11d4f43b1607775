"""mockserver/query/order.py: ranks computed in bulk are those of compare.sort_key, for every mix of values."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from mockserver.query.order import _ranked_in_bulk, _ranked_one_by_one
from mockserver.table import Column

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4)
    # A trailing NUL (which numpy's fixed-width strings drop), and strings past the width sorted in numpy.
    | st.text(alphabet="a\x00\U0001f600", max_size=3)
    | st.text(max_size=2).map(lambda tail: "z" * 300 + tail)
)
VALUES = SCALARS | st.lists(SCALARS, max_size=2) | st.dictionaries(st.just("k"), SCALARS, max_size=1)


@given(st.lists(VALUES, max_size=40))
@example(["a\x00", "a", "b"])
def test_bulk_ranks_are_the_sort_keys_ranks(values: list[Any]) -> None:
    column = Column(0)
    for value in values:
        column.code(value)
    bulk = _ranked_in_bulk(column)
    one_by_one = _ranked_one_by_one(column, as_instant=False)
    if any(type(v) is int and abs(v) >= 2**53 for v in column.values[3:]):
        assert bulk is None  # such integers are ranked one by one, exactly
    else:
        assert bulk is not None and bulk.tolist() == one_by_one.tolist()
