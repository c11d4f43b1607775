"""Shape: every operation, with valid and invalid generated data, answers as the OpenAPI document says.

Schemathesis generates the requests from ``specs/openapi.json`` and names, for each failure,
the check that broke (e.g. ``response_schema_conformance``), the operation and a curl command.
Cases come from Schemathesis's public strategies (``APIOperation.as_strategy``) drawn under
Hypothesis's ``@given``, not from its pytest integration, whose use of pytest internals broke
with pytest 9.1.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from contract_tests.conformance import GENERATED_CASES, OperationStrategies, created_ids, operation_checks
from contract_tests.plugin import profile
from contract_tests.target import Target


@pytest.fixture(scope="module")
def checks(contract_target: Target) -> list[schemathesis.CheckFunction]:
    return operation_checks(contract_target)


@pytest.fixture(scope="module")
def strategies(contract_schema: schemathesis.BaseSchema) -> OperationStrategies:
    return OperationStrategies(contract_schema)


@pytest.mark.parametrize(("operation", "mode"), GENERATED_CASES, ids=[f"{op} {mode}" for op, mode in GENERATED_CASES])
@settings(profile())
@given(data=st.data())
def test_operation_conforms(
    operation: str,
    mode: GenerationMode,
    strategies: OperationStrategies,
    checks: list[schemathesis.CheckFunction],
    contract_created: list[str],
    data: st.DataObject,
) -> None:
    case = data.draw(strategies.cases(operation, mode), label="case")
    response = case.call_and_validate(checks=checks)
    if response.status_code == 200 and case.method == "POST":
        contract_created.extend(created_ids(response.json()))
