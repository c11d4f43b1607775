"""Shape: every operation, with valid and invalid generated data, answers as the OpenAPI document says.

Schemathesis generates the requests from ``specs/openapi.json`` and names, for each failure,
the check that broke (e.g. ``response_schema_conformance``), the operation and a curl command.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from schemathesis import Case

from contract_tests.conformance import CONTRACT_TAG, created_ids, operation_checks, valid_as_documented
from contract_tests.target import Target

# The fixture's own operation filter is not kept by the lazy loader, so it is repeated here.
schema = schemathesis.pytest.from_fixture("contract_schema").include(tag=CONTRACT_TAG)


@pytest.fixture(scope="module")
def checks(contract_target: Target) -> list[schemathesis.CheckFunction]:
    return operation_checks(contract_target)


@schema.parametrize()
def test_operation_conforms(
    case: Case[Any], checks: list[schemathesis.CheckFunction], contract_created: list[str]
) -> None:
    valid_as_documented(case)
    response = case.call_and_validate(checks=checks)
    if response.status_code == 200 and case.method == "POST":
        contract_created.extend(created_ids(response.json()))
