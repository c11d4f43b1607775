"""specs/ is the single source of truth: every schema is sound, the OpenAPI document is valid,
and the upstream documentation's own examples pass where the docs call them valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from openapi_spec_validator import validate

import specs

UPSTREAM = Path(__file__).resolve().parents[2] / "shared" / "upstream" / "interactions-openapi-2025-12.json"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "list-interactions.txt"

DOCUMENTED_MODELS = {
    "InteractionResponse",
    "SearchInteraction",
    "ListInteractionsRequest",
    "ListInteractionsResponse",
    "PaginationResponse",
    "LogicalOperator",
    "FilterCondition",
    "FilterOperator",
    "SortOption",
    "SortDirection",
    "InteractionType",
    "DynamicValue",
    "ErrorResponse",
    "ErrorDetail",
    "HTTPValidationError",
    "ValidationError",
}


def test_every_documented_model_has_a_schema() -> None:
    assert set(specs.MODEL_NAMES) >= DOCUMENTED_MODELS


@pytest.mark.parametrize("name", specs.MODEL_NAMES)
def test_schema_passes_its_metaschema(name: str) -> None:
    Draft202012Validator.check_schema(specs.schema(name))


def test_bundled_openapi_is_valid_openapi_31() -> None:
    validate(specs.bundled_openapi())


def test_openapi_file_with_relative_schema_refs_is_valid() -> None:
    document = json.loads(specs.openapi_path().read_text())
    validate(document, base_uri=specs.openapi_path().as_uri())


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in _refs(item)]
    return []


def test_bundle_has_no_file_references_left() -> None:
    refs = _refs(specs.bundled_openapi())
    assert refs and all(ref.startswith("#/components/") for ref in refs), [r for r in refs if ".json" in r]


def test_contract_document_leaves_out_the_admin_api() -> None:
    contract = specs.contract_openapi()
    validate(contract)
    assert not [p for p in contract["paths"] if p.startswith("/_mock") or p == "/openapi.json"]
    admin = [
        op
        for item in specs.bundled_openapi()["paths"].values()
        for op in item.values()
        if specs.ADMIN_TAG in op["tags"]
    ]
    assert len(admin) >= 9


def test_create_links_to_get_and_delete() -> None:
    _, _, create = specs.operation("create_interaction")
    links = create["responses"]["200"]["links"]
    assert {link["operationId"] for link in links.values()} == {"get_interaction", "delete_interaction"}
    assert all(link["parameters"] == {"interaction_id": "$response.body#/interaction_id"} for link in links.values())


def test_every_operation_documents_auth_and_namespace() -> None:
    document = specs.contract_openapi()
    assert document["security"] == [{"BearerAuth": []}]
    for item in document["paths"].values():
        for op in item.values():
            refs = [p.get("$ref") for p in op["parameters"]]
            assert "#/components/parameters/XNamespace" in refs
            assert {"200", "400", "401", "404", "422"} <= set(op["responses"])


def test_unknown_model_name_says_which_exist() -> None:
    with pytest.raises(KeyError, match=r"known models: .*InteractionResponse"):
        specs.validator("Interaction")


def test_unknown_operation_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="no operation 'nope'"):
        specs.operation("nope")


@pytest.fixture(scope="module")
def upstream() -> dict[str, Any]:
    if not UPSTREAM.exists():
        pytest.skip(f"upstream reference document not found at {UPSTREAM}")
    loaded: dict[str, Any] = json.loads(UPSTREAM.read_text())
    return loaded


def _upstream_model(upstream: dict[str, Any], name: str) -> dict[str, Any]:
    schemas: dict[str, Any] = upstream["components"]["schemas"]
    return schemas["LogicalOperator-Input" if name == "LogicalOperator" else name]


@pytest.mark.parametrize("name", sorted(DOCUMENTED_MODELS))
def test_model_level_upstream_examples_validate(upstream: dict[str, Any], name: str) -> None:
    for example in _upstream_model(upstream, name).get("examples", []):
        # The docs show InteractionResponse examples before the server has assigned an id.
        model = "SearchInteraction" if name == "InteractionResponse" else name
        assert specs.validator(model).is_valid(example), example


@pytest.mark.parametrize("name", sorted(DOCUMENTED_MODELS))
def test_field_level_upstream_examples_validate(upstream: dict[str, Any], name: str) -> None:
    ours = specs.schema(name).get("properties", {})
    for field, documented in _upstream_model(upstream, name).get("properties", {}).items():
        examples = documented.get("examples", [])
        if "example" in documented:
            examples = [*examples, documented["example"]]
        if not examples:
            continue
        assert field in ours, f"{name}.{field} is documented upstream but missing from specs/"
        # Checked in place inside a minimal valid instance, so references resolve as in the server.
        for example in examples:
            instance = _minimal(name) | {field: example}
            errors = [e.message for e in specs.validator(name).iter_errors(instance)]
            assert not errors, (name, field, example, errors)


def _minimal(name: str) -> dict[str, Any]:
    """The smallest valid instance of a model, so one field's examples can be checked in place."""
    return {
        "InteractionResponse": {"feature_id": "f", "interaction_type": ["click"], "position": 0, "interaction_id": "i"},
        "SearchInteraction": {"feature_id": "f", "interaction_type": ["click"], "position": 0},
        "SortOption": {"field": "timestamp"},
        "FilterCondition": {"field": "position", "value": 1},
        "DynamicValue": {"field": "inputs.query_text"},
        "ErrorResponse": {"status": 400, "error": {"message": "m", "type": "t"}},
        "ErrorDetail": {"message": "m", "type": "t"},
        "ValidationError": {"loc": ["body"], "msg": "m", "type": "t"},
        "PaginationResponse": {"total": 0, "page": 1, "page_size": 10, "total_pages": 0},
        "ListInteractionsResponse": {
            "results": [],
            "pagination": {"total": 0, "page": 1, "page_size": 10, "total_pages": 0},
        },
    }.get(name, {})


def test_seed_request_example_is_a_valid_list_request() -> None:
    if not SEED.exists():
        pytest.skip(f"seed page not found at {SEED}")
    text = SEED.read_text()
    start = text.index("--data '") + len("--data '")
    body = json.loads(text[start : text.index("}'", start) + 1])
    assert specs.validator("ListInteractionsRequest").is_valid(body)


@pytest.mark.parametrize(
    ("model", "instance", "path"),
    [
        ("ListInteractionsRequest", {"filters": {"AND": []}}, ["filters", "AND"]),
        (
            "ListInteractionsRequest",
            {"filters": {"OR": [{"field": "a", "operator": "in", "value": 3}]}},
            ["filters", "OR", 0, "value"],
        ),
        ("ListInteractionsRequest", {"filters": {"position": {"between": 3}}}, ["filters", "position"]),
        (
            "ListInteractionsRequest",
            {"filters": {"NOT": [{"field": "a", "value": {"type": "dynamic", "field": "x"}}]}},
            ["filters", "NOT", 0, "value"],
        ),
        ("ListInteractionsRequest", {"sort": {"field": "position", "direction": "up"}}, ["sort", "direction"]),
        ("SearchInteraction", {"feature_id": "f", "interaction_type": [], "position": 0}, ["interaction_type"]),
        ("SearchInteraction", {"feature_id": "f", "interaction_type": ["click"], "position": -1}, ["position"]),
        (
            "SearchInteraction",
            {"feature_id": "f", "interaction_type": ["click"], "position": 0, "result_set_size": 0},
            ["result_set_size"],
        ),
    ],
)
def test_contract_rules_are_in_the_schemas(model: str, instance: Any, path: list[Any]) -> None:
    # best_match descends into anyOf branches the way the server's 422 messages do.
    errors = [best_match([e]) for e in specs.validator(model).iter_errors(instance)]
    assert errors, f"{model} accepted {instance}"
    assert any(list(e.absolute_path) == path for e in errors), [(list(e.absolute_path), e.message) for e in errors]


@pytest.mark.parametrize(
    "instance",
    [
        {"filters": {"position": {"gte": 1, "lte": 5}, "metadata.device": "mobile"}},
        {"filters": {"NOT": {"field": "position", "operator": "eq", "value": 3}}},
        {"filters": {"AND": [{"field": "position", "operator": "lte", "value": 5, "case_sensitive": True}]}},
        {"filters": {"OR": [{"AND": [{"field": "user_id", "value": "u"}]}], "case_sensitive": None}},
        {"sort": {"field": "created_at"}, "search": "mobile device", "interaction_type": "click"},
    ],
)
def test_documented_request_forms_are_accepted(instance: dict[str, Any]) -> None:
    assert specs.validator("ListInteractionsRequest").is_valid(instance)


FAST_MODELS = ["SearchInteraction", "BatchInteractionsRequest", "ListInteractionsRequest", "MockRecords", "MockFaults"]
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


def _near_valid(model: str) -> st.SearchStrategy[Any]:
    """Instances close to the model's shape, so both verdicts come up often."""
    click = {"feature_id": "f", "interaction_type": ["click"], "position": 0}
    bases = {
        "SearchInteraction": click,
        "ListInteractionsRequest": {"filters": {"AND": [{"field": "position", "operator": "lte", "value": 5}]}},
        "BatchInteractionsRequest": {
            "interactions": [{"feature_id": "f", "interaction_type": ["view"], "position": 1}]
        },
        "MockRecords": [{"feature_id": "f", "interaction_type": ["view"], "position": 1}],
        "MockFaults": {"latency_ms": [1, 2], "error_rate": 0.5},
    }
    base = bases[model]
    keys = st.sampled_from(["feature_id", "interaction_type", "position", "filters", "sort", "value", "operator"])
    if isinstance(base, dict):
        return st.builds(lambda k, v: {**base, k: v}, keys, ANY_JSON)
    return st.builds(lambda v: [*base, v], ANY_JSON)


@pytest.mark.parametrize("upstream_enums", [False, True])
@pytest.mark.parametrize("model", FAST_MODELS)
def test_fast_and_python_validators_agree(model: str, upstream_enums: bool) -> None:
    python = specs.upstream_validator(model) if upstream_enums else specs.validator(model)
    fast = specs.fast_validator(model, upstream_enums)

    @settings(max_examples=150, deadline=None)
    @given(instance=ANY_JSON | _near_valid(model))
    def agree(instance: Any) -> None:
        assert fast.is_valid(instance) == python.is_valid(instance), instance

    agree()
