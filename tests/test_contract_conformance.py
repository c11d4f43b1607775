"""The shape suite holds other servers to the documented contract, never to the mock's own bounds.

Drawn without any server, for each API version: every body the suite sends as invalid is invalid
by the documented rules (so a server may not accept it), and every body it sends as valid is valid
by the mock's rules (so no conforming server, the mock included, may refuse it). The mock's own
bounds (docs/contract-bounds.md) therefore never become a "must refuse"; nor, from 2026-11, does
the shape of the geo operands, which only the mock states.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, Response
from schemathesis.core import NotSet
from schemathesis.core.parameters import ParameterLocation

import specs
from contract_tests.conformance import GENERATED_CASES, ContractSchemas, accepted_as_documented, load_schemas, names_geo
from contract_tests.target import Target

API = "/v1/retrievers/interactions"
BODIES = {f"POST {API}": "SearchInteraction", f"POST {API}/batch": "BatchInteractionsRequest"}
BODIES[f"POST {API}/list"] = "ListInteractionsRequest"
DRAWN = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


@pytest.fixture(scope="module", params=specs.API_VERSIONS)
def schemas(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ContractSchemas:
    unreachable = Target("http://127.0.0.1:9", "key", "namespace", api_version=request.param)  # nothing is sent
    return load_schemas(unreachable, 10, Path(tmp_path_factory.mktemp("schemathesis")))


def _json_body(body: Any) -> bool:
    """A body sent as JSON (not left out, not raw bytes)."""
    return not isinstance(body, NotSet | bytes)


def _valid(validator: Any, operation: str, body: Any) -> bool:
    # The list body is optional, and null says the same as no body (openapi.json's requestBody).
    return (body is None and operation.endswith("/list")) or bool(validator.is_valid(body))


@pytest.mark.parametrize(("operation", "model"), BODIES.items())
@DRAWN
@given(data=st.data())
def test_a_body_sent_as_invalid_is_invalid_by_the_documented_rules(
    schemas: ContractSchemas, operation: str, model: str, data: st.DataObject
) -> None:
    case = data.draw(schemas.cases(operation, GenerationMode.NEGATIVE), label="case")
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.BODY) and _json_body(case.body):
        documented = specs.documented_validator(model, specs.edition(schemas.version))
        assert not _valid(documented, operation, case.body), (
            f"sent as invalid, yet only the mock's own bounds refuse it: {case.body!r}"
        )


@pytest.mark.parametrize(("operation", "model"), BODIES.items())
@DRAWN
@given(data=st.data())
def test_a_body_sent_as_valid_is_valid_by_the_mocks_rules(
    schemas: ContractSchemas, operation: str, model: str, data: st.DataObject
) -> None:
    case = data.draw(schemas.cases(operation, GenerationMode.POSITIVE), label="case")
    if _json_body(case.body):
        assert _valid(specs.validator(model, specs.edition(schemas.version)), operation, case.body), (
            f"sent as valid, yet the mock refuses it: {case.body!r}"
        )


def test_every_api_version_has_the_operations_the_shape_suite_generates() -> None:
    """GENERATED_CASES is read from the seed's document and serves every version: each has those operations."""
    for version in specs.API_VERSIONS:
        paths = specs.documented_openapi(version)["paths"]
        labels = {
            f"{method.upper()} {path}" for path, item in paths.items() for method in item if method != "parameters"
        }
        assert {label for label, _ in GENERATED_CASES} == labels, version


def test_only_a_list_body_naming_a_geo_operator_is_spared_from_must_be_accepted(schemas: ContractSchemas) -> None:
    """Such a body may be refused (the shape of its operand is the mock's choice); any other valid one may not."""
    operation = schemas.valid[f"{API}/list"]["POST"]
    radius = {"center": {"lat": 0, "lon": 0}, "radius": 1}
    spared: list[Any] = [
        {"filters": {"metadata.place": {"geo_radius": radius}}},
        {"filters": {"NOT": [{"field": "metadata.place", "operator": "geo_radius", "value": radius}]}},
    ]
    for body in spared:
        nothing = cast(Response, None)  # the check reads no answer for such a body
        assert accepted_as_documented(None, nothing, operation.Case(body=body)) is None
    held = {"filters": {"AND": [{"field": "metadata.place", "operator": "exists", "value": True}]}}
    assert not names_geo(held)
