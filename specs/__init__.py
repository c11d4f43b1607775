"""The contract as data: one JSON Schema per documented model and the OpenAPI document.

Everything that validates a request, checks a response or generates test data reads
its rules from here, so there is exactly one copy of each rule.
"""

from specs.loader import (
    ADMIN_TAG,
    MODEL_NAMES,
    bundled_openapi,
    contract_openapi,
    fast_validator,
    openapi_path,
    operation,
    query_parameters,
    schema,
    upstream_validator,
    validator,
)

__all__ = [
    "ADMIN_TAG",
    "MODEL_NAMES",
    "bundled_openapi",
    "contract_openapi",
    "fast_validator",
    "openapi_path",
    "operation",
    "query_parameters",
    "schema",
    "upstream_validator",
    "validator",
]
