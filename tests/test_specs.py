"""specs/ is the single source of truth: every schema is sound, the OpenAPI document is valid,
the upstream documentation's own examples pass where the docs call them valid, and, in every API
version, the two views of the files (the mock's, the documented one) differ by exactly the ``x-mock`` keywords."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.core import NotSet

import specs
from tests.conftest import EDITIONS

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


@pytest.mark.parametrize("version", specs.API_VERSIONS)
@pytest.mark.parametrize("name", specs.MODEL_NAMES)
def test_schema_passes_its_metaschema(name: str, version: str) -> None:
    Draft202012Validator.check_schema(specs.schema(name, specs.edition(version)))


@pytest.mark.parametrize("of", EDITIONS, ids=str)
def test_bundled_openapi_is_valid_openapi_31(of: specs.Edition) -> None:
    validate(specs.bundled_openapi(of))


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
    schemas: dict[str, dict[str, Any]] = upstream["components"]["schemas"]
    return schemas["LogicalOperator-Input" if name == "LogicalOperator" else name]


@pytest.mark.parametrize("name", sorted(DOCUMENTED_MODELS))
def test_model_level_upstream_examples_validate(upstream: dict[str, Any], name: str) -> None:
    for example in _upstream_model(upstream, name).get("examples", []):
        # The docs show InteractionResponse examples before the server has assigned an id.
        model = "SearchInteraction" if name == "InteractionResponse" else name
        assert specs.validator(model).is_valid(example), example
        assert specs.documented_validator(model).is_valid(example), example


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
            for view in (specs.validator(name), specs.documented_validator(name)):
                errors = [e.message for e in view.iter_errors(instance)]
                assert not errors, (name, field, example, errors)


def _minimal(name: str) -> dict[str, Any]:
    """The smallest valid instance of a model, so one field's examples can be checked in place."""
    minimal: dict[str, dict[str, Any]] = {
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
    }
    return minimal.get(name, {})


def test_seed_request_example_is_a_valid_list_request() -> None:
    if not SEED.exists():
        pytest.skip(f"seed page not found at {SEED}")
    text = SEED.read_text()
    start = text.index("--data '") + len("--data '")
    body = json.loads(text[start : text.index("}'", start) + 1])
    assert specs.validator("ListInteractionsRequest").is_valid(body)
    assert specs.documented_validator("ListInteractionsRequest").is_valid(body)


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
@pytest.mark.parametrize("view", [specs.validator, specs.documented_validator], ids=["mock", "documented"])
def test_contract_rules_are_in_the_schemas(
    model: str, instance: Any, path: list[Any], view: Callable[[str], Draft202012Validator]
) -> None:
    # best_match descends into anyOf branches the way the server's 422 messages do.
    errors = [best_match([e]) for e in view(model).iter_errors(instance)]
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
    assert specs.documented_validator("ListInteractionsRequest").is_valid(instance)


FAST_MODELS = ["SearchInteraction", "BatchInteractionsRequest", "ListInteractionsRequest", "MockRecords", "MockFaults"]
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


def _near_valid(model: str) -> st.SearchStrategy[Any]:
    """Instances close to the model's shape, so both verdicts come up often."""
    click = {"feature_id": "f", "interaction_type": ["click"], "position": 0}
    bases: dict[str, Any] = {
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


@pytest.mark.parametrize("of", EDITIONS, ids=str)
@pytest.mark.parametrize("model", FAST_MODELS)
def test_fast_and_python_validators_agree(model: str, of: specs.Edition) -> None:
    python = specs.validator(model, of)
    fast = specs.fast_validator(model, of)

    @settings(max_examples=150, deadline=None)
    @given(instance=ANY_JSON | _near_valid(model))
    def agree(instance: Any) -> None:
        assert fast.is_valid(instance) == python.is_valid(instance), instance

    agree()


# --- The two views: the mock's rules and the documented ones -------------------------------------
#
# Every constraint the documentation does not state lives in an "x-mock" object beside the
# rules it adds to. The mock enforces both; the contract suites judge other servers by the
# documented view alone. The tests below keep the split honest in both directions.

ASSERTIONS = frozenset(
    {
        "type",
        "enum",
        "const",
        "required",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "dependentRequired",
        "minContains",
        "maxContains",
    }
)
NAMED_SUBSCHEMAS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
ONE_SUBSCHEMA = frozenset(
    {"items", "additionalProperties", "propertyNames", "not", "then", "else", "contains", "unevaluatedProperties"}
)
LISTED_SUBSCHEMAS = frozenset({"anyOf", "allOf", "oneOf", "prefixItems"})
# Keywords that refuse nothing by themselves ("if" only chooses between then and else).
NOTES = frozenset(
    {"$schema", "$ref", "$comment", "title", "description", "default", "examples", "example", "deprecated", "if"}
)
COMBINATORS = frozenset({"anyOf", "allOf", "oneOf"})

Where = tuple[str | int, ...]
Constraint = tuple[Where, str, Any]


def _pointer(where: Where) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in where)


def _parts(pointer: str) -> list[str]:
    return [raw.replace("~1", "/").replace("~0", "~") for raw in pointer.split("/")[1:]]


def _resolve(document: Any, pointer: str) -> Any:
    node = document
    for part in _parts(pointer):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _constraints(node: Any, where: Where = ()) -> Iterator[Constraint]:
    """Every keyword of a schema that can refuse an instance, with its location; a ``false`` schema is one too.

    A keyword this walk does not know fails the test, so no new kind of rule slips past the audit.
    """
    if node is False:
        yield where, "false", False
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ASSERTIONS:
            yield where, key, value
        elif key in NAMED_SUBSCHEMAS:
            for name, sub in value.items():
                yield from _constraints(sub, (*where, key, name))
        elif key in ONE_SUBSCHEMA:
            yield from _constraints(value, (*where, key))
        elif key in LISTED_SUBSCHEMAS:
            for index, sub in enumerate(value):
                yield from _constraints(sub, (*where, key, index))
        else:
            assert key in NOTES, f"{_pointer(where)}: keyword {key!r} unknown to this audit; classify it"


def _location(where: Where) -> Where:
    """A location with the combinators' branch numbers left out: ours and upstream's nest anyOf differently."""
    kept: list[str | int] = []
    parts = list(where)
    while parts:
        part = parts.pop(0)
        if part in COMBINATORS and parts and isinstance(parts[0], int):
            parts.pop(0)
        else:
            kept.append(part)
    return tuple(kept)


def _canonical(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        value = sorted(value)
    return json.dumps(value, sort_keys=True)


def _upstream_schema(upstream: dict[str, Any], model: str) -> Any:
    """Upstream's counterpart of one of our models; None for the models adopted after the seed (batch)."""
    if model == "DeleteInteractionResponse":
        delete = upstream["paths"]["/v1/retrievers/interactions/{interaction_id}"]["delete"]
        return delete["responses"]["200"]["content"]["application/json"]["schema"]
    return upstream["components"]["schemas"].get(UPSTREAM_NAMES.get(model, model))


UPSTREAM_NAMES = {"LogicalOperator": "LogicalOperator-Input"}


def _operation_constraints(document: dict[str, Any]) -> Iterator[tuple[str, Where, str, Any]]:
    """Rules of an OpenAPI document outside its models: parameters and required bodies.

    Each with its pointer in ``document`` and a location comparable across documents: a form-exploded
    object parameter (our ``paging``) stands for one query parameter per property, as upstream spells them.
    """
    parameters = document.get("components", {}).get("parameters", {})
    for path, item in document["paths"].items():
        for method, op in item.items():
            for index, parameter in enumerate(op.get("parameters", [])):
                where: Where = ("paths", path, method, "parameters", index)
                if "$ref" in parameter:
                    name = parameter["$ref"].rsplit("/", 1)[-1]
                    parameter, where = parameters[name], ("components", "parameters", name)
                place = (parameter["in"], parameter["name"])
                if parameter.get("required"):
                    yield _pointer(where), place, "required", True
                schema = parameter["schema"]
                for inner, keyword, value in _constraints(schema):
                    location = _location(inner)
                    if schema.get("type") == "object" and parameter.get("explode") and location[:1] == ("properties",):
                        location = (parameter["in"], str(location[1]), *location[2:])
                    else:
                        location = (*place, *location)
                    yield _pointer((*where, "schema", *inner)), location, keyword, value
            if op.get("requestBody", {}).get("required"):
                yield _pointer(("paths", path, method, "requestBody")), ("body", method, path), "required", True
    for name, model in document.get("components", {}).get("schemas", {}).items():
        if name not in specs.MODEL_NAMES:  # defined in openapi.json itself
            for inner, keyword, value in _constraints(model):
                yield _pointer(("components", "schemas", name, *inner)), (name, *_location(inner)), keyword, value


_ADOPT = "EVOLUTION.md (adopt)"
_BATCH = f"{_ADOPT}: POST .../batch, 1..1000 SearchInteraction items"
_BATCH_ANSWER = f'{_ADOPT}: batch answers {{"created": n, "failed": n, "errors": [...], "results": [...]}}'
_BATCH_RESULT = f'{_ADOPT}: batch results [{{"index", "interaction_id", "status"}}], one per item'
_DYNAMIC = "CONTRACT.md > List semantics: a DynamicValue operand cannot be resolved in a list request: 422"
_IN = "CONTRACT.md > List semantics > Operators: in / nin, x must be a list (else 422)"
_EMPTY = "CONTRACT.md > List semantics > Filter tree: an empty AND/OR/NOT list is a 422"
_PAGES = "CONTRACT.md > List semantics > Pagination"
_LIST_PATH = "/paths/~1v1~1retrievers~1interactions~1list/post/parameters/0/schema"
_PAGING = f"{_ADOPT}: limit 1..1000, offset 0..10000, page >= 1, page_size 1..1000, cursor, include_total"

# Every constraint of the documented view that upstream's OpenAPI document does not state itself,
# with where the documentation does: (model or "openapi", pointer, keyword, value, source).
DOCUMENTED_ELSEWHERE: list[tuple[str, str, str, Any, str]] = [
    ("BatchInteractionResult", "", "type", "object", _BATCH_RESULT),
    ("BatchInteractionResult", "", "required", ["index", "status"], _BATCH_RESULT),
    ("BatchInteractionResult", "/properties/index", "type", "integer", f"{_BATCH_RESULT} (an item's position)"),
    ("BatchInteractionResult", "/properties/index", "minimum", 0, f"{_BATCH_RESULT} (an item's position)"),
    ("BatchInteractionResult", "/properties/interaction_id/anyOf/0", "type", "string", "CONTRACT.md: ids are strings"),
    (
        "BatchInteractionResult",
        "/properties/interaction_id/anyOf/1",
        "type",
        "null",
        f"{_BATCH_RESULT} (a failed item)",
    ),
    ("BatchInteractionsRequest", "", "type", "object", _BATCH),
    ("BatchInteractionsRequest", "", "required", ["interactions"], _BATCH),
    ("BatchInteractionsRequest", "/properties/interactions", "type", "array", _BATCH),
    ("BatchInteractionsRequest", "/properties/interactions", "minItems", 1, _BATCH),
    ("BatchInteractionsRequest", "/properties/interactions", "maxItems", 1000, _BATCH),
    ("BatchInteractionsResponse", "", "type", "object", _BATCH_ANSWER),
    ("BatchInteractionsResponse", "", "required", ["created", "failed", "errors", "results"], _BATCH_ANSWER),
    ("BatchInteractionsResponse", "/properties/created", "type", "integer", f"{_BATCH_ANSWER} (a count)"),
    ("BatchInteractionsResponse", "/properties/created", "minimum", 0, f"{_BATCH_ANSWER} (a count)"),
    ("BatchInteractionsResponse", "/properties/failed", "type", "integer", f"{_BATCH_ANSWER} (a count)"),
    ("BatchInteractionsResponse", "/properties/failed", "minimum", 0, f"{_BATCH_ANSWER} (a count)"),
    ("BatchInteractionsResponse", "/properties/errors", "type", "array", _BATCH_ANSWER),
    ("BatchInteractionsResponse", "/properties/results", "type", "array", _BATCH_ANSWER),
    (
        "FilterCondition",
        "/properties/case_sensitive/anyOf/0",
        "type",
        "boolean",
        "CONTRACT.md > List semantics > Filter tree: a condition may carry its own case_sensitive",
    ),
    (
        "FilterCondition",
        "/properties/case_sensitive/anyOf/1",
        "type",
        "null",
        "CONTRACT.md > List semantics > Filter tree: a condition may carry its own case_sensitive",
    ),
    (
        "FilterCondition",
        "/$defs/any_operand/anyOf/0",
        "type",
        ["string", "number", "boolean", "null", "array"],
        _DYNAMIC,
    ),
    ("FilterCondition", "/$defs/any_operand/anyOf/1", "type", "object", _DYNAMIC),
    ("FilterCondition", "/$defs/any_operand/anyOf/1/properties/field", "false", False, _DYNAMIC),
    ("FilterCondition", "/$defs/list_operand", "type", "array", _IN),
    ("ListInteractionsResponse", "/properties/items", "type", "array", f"{_ADOPT}: items, the same array as results"),
    ("LogicalOperator", "/properties/AND/anyOf/0", "minItems", 1, _EMPTY),
    ("LogicalOperator", "/properties/OR/anyOf/0", "minItems", 1, _EMPTY),
    ("LogicalOperator", "/properties/NOT/anyOf/0", "minItems", 1, _EMPTY),
    (
        "LogicalOperator",
        "/$defs/operator_object/additionalProperties",
        "false",
        False,
        "CONTRACT.md > List semantics > Filter tree (shorthand: an object maps operators to operands) "
        "and > Errors (an unknown enum value: 422)",
    ),
    ("PaginationResponse", "/properties/total", "minimum", 0, f"{_PAGES}: total = all matches"),
    ("PaginationResponse", "/properties/page", "minimum", 1, f"{_PAGES}: page = offset // limit + 1"),
    ("PaginationResponse", "/properties/page_size", "minimum", 1, f"{_PAGES}: page_size = limit, limit 1..1000"),
    ("PaginationResponse", "/properties/total_pages", "minimum", 0, f"{_PAGES}: total_pages = ceil(total / limit)"),
    ("PaginationResponse", "/properties/next_cursor/anyOf/0", "type", "string", f"{_ADOPT}: next_cursor"),
    ("PaginationResponse", "/properties/next_cursor/anyOf/1", "type", "null", f"{_PAGES}: next_cursor ... or null"),
    (
        "openapi",
        _LIST_PATH,
        "type",
        "object",
        "serialisation only: one form-exploded object stands for the separate query parameters below",
    ),
    ("openapi", f"{_LIST_PATH}/properties/limit", "minimum", 1, _PAGING),
    ("openapi", f"{_LIST_PATH}/properties/limit", "maximum", 1000, _PAGING),
    ("openapi", f"{_LIST_PATH}/properties/offset", "minimum", 0, _PAGING),
    ("openapi", f"{_LIST_PATH}/properties/offset", "maximum", 10000, _PAGING),
    ("openapi", f"{_LIST_PATH}/properties/page", "type", "integer", _PAGING),
    ("openapi", f"{_LIST_PATH}/properties/page", "minimum", 1, _PAGING),
    ("openapi", f"{_LIST_PATH}/properties/page_size", "type", "integer", _PAGING),
    ("openapi", f"{_LIST_PATH}/properties/page_size", "minimum", 1, _PAGING),
    ("openapi", f"{_LIST_PATH}/properties/page_size", "maximum", 1000, _PAGING),
    ("openapi", f"{_LIST_PATH}/properties/cursor", "type", "string", f"{_ADOPT}: cursor (opaque string)"),
    ("openapi", f"{_LIST_PATH}/properties/include_total", "type", "boolean", f"{_ADOPT}: include_total (boolean)"),
    (
        "openapi",
        "/components/parameters/XNamespace",
        "required",
        True,
        "CONTRACT.md > Auth and namespaces: X-Namespace on every operation, missing: 400",
    ),
    (
        "openapi",
        "/paths/~1v1~1retrievers~1interactions~1batch/post/requestBody",
        "required",
        True,
        f'{_ADOPT}: batch takes {{"interactions": [...]}}',
    ),
    (
        "openapi",
        "/components/schemas/ValidationErrorResponse",
        "required",
        ["detail"],
        "CONTRACT.md > Errors: 422 bodies also carry FastAPI's detail",
    ),
]


def _documented_constraints(upstream: dict[str, Any]) -> Iterator[tuple[str, str, str, Any, bool]]:
    """Every constraint of the documented view: (model or "openapi", pointer, keyword, value, stated upstream)."""
    for model in specs.documented_models():
        upstream_model = _upstream_schema(upstream, model)
        stated = {(_location(w), k, _canonical(v)) for w, k, v in _constraints(upstream_model)}
        for where, keyword, value in _constraints(specs.documented_schema(model)):
            yield model, _pointer(where), keyword, value, (_location(where), keyword, _canonical(value)) in stated
    upstream_stated = {(loc, k, _canonical(v)) for _, loc, k, v in _operation_constraints(upstream)}
    seen = set()
    for pointer, location, keyword, value in _operation_constraints(specs.documented_openapi()):
        if (pointer, keyword) not in seen:
            seen.add((pointer, keyword))
            yield "openapi", pointer, keyword, value, (location, keyword, _canonical(value)) in upstream_stated


def test_the_documented_view_holds_only_documented_constraints(upstream: dict[str, Any]) -> None:
    """A bound added to specs/ without x-mock fails here until it is moved there or its source is listed."""
    listed = {(m, p, k): _canonical(v) for m, p, k, v, _ in DOCUMENTED_ELSEWHERE}
    unstated = [
        (model, pointer, keyword, value)
        for model, pointer, keyword, value, stated in _documented_constraints(upstream)
        if not stated and listed.get((model, pointer, keyword)) != _canonical(value)
    ]
    assert not unstated, (
        "constraints the documentation does not state: move each into the node's x-mock object, or list it "
        f"with its documented source in DOCUMENTED_ELSEWHERE: {unstated}"
    )


def test_every_listed_documented_constraint_is_in_force(upstream: dict[str, Any]) -> None:
    """No stale rows: each row of DOCUMENTED_ELSEWHERE is a constraint of the documented view, not stated upstream."""
    present = {(m, p, k, _canonical(v)): stated for m, p, k, v, stated in _documented_constraints(upstream)}
    for model, pointer, keyword, value, source in DOCUMENTED_ELSEWHERE:
        assert source
        key = (model, pointer, keyword, _canonical(value))
        assert key in present, f"{key} is listed as documented but is not in the documented view"
        assert not present[key], f"{key} is stated upstream already; drop its row"


def test_every_listed_source_is_a_documentation_file() -> None:
    for _, _, _, _, source in DOCUMENTED_ELSEWHERE:
        assert source.startswith(("CONTRACT.md", "EVOLUTION.md (adopt)", "serialisation only")), source


# One instance per mock-only constraint of each version that breaks it and nothing documented: the mock's
# validators refuse it, the documented one accepts it. Models: validated as that model, in that version.
# "openapi": validated against the schema at the constraint's pointer, in the version's bundled (mock) and
# documented documents. Keys as mock_only_constraints(version) names them.
BIG = 2**63
CLICK = {"feature_id": "f", "interaction_type": ["click"], "position": 0}
STORED = {**CLICK, "interaction_id": "i"}
SEED_EXAMPLES: dict[tuple[str, str, str], Any] = {
    ("BatchInteractionResult", "/properties/status", "type"): {"index": 0, "status": 1},
    ("BatchInteractionResult", "/properties/status", "enum"): {"index": 0, "status": "stored"},
    ("BatchInteractionsResponse", "/properties/errors/items", "type"): {
        "created": 0,
        "failed": 1,
        "errors": [{"index": 0, "message": "bad"}],
        "results": [],
    },
    ("DeleteInteractionResponse", "/properties/success", "type"): {"success": "yes"},
    ("DeleteInteractionResponse", "/properties/interaction_id", "type"): {"interaction_id": 7},
    ("DeleteInteractionResponse", "/properties/message", "type"): {"message": ["deleted"]},
    ("FilterCondition", "/properties/field", "maxLength"): {"field": "f" * 257, "value": 1},
    ("FilterCondition", "/$defs/list_operand", "items"): {"field": "a", "operator": "in", "value": [{"field": "b"}]},
    ("FilterCondition", "/$defs/list_operand", "maxItems"): {"field": "a", "operator": "in", "value": [0] * 1001},
    ("FilterCondition", "/$defs/flag_operand", "type"): {"field": "a", "operator": "exists", "value": "yes"},
    ("FilterCondition", "/$defs/text_operand", "type"): {"field": "a", "operator": "starts_with", "value": 5},
    ("FilterCondition", "/$defs/ordered_operand", "type"): {"field": "position", "operator": "gt", "value": True},
    ("FilterCondition", "/$defs/regex_operand", "type"): {"field": "a", "operator": "regex", "value": 5},
    ("FilterCondition", "/$defs/regex_operand", "maxLength"): {"field": "a", "operator": "regex", "value": "a" * 257},
    # Inline flags: Python, PCRE and RE2 compile them, ECMA-262 (format: regex) does not.
    ("FilterCondition", "/$defs/regex_operand", "format"): {"field": "a", "operator": "regex", "value": "(?i)abc"},
    # A backreference: ECMA-262, Python and PCRE compile it, RE2 does not.
    ("FilterCondition", "/$defs/regex_operand", "not"): {"field": "a", "operator": "regex", "value": r"(a)\1"},
    ("FilterCondition", "/$defs/instant_operand", "type"): {"field": "created_at", "operator": "gte", "value": 0},
    ("FilterCondition", "/$defs/instant_operand", "anyOf"): {"field": "created_at", "operator": "lte", "value": ""},
    ("InteractionResponse", "/properties/position", "maximum"): {**STORED, "position": BIG},
    ("InteractionResponse", "/properties/result_set_size/anyOf/0", "maximum"): {**STORED, "result_set_size": BIG},
    ("ListInteractionsRequest", "/properties/search/anyOf/0", "maxLength"): {"search": "a" * 1001},
    ("LogicalOperator", "/propertyNames", "maxLength"): {"m" * 257: 1},
    ("SearchInteraction", "/properties/position", "maximum"): {**CLICK, "position": BIG},
    ("SearchInteraction", "/properties/result_set_size/anyOf/0", "maximum"): {**CLICK, "result_set_size": BIG},
    ("SortOption", "/properties/field", "maxLength"): {"field": "f" * 257},
    ("openapi", _LIST_PATH, "dependentSchemas"): {"limit": 10, "page_size": 10},
    ("openapi", f"{_LIST_PATH}/properties/page", "maximum"): 100001,
    ("openapi", f"{_LIST_PATH}/properties/cursor", "pattern"): "opaque-token",
    ("openapi", "/paths/~1v1~1retrievers~1interactions~1{interaction_id}/get/parameters/0/schema", "minLength"): "",
    ("openapi", "/paths/~1v1~1retrievers~1interactions~1{interaction_id}/delete/parameters/0/schema", "minLength"): "",
    ("openapi", "/components/parameters/XNamespace/schema", "minLength"): "",
    ("openapi", "/components/parameters/XNamespace/schema", "maxLength"): "n" * 257,
    ("openapi", "/components/parameters/XNamespace/schema", "pattern"): "   ",
}
# The examples the brief of issue 13 names, in the lists above: a stored result_set_size past int64,
# a 1,001-character search, a created_at range operand that is no instant.

# 2026-11's geo operands: the documented view leaves their shape open (any value but a DynamicValue), the
# mock holds them to it. A valid point and ring, to break one keyword at a time around them.
POINT = {"lat": 0, "lon": 0}
RING = {"points": [[0, 0], [1, 0], [0, 1]]}


def _geo(operator: str, value: Any) -> dict[str, Any]:
    return {"field": "location", "operator": operator, "value": value}


# The constraints 2026-11 adds; those it keeps from the seed reuse the seed's examples (_carried_over).
V2026_11_EXAMPLES: dict[tuple[str, str, str], Any] = {
    # A latitude past the pole: neither a {lat, lon} object nor a [lon, lat] position. A point only stands
    # behind another geo operand's properties, so this breaks those too, as the bounding box's example breaks
    # a point: all mock-only keywords.
    ("2026-11/FilterCondition", "/$defs/geo_point", "anyOf"): _geo(
        "geo_radius", {"center": {"lat": 91, "lon": 0}, "radius": 5}
    ),
    # A ring only stands behind a polygon's exterior or interiors.
    ("2026-11/FilterCondition", "/$defs/geo_ring", "type"): _geo("geo_polygon", {"exterior": [POINT, POINT, POINT]}),
    ("2026-11/FilterCondition", "/$defs/geo_ring", "properties"): _geo(
        "geo_polygon", {"exterior": {"points": [POINT, POINT]}}
    ),
    ("2026-11/FilterCondition", "/$defs/geo_ring", "required"): _geo("geo_polygon", {"exterior": {}}),
    ("2026-11/FilterCondition", "/$defs/geo_ring", "additionalProperties"): _geo(
        "geo_polygon", {"exterior": {**RING, "closed": True}}
    ),
    ("2026-11/FilterCondition", "/$defs/geo_radius_operand", "type"): _geo("geo_radius", "5 km"),
    ("2026-11/FilterCondition", "/$defs/geo_radius_operand", "properties"): _geo(
        "geo_radius", {"center": POINT, "radius": -1}
    ),
    ("2026-11/FilterCondition", "/$defs/geo_radius_operand", "required"): _geo("geo_radius", {"center": POINT}),
    ("2026-11/FilterCondition", "/$defs/geo_radius_operand", "additionalProperties"): _geo(
        "geo_radius", {"center": POINT, "radius": 5, "extra": 1}
    ),
    ("2026-11/FilterCondition", "/$defs/geo_bounding_box_operand", "type"): _geo("geo_bounding_box", [[0, 1], [1, 0]]),
    ("2026-11/FilterCondition", "/$defs/geo_bounding_box_operand", "properties"): _geo(
        "geo_bounding_box", {"top_left": POINT, "bottom_right": {"lat": 0, "lon": 181}}
    ),
    ("2026-11/FilterCondition", "/$defs/geo_bounding_box_operand", "required"): _geo(
        "geo_bounding_box", {"top_left": POINT}
    ),
    ("2026-11/FilterCondition", "/$defs/geo_bounding_box_operand", "additionalProperties"): _geo(
        "geo_bounding_box", {"top_left": POINT, "bottom_right": POINT, "crs": "WGS84"}
    ),
    ("2026-11/FilterCondition", "/$defs/geo_polygon_operand", "type"): _geo("geo_polygon", [POINT, POINT, POINT]),
    ("2026-11/FilterCondition", "/$defs/geo_polygon_operand", "properties"): _geo(
        "geo_polygon", {"exterior": RING, "interiors": RING}
    ),
    ("2026-11/FilterCondition", "/$defs/geo_polygon_operand", "required"): _geo("geo_polygon", {"interiors": []}),
    ("2026-11/FilterCondition", "/$defs/geo_polygon_operand", "additionalProperties"): _geo(
        "geo_polygon", {"exterior": RING, "holes": []}
    ),
    ("2026-11/SearchInteraction", "/properties/occurred_at/anyOf/0", "$ref"): {**CLICK, "occurred_at": "yesterday"},
    ("openapi", f"{_LIST_PATH}/properties/next_cursor", "pattern"): "opaque-token",
    ("openapi", f"{_LIST_PATH}/properties/after", "pattern"): "opaque-token",
}


def _file_name(version: str, model: str) -> str:
    """How mock_only_constraints(version) names a model's file: ``<version>/<Model>`` when the version restates it."""
    return f"{version}/{model}" if model in specs.changed_models(version) else model


def _carried_over(version: str) -> dict[tuple[str, str, str], Any]:
    """The seed's examples of the constraints ``version`` keeps (same pointer), under its names for their files."""
    kept = {(c.model, c.pointer, c.keyword) for c in specs.mock_only_constraints(version)}
    renamed = {(_file_name(version, model), *rest): example for (model, *rest), example in SEED_EXAMPLES.items()}
    return {key: example for key, example in renamed.items() if key in kept}


MOCK_ONLY_EXAMPLES: dict[str, dict[tuple[str, str, str], Any]] = {
    specs.SEED_VERSION: SEED_EXAMPLES,
    specs.V2026_11: _carried_over(specs.V2026_11) | V2026_11_EXAMPLES,
}
MOCK_ONLY = [
    (version, c.model, c.pointer, c.keyword)
    for version in specs.API_VERSIONS
    for c in specs.mock_only_constraints(version)
]


@pytest.mark.parametrize("version", specs.API_VERSIONS)
def test_every_mock_only_constraint_has_an_example(version: str) -> None:
    constraints = [(c.model, c.pointer, c.keyword) for c in specs.mock_only_constraints(version)]
    assert sorted(constraints) == sorted(MOCK_ONLY_EXAMPLES[version])
    assert len(set(constraints)) == len(constraints)


def _failures(errors: Iterator[Any]) -> Iterator[Any]:
    for error in errors:
        yield error
        yield from _failures(iter(error.context or ()))


@pytest.mark.parametrize("constraint", MOCK_ONLY, ids=["{}:{}{}:{}".format(*c) for c in MOCK_ONLY])
def test_mock_only_constraint_is_in_force_in_the_mock_only(constraint: tuple[str, str, str, str]) -> None:
    version, model, pointer, keyword = constraint
    instance = MOCK_ONLY_EXAMPLES[version][model, pointer, keyword]
    of = specs.edition(version)
    if model == "openapi":
        node = _resolve(specs.bundled_openapi(of), pointer)
        strict = Draft202012Validator(node)
        documented = Draft202012Validator(_resolve(specs.documented_openapi(version), pointer))
        where: list[str] = []  # these validators' root is the node itself
    else:
        name = model.rpartition("/")[2]  # a restated model: validated as that model, in its version
        node, where = _resolve(specs.schema(name, of), pointer), _parts(pointer)
        strict, documented = specs.validator(name, of), specs.documented_validator(name, of)
        assert not specs.fast_validator(name, of).is_valid(instance), "the mock's Rust validator lets it through"
    assert documented.is_valid(instance), [e.message for e in documented.iter_errors(instance)]
    refusals = list(_failures(strict.iter_errors(instance)))
    assert refusals, f"the mock's validator accepts {instance!r}"
    refused = [(e.validator, [str(part) for part in e.absolute_schema_path]) for e in refusals]
    if keyword == "$ref":
        # jsonschema leaves "$ref" out of schema paths: what the referenced schema refuses shows right after
        # the node's location, under a keyword the node itself does not have.
        below = [path[len(where) :] for _, path in refused if path[: len(where)] == where]
        assert any(rest and rest[0] not in node for rest in below), refused
    else:
        assert any(validator == keyword or keyword in path for validator, path in refused), refused


@pytest.mark.parametrize("version", specs.API_VERSIONS)
def test_mock_only_constraints_name_the_x_mock_keywords(version: str) -> None:
    constraints = specs.mock_only_constraints(version)
    assert constraints and all(isinstance(c, specs.MockConstraint) for c in constraints)
    for model, pointer, keyword, value in constraints:
        stored = _stored_openapi(version) if model == "openapi" else _stored(model)
        assert _resolve(stored, pointer)[specs.MOCK_KEYWORD][keyword] == value
    # A copy each time: a caller cannot change what the loader holds.
    dependent = next(c for c in constraints if c.keyword == "dependentSchemas")
    dependent.value.clear()
    assert next(c for c in specs.mock_only_constraints(version) if c.keyword == "dependentSchemas").value


def _stored(model: str) -> Any:
    """A model's file as stored: ``<Model>`` the seed's, ``<version>/<Model>`` a later version's restatement."""
    version, _, name = model.rpartition("/")
    return json.loads((specs.openapi_path().parent / version / "schemas" / f"{name}.json").read_text())


def _stored_openapi(version: str) -> Any:
    """openapi.json as stored; a later version's is only stored as a patch of it, which the loader applies."""
    if version == specs.SEED_VERSION:
        return json.loads(specs.openapi_path().read_text())
    return specs.loader._openapi_file(version)


@pytest.mark.parametrize("version", specs.API_VERSIONS)
def test_the_views_differ_by_exactly_the_x_mock_keywords(version: str) -> None:
    """Splicing each x-mock object into its node gives the mock's view; dropping it, the documented one."""
    of = specs.edition(version)
    for model in specs.MODEL_NAMES:
        source = _file_name(version, model)
        mock, documented = specs.schema(model, of), _stored(source)
        own = [c for c in specs.mock_only_constraints(version) if c.model == source]
        for constraint in own:
            node = _resolve(documented, constraint.pointer)
            node.pop(specs.MOCK_KEYWORD, None)
        if model in specs.documented_models(version):
            assert specs.documented_schema(model, of) == documented
        for constraint in own:
            assert _resolve(mock, constraint.pointer)[constraint.keyword] == constraint.value
            assert constraint.keyword not in _resolve(documented, constraint.pointer)


def _keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        yield from node
        for value in node.values():
            yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


@pytest.mark.parametrize("of", EDITIONS, ids=str)
def test_no_view_carries_the_x_mock_key(of: specs.Edition) -> None:
    views: list[Any] = [specs.bundled_openapi(of), specs.contract_openapi(of), specs.documented_openapi(of.version)]
    views += [specs.schema(name, of) for name in specs.MODEL_NAMES]
    views += [specs.documented_schema(name, of) for name in specs.documented_models(of.version)]
    views += [specs.validator(name, of).schema for name in specs.MODEL_NAMES]
    views += [specs.query_parameters("list_interactions", of)]
    for view in views:
        assert specs.MOCK_KEYWORD not in set(_keys(view))


async def test_the_served_document_carries_no_x_mock_key(client: Any) -> None:
    response = await client.get("/openapi.json")
    assert response.status == 200
    assert specs.MOCK_KEYWORD not in set(_keys(await response.json()))


@pytest.mark.parametrize("version", specs.API_VERSIONS)
def test_documented_openapi_is_valid_openapi_31_and_loads_in_schemathesis(version: str) -> None:
    document = specs.documented_openapi(version)
    validate(document)
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    served = {(op.method.upper(), op.path) for op in operations}
    contract = {
        (m.upper(), p) for p, item in specs.contract_openapi(specs.edition(version))["paths"].items() for m in item
    }
    assert served == contract and len(served) == 5


@pytest.mark.parametrize("version", specs.API_VERSIONS)
def test_documented_openapi_is_the_api_only(version: str) -> None:
    document = specs.documented_openapi(version)
    assert [tag["name"] for tag in document["tags"]] == ["Retriever Interactions"]
    assert set(document["components"]["securitySchemes"]) == {"BearerAuth"}
    assert not [name for name in document["components"]["schemas"] if name.startswith("Mock")]
    refs = _refs(document)
    assert all(ref.split("/")[3] in document["components"]["schemas"] for ref in refs if "/schemas/" in ref)
    assert DOCUMENTED_MODELS <= set(specs.documented_models(version)) <= set(document["components"]["schemas"])


def test_documented_validator_refuses_the_mocks_own_models() -> None:
    with pytest.raises(KeyError, match="mock's own model"):
        specs.documented_validator("MockFaults")
    with pytest.raises(KeyError, match="known models"):
        specs.documented_validator("Interaction")


@pytest.mark.parametrize(
    ("version", "name"),
    [(version, name) for version in specs.API_VERSIONS for name in specs.documented_models(version)],
)
def test_documented_schema_passes_its_metaschema(version: str, name: str) -> None:
    Draft202012Validator.check_schema(specs.documented_schema(name, specs.edition(version)))


@pytest.mark.parametrize("version", specs.API_VERSIONS)
def test_models_without_x_mock_are_the_same_in_both_views(version: str) -> None:
    of, own = specs.edition(version), {c.model for c in specs.mock_only_constraints(version)}
    for name in specs.documented_models(version):
        same = specs.schema(name, of) == specs.documented_schema(name, of)
        assert same is (_file_name(version, name) not in own), name


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"type": "integer", "maximum": 1, "x-mock": {"maximum": 2}}, "maximum both documented and in x-mock"),
        ({"type": "integer", "x-mock": {}}, "non-empty object"),
        ({"type": "integer", "x-mock": 5}, "non-empty object"),
        ({"type": "object", "x-mock": {"not": {"x-mock": {"type": "null"}}}}, "x-mock inside x-mock"),
    ],
)
def test_a_malformed_x_mock_object_is_refused(node: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        specs.loader._view({"properties": {"p": node}}, "mock", "Example")


def test_x_mock_keywords_are_spliced_where_the_object_stands() -> None:
    node = {"type": "integer", "x-mock": {"maximum": 9, "multipleOf": 3}, "description": "d"}
    assert list(specs.loader._view(node, "mock", "Example")) == ["type", "maximum", "multipleOf", "description"]
    assert specs.loader._view(node, "documented", "Example") == {"type": "integer", "description": "d"}
    # Data is data: an enum value or an example that happens to hold the key is left alone.
    data = {"enum": [{"x-mock": 1}], "properties": {"x-mock": {"type": "string"}}}
    assert specs.loader._view(data, "documented", "Example") == data


# strict ⊆ documented: whatever the mock accepts, the documented rules accept, in every version.
MOCK_BOUNDED_MODELS = [
    (version, name)
    for version in specs.API_VERSIONS
    for name in sorted(
        {c.model.rpartition("/")[2] for c in specs.mock_only_constraints(version) if c.model != "openapi"}
    )
]
LONG_TEXT = st.sampled_from(["", " ", "a" * 256, "a" * 257, "a" * 1000, "a" * 1001, "(?i)x", r"(a)\1", "2025-01-01"])
EDGE_INTEGERS = st.sampled_from([-1, 0, 1, 2**63 - 1, 2**63, 2**64])
EDGY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | EDGE_INTEGERS
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | LONG_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8) | LONG_TEXT, inner, max_size=3),
    max_leaves=12,
)
NEAR_VALID: dict[str, dict[str, Any]] = {
    "SearchInteraction": CLICK,
    "InteractionResponse": STORED,
    "ListInteractionsRequest": {"search": "a", "sort": {"field": "position"}},
    "FilterCondition": {"field": "created_at", "operator": "gte", "value": "2025-01-01"},
    "LogicalOperator": {"AND": [{"field": "position", "operator": "lte", "value": 5}]},
    "SortOption": {"field": "timestamp", "direction": "desc"},
    "DeleteInteractionResponse": {"success": True, "interaction_id": "i", "message": "deleted"},
    "BatchInteractionResult": {"index": 0, "interaction_id": "i", "status": "created"},
    "BatchInteractionsResponse": {"created": 1, "failed": 0, "errors": [], "results": []},
}
FIELDS = st.sampled_from(
    ["position", "result_set_size", "search", "field", "value", "operator", "status", "errors", "success", "AND"]
)
# A valid operand of each geo operator (2026-11): random JSON is almost never one, and the geo conditions the
# mock accepts must come up too.
GEO_OPERANDS: dict[str, Any] = {
    "geo_radius": {"center": POINT, "radius": 5},
    "geo_bounding_box": {"top_left": POINT, "bottom_right": [1, -1]},
    "geo_polygon": {"exterior": RING, "interiors": [RING]},
}


def _instances(model: str, of: specs.Edition) -> st.SearchStrategy[Any]:
    base = NEAR_VALID[model]
    mutated = st.builds(lambda k, v: {**base, k: v}, FIELDS, EDGY_JSON)
    operators = specs.schema("FilterOperator", of)["enum"]
    conditions = st.builds(
        lambda f, o, v: {"field": f, "operator": o, "value": v},
        # occurred_at: an instant from 2026-11 on, like created_at and timestamp.
        st.sampled_from(["created_at", "timestamp", "occurred_at", "position", "metadata.x"]),
        st.sampled_from(operators),
        EDGY_JSON,
    )
    geo = [operator for operator in operators if operator in GEO_OPERANDS]
    if geo:
        conditions |= st.sampled_from(geo).map(lambda operator: _geo(operator, GEO_OPERANDS[operator]))
    if model == "FilterCondition":
        return conditions | mutated
    if model == "LogicalOperator":
        return st.builds(lambda c, k: {k: [c]}, conditions, st.sampled_from(["AND", "OR", "NOT"])) | mutated
    return mutated | EDGY_JSON


@pytest.mark.parametrize(("version", "model"), MOCK_BOUNDED_MODELS)
def test_whatever_the_mock_accepts_the_documented_rules_accept(version: str, model: str) -> None:
    of = specs.edition(version)
    strict, documented = specs.validator(model, of), specs.documented_validator(model, of)

    @settings(max_examples=200, deadline=None)
    @given(instance=_instances(model, of))
    def subset(instance: Any) -> None:
        if strict.is_valid(instance):
            assert documented.is_valid(instance), instance

    subset()


# Each version's documents, loaded once for the six tests below.
DOCUMENTED_SCHEMAS = {
    version: schemathesis.openapi.from_dict(specs.documented_openapi(version)) for version in specs.API_VERSIONS
}
MOCK_SCHEMAS = {
    version: schemathesis.openapi.from_dict(specs.bundled_openapi(specs.edition(version)))
    for version in specs.API_VERSIONS
}
REQUEST_BODIES = [
    ("/v1/retrievers/interactions", "SearchInteraction"),
    ("/v1/retrievers/interactions/list", "ListInteractionsRequest"),
    ("/v1/retrievers/interactions/batch", "BatchInteractionsRequest"),
]


@pytest.mark.parametrize("version", specs.API_VERSIONS)
@pytest.mark.parametrize(("path", "model"), REQUEST_BODIES)
def test_bodies_generated_from_the_mocks_rules_pass_the_documented_ones(path: str, model: str, version: str) -> None:
    documented = specs.documented_validator(model, specs.edition(version))

    @settings(max_examples=5 if "batch" in path else 30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=MOCK_SCHEMAS[version][path]["POST"].as_strategy(generation_mode=GenerationMode.POSITIVE))
    def subset(case: Any) -> None:
        if case.body is not None and not isinstance(case.body, NotSet):
            assert documented.is_valid(case.body), case.body

    subset()


@pytest.mark.parametrize("version", specs.API_VERSIONS)
@pytest.mark.parametrize(("path", "model"), REQUEST_BODIES)
def test_bodies_the_documented_rules_refuse_the_mock_refuses(path: str, model: str, version: str) -> None:
    of = specs.edition(version)
    strict, documented = specs.validator(model, of), specs.documented_validator(model, of)

    @settings(max_examples=5 if "batch" in path else 30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=DOCUMENTED_SCHEMAS[version][path]["POST"].as_strategy(generation_mode=GenerationMode.NEGATIVE))
    def subset(case: Any) -> None:
        body = case.body
        if body is not None and not isinstance(body, NotSet) and not documented.is_valid(body):
            assert not strict.is_valid(body), body

    subset()
