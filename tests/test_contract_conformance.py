"""The shape suite holds other servers to the documented contract, never to the mock's own bounds.

Drawn without any server: every body the suite sends as invalid is invalid by the documented
rules (so a server may not accept it), and every body it sends as valid is valid by the mock's
rules (so no conforming server, the mock included, may refuse it). The mock's own bounds
(docs/contract-bounds.md) therefore never become a "must refuse".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core import NotSet
from schemathesis.core.parameters import ParameterLocation

import specs
from contract_tests.conformance import ContractSchemas, load_schemas
from contract_tests.target import Target

API = "/v1/retrievers/interactions"
BODIES = {f"POST {API}": "SearchInteraction", f"POST {API}/batch": "BatchInteractionsRequest"}
BODIES[f"POST {API}/list"] = "ListInteractionsRequest"
DRAWN = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> ContractSchemas:
    unreachable = Target("http://127.0.0.1:9", "key", "namespace")  # nothing is sent
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
        assert not _valid(specs.documented_validator(model), operation, case.body), (
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
        assert _valid(specs.validator(model), operation, case.body), (
            f"sent as valid, yet the mock refuses it: {case.body!r}"
        )
