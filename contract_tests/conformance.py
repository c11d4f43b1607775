"""Schemathesis, set up once for shape conformance: the schema, where to send it, which checks.

The OpenAPI document is ``specs.bundled_openapi()`` (the one source of truth), pointed at
the target. ``X-Namespace`` goes in the configured headers rather than being generated:
configured headers reach every phase, stateful included, so a resource created by one step
is looked up in the same namespace by the next, while the coverage phase still sends
requests without it to check that they are refused (``missing_required_header``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

import specs
from contract_tests.target import Target

RESPONSE_CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Generated data, valid and invalid, for every operation.
OPERATION_CHECKS: list[CheckFunction] = [
    *RESPONSE_CHECKS,
    negative_data_rejection,
    positive_data_acceptance,
    missing_required_header,
]
# Sequences following the OpenAPI links create -> get / delete.
STATEFUL_CHECKS: list[CheckFunction] = [*RESPONSE_CHECKS, use_after_free, ensure_resource_availability]
STATEFUL_STEPS = 6
# The document also describes the mock's own admin operations; they are not part of the product's API.
CONTRACT_TAG = "Retriever Interactions"


def load_schema(target: Target, examples: int, cache: Path) -> schemathesis.BaseSchema:
    """``cache``: where Schemathesis keeps failures to replay first next time (a git-ignored place)."""
    schema = schemathesis.openapi.from_dict(specs.bundled_openapi()).include(tag=CONTRACT_TAG)
    schema.config.cache.directory = cache
    schema.config.update(
        base_url=target.base_url,
        headers={"Authorization": f"Bearer {target.api_key}", "X-Namespace": target.namespace},
        request_timeout=target.timeout,
    )
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=examples)
    # A scenario only reaches get/delete through a create that succeeded; invalid steps would end it early.
    schema.config.phases.stateful.generation.update(modes=[GenerationMode.POSITIVE], max_examples=examples)
    schema.config.phases.stateful.max_steps = STATEFUL_STEPS
    return schema


def refuses_unknown_keys(target: Target) -> bool:
    """Whether a well-formed but made-up key gets a 401.

    CONTRACT.md lets a server started without API keys accept any non-empty token; against
    such a server ``ignored_auth`` would report a rule the contract does not have.
    """
    made_up = f"Bearer contract-tests-not-a-key-{uuid.uuid4().hex}"
    return target.list({}, {"limit": 1}, authorization=made_up).status == 401


def operation_checks(target: Target) -> list[CheckFunction]:
    return [*OPERATION_CHECKS, ignored_auth] if refuses_unknown_keys(target) else list(OPERATION_CHECKS)
