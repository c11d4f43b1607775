"""mockserver/id_index.py: the index finds the rows a dict of ids would, whatever was added, deleted or sorted."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mockserver import id_index
from mockserver.id_index import IdIndex

# Few distinct ids, so that ids come back after being deleted; "" and look-alikes included.
IDS = st.sampled_from(["", "a", "b", "ab", "é", "0", "00", "x" * 40])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), IDS),
        st.tuples(st.just("add_many"), st.lists(IDS, max_size=4, unique=True)),
        st.tuples(st.just("delete"), IDS),
        st.tuples(st.just("sort"), st.none()),
    ),
    max_size=40,
)


@given(STEPS, st.integers(0, 3))
def test_the_index_answers_as_a_dict(steps: list[tuple[str, object]], recent_from: int) -> None:
    id_index._RECENT_FROM = recent_from  # small, so that adding one by one sorts too
    index = IdIndex()
    ids: list[str | None] = []
    model: dict[str, int] = {}
    try:
        for step, argument in steps:
            if step == "add" and isinstance(argument, str) and argument not in model:
                ids.append(argument)
                index.add(argument, len(ids) - 1, ids)
                model[argument] = len(ids) - 1
            elif step == "add_many" and isinstance(argument, list):
                fresh = [i for i in argument if i not in model]
                index.add_many(fresh, len(ids))
                model.update({i: len(ids) + n for n, i in enumerate(fresh)})
                ids += fresh
            elif step == "delete" and isinstance(argument, str) and argument in model:
                index.discard(argument)
                ids[model.pop(argument)] = None
            elif step == "sort":
                index.sort(ids)
            assert index.count == len(model)
            for interaction_id in ("", "a", "b", "ab", "é", "0", "00", "x" * 40, "missing"):
                assert index.get(interaction_id, ids) == model.get(interaction_id)
            assert index.holds_any(["missing", *model], ids) == bool(model)
    finally:
        id_index._RECENT_FROM = 4096
