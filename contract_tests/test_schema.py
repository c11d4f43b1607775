"""Shape: every operation, with valid and invalid generated data, answers as the OpenAPI document says.

Schemathesis generates the requests from ``specs/`` (valid ones from the mock's view, invalid
ones from the documented view: see ``conformance.py``) and names, for each failure, the check
that broke (e.g. ``documented_response_schema_conformance``), the operation and a curl command.
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

from contract_tests.conformance import GENERATED_CASES, ContractSchemas, created_ids, operation_checks
from contract_tests.plugin import profile
from contract_tests.target import Target


@pytest.fixture(scope="module")
def checks(
    contract_target: Target, contract_schemas: ContractSchemas
) -> dict[GenerationMode, list[schemathesis.CheckFunction]]:
    return operation_checks(contract_target, contract_schemas)


@pytest.mark.parametrize(("operation", "mode"), GENERATED_CASES, ids=[f"{op} {mode}" for op, mode in GENERATED_CASES])
@settings(profile())
@given(data=st.data())
def test_operation_conforms(
    operation: str,
    mode: GenerationMode,
    contract_schemas: ContractSchemas,
    checks: dict[GenerationMode, list[schemathesis.CheckFunction]],
    contract_created: list[str],
    data: st.DataObject,
) -> None:
    case = data.draw(contract_schemas.cases(operation, mode), label="case")
    response = case.call_and_validate(checks=checks[mode])
    if response.status_code == 200 and case.method == "POST":
        contract_created.extend(created_ids(response.json()))
