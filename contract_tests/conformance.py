"""Schemathesis, set up once for shape conformance: the schemas, where to send them, which checks.

Two views of the one source of truth (``specs/``), both pointed at the target. Valid data is
generated from the mock's view, which adds its own bounds to the documented rules, so what it
calls valid is valid under any reading of the contract. Invalid data is generated from the
documented view, and every answer is judged by it: a server is never failed for accepting or
answering what only the mock refuses (an integer past 64 bits, a long ``search``; see
docs/contract-bounds.md). ``X-Namespace`` goes in the configured headers rather than being generated:
configured headers reach every case, stateful steps included, so a resource created by one
step is looked up in the same namespace by the next. Requests without it, or without a
token, are ``test_auth``'s. Both views are those of the API version the target is held to
(``--api-version``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode, Response
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.config import SanitizationConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
    status_code_conformance,
    use_after_free,
)

import specs
from contract_tests.dataset import unique_tag
from contract_tests.target import Target
from specs.oracle.reference import GEO_OPERATORS, backfills

CREATE_OPERATION = "POST /v1/retrievers/interactions"
BATCH_OPERATION = "POST /v1/retrievers/interactions/batch"
LIST_OPERATION = "POST /v1/retrievers/interactions/list"
# The cursor and, from 2026-11, its other names: a cursor must come from the server.
CURSORS = ("cursor", "next_cursor", "after")


def names_geo(node: Any) -> bool:
    """Whether a list body holds a geo condition (an ``operator`` or a shorthand operator key naming one)."""
    if isinstance(node, dict):
        return node.get("operator") in GEO_OPERATORS or any(
            key in GEO_OPERATORS or names_geo(value) for key, value in node.items()
        )
    return isinstance(node, list) and any(map(names_geo, node))


def accepted_as_documented(ctx: Any, response: Response, case: Case[Any]) -> bool | None:
    """``positive_data_acceptance``, but not for a list request holding a geo condition: the client names the
    geo operators but not their operands, so the Qdrant-shaped ones the mock's view generates are the mock's
    choice, which a server may refuse (docs/list-semantics.md; strategies.py says what the suites do assert)."""
    if case.operation.label == LIST_OPERATION and names_geo(case.body):
        return None
    return positive_data_acceptance(ctx, response, case)


# Each answer's body is judged by the documented view (ContractSchemas.conforms), added beside these.
RESPONSE_CHECKS: list[CheckFunction] = [not_a_server_error, status_code_conformance, content_type_conformance]
# Generated data for every operation: valid data (by the mock's view) must be accepted, invalid data (by
# the documented view) refused. A case generated as invalid can come out valid under the documented view
# and still break one of the mock's own bounds, so it is never held to "must be accepted".
OPERATION_CHECKS: dict[GenerationMode, list[CheckFunction]] = {
    GenerationMode.POSITIVE: [*RESPONSE_CHECKS, accepted_as_documented],
    GenerationMode.NEGATIVE: [*RESPONSE_CHECKS, negative_data_rejection],
}
# Sequences following the OpenAPI links create -> get / delete.
STATEFUL_CHECKS: list[CheckFunction] = [*RESPONSE_CHECKS, use_after_free, ensure_resource_availability]
STATEFUL_STEPS = 6
INTEROPERABLE_INTEGER = 2**53 - 1
MAX_OFFSET = 10000
MAX_LIMIT = 1000
# The document also describes the mock's own admin operations; they are not part of the product's API.
CONTRACT_TAG = "Retriever Interactions"


def _generated_cases() -> tuple[tuple[str, GenerationMode], ...]:
    """Each operation every implementation serves, as Schemathesis labels it, with the kinds of data to send.

    Invalid data needs somewhere to go: an operation whose only inputs are a path segment and
    headers (any string is a valid one) gets valid data only. Every API version has the same
    operations, each with query parameters or a body (tests/test_contract_conformance.py checks).
    """
    cases = []
    for path, item in specs.documented_openapi()["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "delete", "patch"}:
                continue
            label = f"{method.upper()} {path}"
            cases.append((label, GenerationMode.POSITIVE))
            queried = any(p.get("in") == "query" for p in operation.get("parameters", []))
            if queried or "requestBody" in operation:
                cases.append((label, GenerationMode.NEGATIVE))
    return tuple(cases)


GENERATED_CASES = _generated_cases()


@dataclass(frozen=True)
class ContractSchemas:
    """The two views Schemathesis works from (see the module's docstring)."""

    valid: schemathesis.BaseSchema
    documented: schemathesis.BaseSchema
    version: str

    def conforms(self) -> CheckFunction:
        """A check that the answer's body is one the documented view allows for that operation and status."""
        documented = self.documented

        def documented_response_schema_conformance(ctx: Any, response: Response, case: Case[Any]) -> bool | None:
            operation = documented[case.operation.path][case.method.upper()]
            return operation.validate_response(response, case=case)

        return documented_response_schema_conformance

    def cases(self, label: str, mode: GenerationMode) -> st.SearchStrategy[Case[Any]]:
        """Cases of one operation (``POST /v1/...``), valid from the mock's view or invalid from the documented one.

        Every valid case passes through :meth:`prepare` before it is drawn.
        """
        method, path = label.split(" ", 1)
        if mode is GenerationMode.POSITIVE:
            return self.valid[path][method].as_strategy(generation_mode=mode).map(self._prepared)
        return self.documented[path][method].as_strategy(generation_mode=mode)

    def prepare(self, case: Case[Any]) -> None:
        """A generated valid case as it is sent: :func:`valid_as_documented`, and from 2026-11 no repeated create.

        From 2026-11 a create repeating a recent one's (execution_id, feature_id, interaction_type) is
        answered 200 and not stored, and the next step of a sequence would look in vain for what the
        200 promised; generated data repeats itself often (a minimal example is the same every time),
        so each create's feature_id gets a tag of its own.
        """
        valid_as_documented(case)
        if backfills(self.version) and case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE:
            unrepeated(case)

    def _prepared(self, case: Case[Any]) -> Case[Any]:
        self.prepare(case)
        return case


def load_schemas(target: Target, examples: int, cache: Path) -> ContractSchemas:
    """The target's API version's two views. ``cache``: where Schemathesis keeps failures to replay first
    next time (a git-ignored place)."""
    version = target.api_version
    valid = schemathesis.openapi.from_dict(specs.bundled_openapi(specs.edition(version))).include(tag=CONTRACT_TAG)
    documented = schemathesis.openapi.from_dict(specs.documented_openapi(version))
    for schema in (valid, documented):
        _configure(schema, target, examples, cache)
    return ContractSchemas(valid, documented, version)


def _configure(schema: schemathesis.BaseSchema, target: Target, examples: int, cache: Path) -> None:
    schema.config.cache.directory = cache
    # Reproductions must replay as printed: only the API key is masked (Schemathesis would also
    # mask values such as session_id), and not even that when it is the embedded mock's own key.
    schema.config.output.sanitization = SanitizationConfig(
        enabled=target.api_key_env is not None,
        keys_to_sanitize=("authorization",),
        sensitive_markers=("authorization",),
        replacement=f"Bearer ${target.api_key_env}",
    )
    schema.config.update(
        base_url=target.base_url,
        headers={"Authorization": f"Bearer {target.api_key}", "X-Namespace": target.namespace},
        request_timeout=target.timeout,
    )
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=examples)
    # A scenario only reaches get/delete through a create that succeeded; invalid steps would end it early.
    schema.config.phases.stateful.generation.update(modes=[GenerationMode.POSITIVE], max_examples=examples)
    schema.config.phases.stateful.max_steps = STATEFUL_STEPS
    # A body over the target's size limit is refused before it is read (413): a rejection too.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]


def unrepeated(case: Case[Any]) -> None:
    """A create's feature_id, or each batch item's, made one no other create has (see ContractSchemas.prepare)."""
    body: Any = case.body
    items: Any = [body] if case.operation.label == CREATE_OPERATION else None
    if case.operation.label == BATCH_OPERATION and isinstance(body, dict):
        items = body.get("interactions")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("feature_id"), str):
            item["feature_id"] += f"~{unique_tag()}"


def valid_as_documented(case: Case[Any]) -> None:
    """Keep a generated *valid* request within what the contract, beyond the OpenAPI document, calls valid.

    Left as generated, these requests would count as valid data an implementation "wrongly"
    refuses, though the contract lets it refuse them:
    - integers beyond +-(2**53 - 1): JSON lets an implementation limit the range of numbers
      (RFC 8259, section 6; I-JSON, RFC 7493, names this bound), and the document sets none;
    - a list request mixing ways of saying where the page starts, or with a made-up cursor (``cursor``, and
      from 2026-11 ``next_cursor`` and ``after``): upstream/EVOLUTION.md makes contradicting styles a 422,
      and a cursor must come from the server;
    - a ``page`` that starts past offset 10000, the contract's largest offset (with no page size
      given, past it for any default page size up to the largest, 1000).
    """
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return
    if isinstance(case.body, dict | list):
        case.body = interoperable(case.body)
    if case.operation.label == LIST_OPERATION and isinstance(case.query, dict):
        query = {name: value for name, value in case.query.items() if name not in CURSORS}
        if "offset" in query:
            query.pop("page", None)
        if "limit" in query:
            query.pop("page_size", None)
        if isinstance(query.get("page"), int):
            size = query.get("page_size", query.get("limit", MAX_LIMIT))
            query["page"] = min(query["page"], 1 + MAX_OFFSET // size)
        case.query = query


def interoperable(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INTEROPERABLE_INTEGER:
        return INTEROPERABLE_INTEGER if value > 0 else -INTEROPERABLE_INTEGER
    if isinstance(value, list):
        return [interoperable(item) for item in value]
    if isinstance(value, dict):
        return {key: interoperable(item) for key, item in value.items()}
    return value


def created_ids(body: object) -> list[str]:
    """Ids in a create answer (one record) or a batch answer (one result per item), to delete later."""
    if not isinstance(body, dict):
        return []
    if "interaction_id" in body:
        # None: a create dropped as a repeat (2026-11), which stored nothing.
        return [str(body["interaction_id"])] if body["interaction_id"] else []
    results = body.get("results")
    if "created" in body and isinstance(results, list):
        return [str(r["interaction_id"]) for r in results if isinstance(r, dict) and r.get("interaction_id")]
    return []


def refuses_unknown_keys(target: Target) -> bool:
    """Whether a well-formed but made-up key gets a 401.

    CONTRACT.md lets a server started without API keys accept any non-empty token; against
    such a server ``ignored_auth`` would report a rule the contract does not have.
    """
    made_up = f"Bearer contract-tests-not-a-key-{uuid.uuid4().hex}"
    return target.list({}, {"limit": 1}, authorization=made_up).status == 401


def operation_checks(target: Target, schemas: ContractSchemas) -> dict[GenerationMode, list[CheckFunction]]:
    """The checks of each kind of generated case; ``ignored_auth`` only against targets that refuse unknown keys."""
    extra = [schemas.conforms(), *([ignored_auth] if refuses_unknown_keys(target) else [])]
    return {mode: [*checks, *extra] for mode, checks in OPERATION_CHECKS.items()}
