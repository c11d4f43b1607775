"""Shape: every operation, with valid and invalid generated data, answers as the OpenAPI document says.

Schemathesis generates the requests from ``specs/openapi.json`` and names, for each failure,
the check that broke (e.g. ``response_schema_conformance``), the operation and a curl command.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from schemathesis import Case, GenerationMode

from contract_tests.conformance import CONTRACT_TAG, operation_checks
from contract_tests.target import Target

# The fixture's own operation filter is not kept by the lazy loader, so it is repeated here.
LIST_OPERATION = "POST /v1/retrievers/interactions/list"
schema = schemathesis.pytest.from_fixture("contract_schema").include(tag=CONTRACT_TAG)


@pytest.fixture(scope="module")
def checks(contract_target: Target) -> list[schemathesis.CheckFunction]:
    return operation_checks(contract_target)


@schema.parametrize()
def test_operation_conforms(
    case: Case[Any], checks: list[schemathesis.CheckFunction], contract_created: list[str]
) -> None:
    one_pagination_style(case)
    response = case.call_and_validate(checks=checks)
    if response.status_code == 200 and case.method == "POST":
        contract_created.extend(created_ids(response.json()))


def one_pagination_style(case: Case[Any]) -> None:
    """Keep a valid list request to one way of saying where the page starts.

    The OpenAPI document cannot say that ``cursor``, ``offset``/``limit`` and ``page``/``page_size``
    must not contradict each other, or that a cursor must come from the server, but the contract
    does (upstream/EVOLUTION.md: giving both styles with different meanings is a 422). Left in, such
    requests would count as valid data the server "wrongly" refuses.
    """
    if case.operation.label != LIST_OPERATION or case.meta is None:
        return
    if case.meta.generation.mode is not GenerationMode.POSITIVE or not isinstance(case.query, dict):
        return
    query = dict(case.query)
    query.pop("cursor", None)
    if "offset" in query:
        query.pop("page", None)
    if "limit" in query:
        query.pop("page_size", None)
    case.query = query


def created_ids(body: object) -> list[str]:
    """Ids in a create answer (one record) or a batch answer (one result per item)."""
    if not isinstance(body, dict):
        return []
    if "interaction_id" in body:
        return [str(body["interaction_id"])]
    results = body.get("results")
    if "created" in body and isinstance(results, list):
        return [str(r["interaction_id"]) for r in results if isinstance(r, dict) and r.get("interaction_id")]
    return []
