"""pytest plugin of the contract suites: where the target is, how to reach it, how hard to look.

Every option has an environment twin, so CI can set them once::

    pytest contract_tests --base-url https://api.example.com --api-key KEY --namespace contract-ci

Without ``--base-url`` the embedded mock is started in-process, so the project's own CI
checks the mock with exactly the suites any other implementation faces. Registered from
``contract_tests/conftest.py``; fixtures are prefixed ``contract_`` because a plugin's
fixtures are visible to the whole session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, Phase, settings

from contract_tests.dataset import Dataset, interactions, new_run
from contract_tests.report import require, require_status
from contract_tests.rules import BATCH, GET_AFTER_CREATE
from contract_tests.strategies import QueryStrategies
from contract_tests.target import Target

if TYPE_CHECKING:
    import schemathesis

DEFAULT_API_KEY = "contract-tests-key"
DEFAULT_NAMESPACE = "contract-tests"
DEFAULT_EXAMPLES = 40
DEFAULT_TIMEOUT = 30.0
EMBEDDED_SEEDED_RECORDS = 100
HYPOTHESIS_PROFILE = "contract-tests"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"CONTRACT_{name}", default)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "contract suites (contract_tests/)")
    group.addoption(
        "--base-url",
        default=_env("BASE_URL"),
        help="root URL of the implementation under test, e.g. https://api.example.com "
        "(env CONTRACT_BASE_URL; default: start the embedded mock in-process)",
    )
    group.addoption(
        "--api-key",
        default=_env("API_KEY", DEFAULT_API_KEY),
        help=f"API key sent as 'Authorization: Bearer <key>' (env CONTRACT_API_KEY; default {DEFAULT_API_KEY!r}, "
        "which the embedded mock is started with)",
    )
    group.addoption(
        "--namespace",
        default=_env("NAMESPACE", DEFAULT_NAMESPACE),
        help="X-Namespace every request uses; the suites add and remove their own records there "
        f"(env CONTRACT_NAMESPACE; default {DEFAULT_NAMESPACE!r})",
    )
    group.addoption(
        "--other-namespace",
        default=_env("OTHER_NAMESPACE"),
        help="a second namespace, to check that data never crosses namespaces "
        "(env CONTRACT_OTHER_NAMESPACE; default '<namespace>-isolation')",
    )
    group.addoption(
        "--contract-examples",
        type=int,
        default=int(_env("EXAMPLES", str(DEFAULT_EXAMPLES)) or DEFAULT_EXAMPLES),
        help="generated examples per property and per operation; raise it for deeper runs "
        f"(env CONTRACT_EXAMPLES; default {DEFAULT_EXAMPLES})",
    )
    group.addoption(
        "--contract-no-shrink",
        action="store_true",
        default=_env("NO_SHRINK", "") not in ("", "0"),
        help="report the first failing example as found instead of shrinking it to a minimal one: "
        "much faster when many checks fail, at the price of larger examples (env CONTRACT_NO_SHRINK=1)",
    )
    group.addoption(
        "--contract-timeout",
        type=float,
        default=float(_env("TIMEOUT", str(DEFAULT_TIMEOUT)) or DEFAULT_TIMEOUT),
        help=f"seconds to wait for any one answer (env CONTRACT_TIMEOUT; default {DEFAULT_TIMEOUT:g})",
    )


def pytest_configure(config: pytest.Config) -> None:
    examples = config.getoption("contract_examples")
    if examples < 1:
        raise pytest.UsageError(f"--contract-examples must be 1 or more, got {examples}")
    phases = [phase for phase in Phase if phase is not Phase.explain]
    if config.getoption("contract_no_shrink"):
        phases.remove(Phase.shrink)
    # A named profile, not the default one: the project's other Hypothesis tests keep their settings.
    settings.register_profile(
        HYPOTHESIS_PROFILE,
        max_examples=examples,
        phases=phases,
        deadline=None,  # a network round trip has no meaningful deadline
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def profile() -> settings:
    """The suites' Hypothesis settings (``--contract-examples``), for ``@settings(profile())``."""
    return settings.get_profile(HYPOTHESIS_PROFILE)


@pytest.fixture(scope="session")
def contract_target(pytestconfig: pytest.Config) -> Iterator[Target]:
    """The implementation under test: ``--base-url``, or the embedded mock started for this session."""
    api_key: str = pytestconfig.getoption("api_key")
    timeout: float = pytestconfig.getoption("contract_timeout")
    with ExitStack() as stack:
        base_url: str | None = pytestconfig.getoption("base_url")
        if base_url is None:
            from contract_tests.embedded import embedded_mock

            base_url = stack.enter_context(embedded_mock(api_key, EMBEDDED_SEEDED_RECORDS))
            key_env = None  # the embedded key is no secret, and the server is gone after the run anyway
        else:
            key_env = "CONTRACT_API_KEY"
        target = Target(base_url, api_key, pytestconfig.getoption("namespace"), timeout, key_env)
        stack.callback(target.close)
        yield target


@pytest.fixture(scope="session")
def contract_other_namespace(pytestconfig: pytest.Config, contract_target: Target) -> str:
    other: str | None = pytestconfig.getoption("other_namespace")
    return other or f"{contract_target.namespace}-isolation"


@pytest.fixture(scope="session")
def contract_dataset(contract_target: Target) -> Iterator[Dataset]:
    """The semantic suite's records, seeded through batch and read back with get; deleted afterwards.

    The run marker is this fixture's own: records other tests create (with markers of their
    own) can never enter the answers compared here, even when a broken delete leaves them behind.
    """
    run = new_run()
    bodies = interactions(run)
    exchange = contract_target.create_batch(bodies)
    answer = require_status(exchange, 200, BATCH)
    results = answer.get("results") if isinstance(answer, dict) else None
    require(
        isinstance(results, list) and len(results) == len(bodies),
        BATCH,
        exchange,
        f"expected one result per item ({len(bodies)}), got {len(results) if isinstance(results, list) else results}",
    )
    assert isinstance(results, list)
    created = [r.get("interaction_id") for r in results if isinstance(r, dict)]
    try:
        records = []
        for interaction_id in created:
            fetched = contract_target.get(str(interaction_id))
            records.append(require_status(fetched, 200, GET_AFTER_CREATE))
        yield Dataset(run, tuple(records))
    finally:
        for interaction_id in created:
            contract_target.delete(str(interaction_id))


@pytest.fixture(scope="session")
def contract_queries(contract_dataset: Dataset) -> QueryStrategies:
    return QueryStrategies(contract_dataset)


@pytest.fixture(scope="session")
def contract_schema(pytestconfig: pytest.Config, contract_target: Target) -> schemathesis.BaseSchema:
    """The OpenAPI document as Schemathesis sees it, pointed at the target (``test_schema``, ``test_stateful``)."""
    from contract_tests.conformance import load_schema

    cache = pytestconfig.rootpath / ".pytest_cache" / "schemathesis"
    return load_schema(contract_target, pytestconfig.getoption("contract_examples"), cache)


@pytest.fixture(scope="session")
def contract_created(contract_target: Target) -> Iterator[list[str]]:
    """Ids of records generated tests created in the target's namespace, deleted when the session ends."""
    created: list[str] = []
    yield created
    for interaction_id in created:
        contract_target.delete(interaction_id)
