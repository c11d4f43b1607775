"""How a filter tree, the simple fields and the search combine (docs/list-semantics.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_query_operators import engine_ids
from tests.test_query_reference import naive_list


def rec(interaction_id: str, **fields: Any) -> dict[str, Any]:
    return {"interaction_id": interaction_id, "timestamp": "2025-01-01T00:00:00Z", **fields}


RECORDS = [
    rec("a", position=1, device="Mobile", interaction_type=["click"], user_id="u1", session_id="s1"),
    rec("b", position=5, device="desktop", interaction_type=["click", "purchase"], user_id="U1", session_id="s1"),
    rec("c", position=9, device="mobile", interaction_type=["view"], user_id="u2", session_id=None),
    rec("d", device=None, interaction_type=["view"], user_id=None),
]


def both(body: dict[str, Any]) -> list[str]:
    """The matching ids (sorted), after checking that the engine and the reference agree."""
    engine = engine_ids(RECORDS, body, {"limit": "100"})
    reference = naive_list(RECORDS, body, {"limit": "100"})["ids"]
    assert engine == reference, body
    return sorted(engine)


TREES = [
    pytest.param({"AND": [{"position": {"gte": 2}}, {"device": "mobile"}]}, ["c"], id="AND"),
    pytest.param({"OR": [{"position": 1}, {"device": "desktop"}]}, ["a", "b"], id="OR"),
    pytest.param({"NOT": [{"position": 1}, {"device": "desktop"}]}, ["c", "d"], id="NOT: none of them"),
    pytest.param({"NOT": {"field": "device", "operator": "eq", "value": "mobile"}}, ["b", "d"], id="NOT single object"),
    pytest.param({"AND": {"position": 5}}, ["b"], id="AND single object"),
    pytest.param({"position": {"gte": 1, "lte": 5}}, ["a", "b"], id="shorthand: every operator holds"),
    pytest.param({"position": {"gte": 1}, "device": "mobile"}, ["a", "c"], id="keys of one level: AND"),
    pytest.param(
        {"OR": [{"position": 1}, {"position": 9}], "NOT": [{"device": "MOBILE"}]}, [], id="OR and NOT at one level"
    ),
    pytest.param({"AND": None, "OR": [{"position": 9}]}, ["c"], id="null group is absent"),
    pytest.param({}, ["a", "b", "c", "d"], id="empty tree"),
    pytest.param({"device": "mobile", "case_sensitive": True}, ["c"], id="case_sensitive at the top"),
    pytest.param({"case_sensitive": True, "OR": [{"device": "Mobile"}]}, ["a"], id="inherited by a nested tree"),
    pytest.param(
        {"case_sensitive": True, "OR": [{"case_sensitive": False, "device": "MOBILE"}]},
        ["a", "c"],
        id="a nested tree's own wins",
    ),
    pytest.param(
        {"case_sensitive": True, "AND": [{"field": "device", "value": "MOBILE", "case_sensitive": False}]},
        ["a", "c"],
        id="a condition's own wins",
    ),
    pytest.param(
        {"AND": [{"field": "device", "operator": "eq", "value": "MOBILE", "case_sensitive": None}]},
        ["a", "c"],
        id="the official client's null case_sensitive: a condition that inherits",
    ),
    pytest.param({"AND": [{"field": "position", "value": 5}]}, ["b"], id="operator defaults to eq"),
    pytest.param(
        {"OR": [{"AND": [{"OR": [{"AND": [{"position": 1}]}]}]}, {"NOT": {"NOT": {"position": 9}}}]},
        ["a", "c"],
        id="nested",
    ),
]


@pytest.mark.parametrize(("tree", "expected"), TREES)
def test_tree(tree: dict[str, Any], expected: list[str]) -> None:
    assert both({"filters": tree}) == expected


def test_eight_levels_are_accepted() -> None:
    tree: dict[str, Any] = {"position": 1}
    for _ in range(7):
        tree = {"AND": [tree]}
    assert both({"filters": tree}) == ["a"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({"user_id": "u1"}, ["a"], id="exact and case-sensitive"),
        pytest.param({"session_id": "s1", "user_id": "U1"}, ["b"], id="several combine with AND"),
        pytest.param({"interaction_type": "click"}, ["a", "b"], id="interaction_type: the list holds it"),
        pytest.param({"interaction_type": "CLICK"}, [], id="interaction_type is exact"),
        pytest.param({"user_id": None, "session_id": None}, ["a", "b", "c", "d"], id="null constrains nothing"),
        pytest.param({"user_id": "nobody"}, [], id="no such value"),
        pytest.param({"interaction_type": "click", "filters": {"position": {"gt": 1}}}, ["b"], id="with a tree: AND"),
    ],
)
def test_simple_fields(body: dict[str, Any], expected: list[str]) -> None:
    assert both(body) == expected


SEARCHABLE = [
    rec("m1", metadata={"device": "Mobile", "campaign": "summer_2024", "ms": 5000, "score": 0.75}),
    rec("m2", metadata={"tags": ["Red", {"deep": ["needle"]}], "flag": True, "device_key": 1}),
    rec("m3", metadata=None),
    rec("m4", metadata={"device": "desktop"}, device="mobile"),
]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        pytest.param("mobile", ["m1"], id="ignores case; only metadata"),
        pytest.param("MOBILE summer", ["m1"], id="every term"),
        pytest.param("mobile winter", [], id="a term missing"),
        pytest.param("5000 0.75", ["m1"], id="numbers as JSON writes them"),
        pytest.param("5000.0", [], id="not as Python writes floats"),
        pytest.param("needle red", ["m2"], id="anywhere inside, arrays too"),
        pytest.param("true", [], id="booleans are not searched"),
        pytest.param("device_key", [], id="keys are not searched"),
        pytest.param("   ", ["m1", "m2", "m3", "m4"], id="blank constrains nothing"),
        pytest.param("", ["m1", "m2", "m3", "m4"], id="empty constrains nothing"),
        pytest.param("mobilesummer", [], id="a term lies inside one value"),
    ],
)
def test_search(search: str, expected: list[str]) -> None:
    body = {"search": search}
    engine = sorted(engine_ids(SEARCHABLE, body, {"limit": "100"}))
    assert engine == expected
    assert sorted(naive_list(SEARCHABLE, body, {"limit": "100"})["ids"]) == expected
