"""The bounded wording of refusals (mockserver/wording.py) finds what jsonschema finds, and walks only what is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import specs
from mockserver import wording
from mockserver.errors import FieldError, ValidationFailed
from mockserver.validation import BodyRules, _most_specific, _schema_errors, _translate
from tests.conftest import EDITIONS

MODELS = wording.BODY_MODELS
# Keys the schemas name, so that generated bodies get past the first level and fail deeper.
_KEYS = st.sampled_from(
    [
        *("feature_id", "interaction_type", "position", "metadata", "user_id", "document_score"),
        *("interactions", "filters", "sort", "search", "field", "direction", "value", "operator"),
        *("AND", "OR", "NOT", "case_sensitive", "in", "eq", "gte", "regex", "exists", "x", "metadata.k"),
    ]
)
_SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False, allow_infinity=False)
_TEXTS = st.sampled_from(["click", "view", "asc", "desc", "eq", "in", "(a", "2025-01-01", "x" * 300, ""])
_BODIES = st.recursive(
    _SCALARS | _TEXTS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=25,
)


def _plain(model: str, body: Any, of: specs.Edition) -> list[FieldError]:
    """What jsonschema's own validator finds, worded the same way: every value walked, every finding kept."""
    validator = specs.validator(model, of)
    return [_translate(_most_specific(error), ("body",)) for error in validator.iter_errors(body)]


def _key(error: FieldError) -> tuple[str, str, str]:
    return (repr(error.loc), error.msg, error.type)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MODELS), st.dictionaries(_KEYS, _BODIES, max_size=5), st.sampled_from(EDITIONS))
def test_the_same_findings_as_jsonschema(model: str, body: dict[str, Any], of: specs.Edition) -> None:
    """Within the bounds (no list over its maxItems, no alternative with more than 20 findings), the very
    findings jsonschema makes; the order may differ only where jsonschema's came from a set."""
    ours = list(_schema_errors(model, body, ("body",), of))
    assert sorted(map(_key, ours)) == sorted(map(_key, _plain(model, body, of)))


@pytest.fixture
def descends(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times the wording validator looks into a part of an instance."""
    cls = wording._validator_class(specs.SEED)
    original = cls.descend
    count = [0]

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, "descend", counted)
    yield count


def _refused(model: str, body: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as raised:
        BodyRules().check(model, body)
    return raised.value


def test_valid_parts_are_not_walked(descends: list[int]) -> None:
    body = {"filters": {"position": {"in": list(range(999))}, "user_id": {"bogus": 1}}}
    error = _refused("ListInteractionsRequest", body)
    assert error.errors[0].loc == ("body", "filters", "user_id", "bogus")
    assert descends[0] < 60  # 999 values that jsonschema would each have looked into


def test_a_list_over_its_max_items_is_refused_for_that_alone(descends: list[int]) -> None:
    body = {"filters": {"position": {"in": [{"field": "x"}] * 5000}}}
    error = _refused("ListInteractionsRequest", body)
    assert [(e.loc, e.msg) for e in error.errors] == [
        (("body", "filters", "position", "in"), "must hold at most 1000 items")
    ]
    assert descends[0] < 60


def test_a_long_list_is_walked_only_where_an_item_is_wrong(descends: list[int]) -> None:
    body = {"feature_id": "f", "position": 0, "interaction_type": ["view"] * 5000 + ["bogus"]}
    error = _refused("SearchInteraction", body)
    assert error.errors[0].loc == ("body", "interaction_type", 5000)
    assert "bogus" in error.errors[0].msg
    assert descends[0] <= 2 * wording.ITEMS_CHUNK + 20  # the one chunk holding it, each item through its $ref


def test_a_string_over_its_max_length_is_not_matched() -> None:
    error = _refused("ListInteractionsRequest", {"filters": {"user_id": {"regex": "(a" * 5000}}})
    assert [(e.loc, e.msg) for e in error.errors] == [
        (("body", "filters", "user_id", "regex"), "must be at most 256 characters long")
    ]


def test_an_alternative_keeps_a_bounded_number_of_findings() -> None:
    children = [{"field": 1, "value": 1}] * 60  # each child wrong in its own way
    (error,) = list(wording.refusals("ListInteractionsRequest", {"filters": {"AND": children}}))
    assert error.validator == "anyOf"
    assert len(error.context) <= wording.KEPT_PER_ALTERNATIVE * 2  # LogicalOperator's, then null's
    worded = _refused("ListInteractionsRequest", {"filters": {"AND": children}})
    assert worded.errors[0].loc[:4] == ("body", "filters", "AND", 0)


def test_extra_keys_are_named_in_the_bodys_order() -> None:
    body = {"feature_id": "f", "interaction_type": ["view"], "position": 0, "zeta": 1, "alpha": 2}
    with pytest.raises(ValidationFailed) as raised:
        BodyRules(strict=True).check("SearchInteraction", body)
    assert [e.loc for e in raised.value.errors] == [("body", "zeta"), ("body", "alpha")]


def test_every_schema_object_has_its_rust_validator_in_the_bundle() -> None:
    """What lets the walk skip a part: each object's pointer in the bundle holds that very object."""
    from specs.loader import _bundle, _bundle_pointers, _rewrite_refs, _unversioned

    bundle = _bundle()
    by_id = {id(node): node for name in specs.MODEL_NAMES for node in _objects(_unversioned(name))}
    for node_id, pointer in _bundle_pointers().items():
        found: Any = bundle
        for part in pointer.lstrip("/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            found = found[int(part)] if isinstance(found, list) else found[part]
        assert found == _rewrite_refs(by_id[node_id], pointer.split("/")[3])


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from _objects(item)
