"""Links: a created interaction can be read and deleted, and once deleted it is gone.

Schemathesis follows the OpenAPI links of ``create_interaction`` (to ``get_interaction`` and
``delete_interaction``) in generated sequences; ``use_after_free`` and
``ensure_resource_availability`` check what each step promises the next.
"""

from __future__ import annotations

from typing import Any

import hypothesis
from schemathesis import Case, Response

from contract_tests.conformance import STATEFUL_CHECKS, ContractSchemas, created_ids
from contract_tests.plugin import profile


def test_links_from_create_to_get_and_delete(contract_schemas: ContractSchemas, contract_created: list[str]) -> None:
    checks = [*STATEFUL_CHECKS, contract_schemas.conforms()]

    class Links(contract_schemas.valid.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case[Any]) -> None:
            contract_schemas.prepare(case)

        def after_call(self, response: Response, case: Case[Any]) -> None:
            super().after_call(response, case)
            if response.status_code == 200 and case.method == "POST":
                contract_created.extend(created_ids(response.json()))

        def validate_response(
            self, response: Response, case: Case[Any], additional_checks: Any = None, **kwargs: Any
        ) -> None:
            __tracebackhide__ = True
            case.validate_response(response, checks=checks, transport_kwargs=kwargs or None, recorder=self.recorder)

    # As Schemathesis runs its own state machines: generation only. A scenario's later steps draw
    # from the server's answers (fresh ids), so replaying or shrinking one cannot be made exact.
    Links.run(
        settings=hypothesis.settings(
            profile(),
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
            stateful_step_count=contract_schemas.valid.config.phases.stateful.max_steps,
        )
    )
