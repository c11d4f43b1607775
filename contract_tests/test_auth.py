"""Every operation needs a Bearer token (401 without one) and a namespace (400 without one).

Only what the contract fixes is asked: the status and an ErrorResponse body. Whether a
well-formed but unknown key is refused depends on how the server was started, so that is
left to Schemathesis's ``ignored_auth`` check, which runs only against targets that refuse
unknown keys (see ``test_schema.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from contract_tests.report import require_error
from contract_tests.target import Exchange, Target
from specs.oracle.rules import AUTH_MALFORMED, AUTH_MISSING, NAMESPACE_MISSING

INTERACTION = {"feature_id": "auth-check", "interaction_type": ["click"], "position": 0}
Call = Callable[..., Exchange]

OPERATIONS: dict[str, Callable[[Target], Call]] = {
    "create_interaction": lambda t: lambda **o: t.create(INTERACTION, **o),
    "create_interactions_batch": lambda t: lambda **o: t.create_batch([INTERACTION], **o),
    "list_interactions": lambda t: lambda **o: t.list({}, {"limit": 1}, **o),
    "get_interaction": lambda t: lambda **o: t.get(str(uuid.uuid4()), **o),
    "delete_interaction": lambda t: lambda **o: t.delete(str(uuid.uuid4()), **o),
}
MALFORMED = ("", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "bearer-abc")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_no_token_is_401(contract_target: Target, operation: str) -> None:
    require_error(OPERATIONS[operation](contract_target)(authorization=None), 401, AUTH_MISSING)


@pytest.mark.parametrize("header", MALFORMED)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_malformed_token_is_401(contract_target: Target, operation: str, header: str) -> None:
    require_error(OPERATIONS[operation](contract_target)(authorization=header), 401, AUTH_MALFORMED)


@pytest.mark.parametrize("namespace", [None, ""], ids=["missing", "empty"])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_no_namespace_is_400(contract_target: Target, operation: str, namespace: Any) -> None:
    require_error(OPERATIONS[operation](contract_target)(namespace=namespace), 400, NAMESPACE_MISSING)
