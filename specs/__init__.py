"""The contract as data: one JSON Schema per documented model and the OpenAPI document.

Everything that validates a request, checks a response or generates test data reads
its rules from here, so there is exactly one copy of each rule. Rules that are the mock's
own choices, not the documented contract, sit in ``"x-mock"`` objects beside the rules they
add to; two views come out of the same files:

* the mock's (``schema``, ``validator``, ``fast_validator``,
  ``bundled_openapi``, ``contract_openapi``): what the mock enforces and serves;
* the documented one (``documented_schema``, ``documented_validator``, ``documented_openapi``):
  what the contract suites may hold any implementation to.

``mock_only_constraints()`` lists the difference; docs/contract-bounds.md explains each item.
"""

from specs.loader import (
    ADMIN_TAG,
    API_VERSIONS,
    LATEST_VERSION,
    MOCK_KEYWORD,
    MODEL_NAMES,
    SEED,
    SEED_VERSION,
    V2026_11,
    Edition,
    MockConstraint,
    bundled_openapi,
    changed_models,
    contract_openapi,
    documented_fast_validator,
    documented_models,
    documented_openapi,
    documented_schema,
    documented_validator,
    edition,
    fast_subschema_validator,
    fast_validator,
    mock_only_constraints,
    openapi_path,
    operation,
    prepare_fast_subschema_validators,
    query_parameters,
    schema,
    schema_patterns,
    validator,
    validator_of_class,
)

__all__ = [
    "ADMIN_TAG",
    "API_VERSIONS",
    "LATEST_VERSION",
    "MOCK_KEYWORD",
    "MODEL_NAMES",
    "SEED",
    "SEED_VERSION",
    "V2026_11",
    "Edition",
    "MockConstraint",
    "bundled_openapi",
    "changed_models",
    "contract_openapi",
    "documented_fast_validator",
    "documented_models",
    "documented_openapi",
    "documented_schema",
    "documented_validator",
    "edition",
    "fast_subschema_validator",
    "fast_validator",
    "mock_only_constraints",
    "openapi_path",
    "operation",
    "prepare_fast_subschema_validators",
    "query_parameters",
    "schema",
    "schema_patterns",
    "validator",
    "validator_of_class",
]
