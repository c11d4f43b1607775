"""pytest plugin of the contract suites: where the target is, how to reach it, how hard to look.

Installing the package registers it (entry point ``pytest11`` named ``contract_tests.plugin``,
the module's own name, so ``-p contract_tests.plugin`` or a ``pytest_plugins`` naming it is
the same plugin, never a second copy). So this works from any directory::

    pytest --pyargs contract_tests --base-url https://api.example.com --api-key KEY --namespace contract-ci

Every option has an environment twin (``CONTRACT_*``), so CI can set them once. Without a
base URL the embedded mock is started in-process, so the project's own CI checks the mock
with exactly the suites any other implementation faces.

The entry point loads this module in every pytest session of anyone who installed the
package, so at import it needs nothing but pytest and the standard library (Hypothesis,
Schemathesis and the suites' own modules are imported when a contract test needs them), and
in a session that runs no contract test it only adds its options. ``--base-url``,
``--api-key``, ``--namespace`` and ``--other-namespace`` are common names (pytest-base-url,
a dependency of pytest-playwright, defines ``--base-url``; many conftests define one of
them): they are added after the installed plugins and the initial conftests have added
theirs, and only if none did; otherwise the suites read the value of the option already
there. Fixtures are prefixed ``contract_`` because a plugin's fixtures are visible to the
whole session.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from weakref import WeakKeyDictionary

import pytest

from contract_tests.options import OPTIONS, ContractOptions, add_argument, resolve
from contract_tests.probe import probe

if TYPE_CHECKING:
    from hypothesis import settings

    from contract_tests.conformance import ContractSchemas
    from contract_tests.dataset import Dataset
    from contract_tests.strategies import QueryStrategies
    from contract_tests.target import Target

PLUGIN_NAME = "contract_tests.plugin"
EMBEDDED_SEEDED_RECORDS = 100
HYPOTHESIS_PROFILE = "contract-tests"
# The fixture every contract test needs, directly or through another contract_ fixture.
TARGET_FIXTURE = "contract_target"
GROUP = "contract"
GROUP_DESCRIPTION = (
    "contract suites (pytest --pyargs contract_tests, or contract-tests); --base-url, --api-key, --namespace "
    "and --other-namespace are shared with any plugin or conftest that already defines them"
)


# The options resolved for a session, from its command line and the environment.
_OPTIONS = pytest.StashKey[ContractOptions]()
# The options ``contract-tests`` resolved (and probed the target with) before starting pytest.
PRESET = pytest.StashKey[ContractOptions]()
# Where each shared option's value is kept, per session: ours, or the dest of the option already there.
_SHARED_DESTS: WeakKeyDictionary[object, dict[str, str]] = WeakKeyDictionary()
# The sessions configured with this plugin, innermost last: ``profile()`` reads the current one.
_ACTIVE: list[pytest.Config] = []


def _existing_dest(parser: pytest.Parser, flag: str) -> str | None:
    """The dest of an option some other plugin or conftest already registered under ``flag``, if any."""
    groups = [getattr(parser, "_anonymous", None), *getattr(parser, "_groups", ())]
    for group in groups:
        for option in getattr(group, "options", ()):
            if flag in option.names():
                return str(option.dest)
    return None


def _add_shared_options(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    dests = _SHARED_DESTS.setdefault(pluginmanager, {})
    group = parser.getgroup(GROUP, GROUP_DESCRIPTION)
    for spec in OPTIONS:
        if not spec.shared or spec.flag in dests:
            continue
        dest = _existing_dest(parser, spec.flag)
        if dest is None:
            add_argument(group.addoption, spec, spec.dest)
            dest = spec.dest
        dests[spec.flag] = dest


def _conftests_loaded(pluginmanager: pytest.PytestPluginManager) -> bool:
    files = (getattr(plugin, "__file__", None) for plugin in pluginmanager.get_plugins())
    return any(os.path.basename(name) == "conftest.py" for name in files if isinstance(name, str))


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup(GROUP, GROUP_DESCRIPTION)
    for spec in OPTIONS:
        if not spec.shared:
            add_argument(group.addoption, spec, spec.dest)
    if _conftests_loaded(pluginmanager):
        # Registered by a conftest's pytest_plugins: the hook below has run already.
        _add_shared_options(parser, pluginmanager)


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser) -> Generator[None, None, None]:
    # Every installed plugin, every -p plugin and the initial conftests have added their options
    # by the time this returns: only now is it known which shared names are free.
    try:
        yield
    finally:
        _add_shared_options(parser, early_config.pluginmanager)


def contract_options(config: pytest.Config) -> ContractOptions:
    """The suites' settings for this session (``ValueError`` if the environment holds a malformed one)."""
    if PRESET in config.stash:
        return config.stash[PRESET]
    if _OPTIONS not in config.stash:
        dests = _SHARED_DESTS.get(config.pluginmanager, {})
        given = {spec.flag: config.getoption(dests.get(spec.flag, spec.dest), None) for spec in OPTIONS}
        config.stash[_OPTIONS] = resolve(given, os.environ)
    return config.stash[_OPTIONS]


def pytest_configure(config: pytest.Config) -> None:
    _ACTIVE.append(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    if config in _ACTIVE:
        _ACTIVE.remove(config)


def pytest_report_header(config: pytest.Config) -> str | None:
    if PRESET not in config.stash:
        return None  # a plain pytest session: say nothing, it may run no contract test at all
    import specs  # here: importing the plugin imports only pytest and the standard library

    options = config.stash[PRESET]
    target = options.base_url or "the embedded mock"
    version = specs.documented_openapi(options.api_version)["info"]["version"]
    return (
        f"contract target: {target} (namespace {options.namespace!r}, {options.examples} examples), "
        f"held to contract {version} (API version {options.api_version})"
    )


def _stop(message: str) -> NoReturn:
    sys.stderr.write(f"contract_tests: {message}\n")
    sys.stderr.flush()
    pytest.exit(message, returncode=2)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Before any test runs, and only if a contract test is to run: settings valid, target reachable, key accepted."""
    config = session.config
    if not any(TARGET_FIXTURE in getattr(item, "fixturenames", ()) for item in session.items):
        return  # --base-url may be pytest-base-url's, pointing at someone's web application
    try:
        options = contract_options(config)
    except ValueError as exc:
        _stop(str(exc))
    if options.base_url is None or PRESET in config.stash or config.getoption("collectonly", False):
        return  # contract-tests probed already
    problem = probe(options.base_url, options.api_key, options.namespace, options.timeout)
    if problem is not None:
        _stop(problem)


def profile() -> settings:
    """The suites' Hypothesis settings (``--contract-examples``), for ``@settings(profile())``.

    A named profile, not the default one: the project's other Hypothesis tests keep their settings.
    """
    from hypothesis import HealthCheck, Phase, settings

    try:
        options = contract_options(_ACTIVE[-1]) if _ACTIVE else resolve({}, os.environ)
    except ValueError:
        # Called while a test module is imported: the malformed setting is reported once, as a
        # usage error, when collection ends (pytest_collection_finish), not as an import error.
        options = resolve({}, {})
    phases = [phase for phase in Phase if phase is not Phase.explain]
    if options.no_shrink:
        phases.remove(Phase.shrink)
    settings.register_profile(
        HYPOTHESIS_PROFILE,
        max_examples=options.examples,
        phases=phases,
        deadline=None,  # a network round trip has no meaningful deadline
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    return settings.get_profile(HYPOTHESIS_PROFILE)


@pytest.fixture(scope="session")
def contract_target(pytestconfig: pytest.Config) -> Iterator[Target]:
    """The implementation under test: ``--base-url``, or the embedded mock started for this session."""
    from contract_tests.target import Target

    options = contract_options(pytestconfig)
    with ExitStack() as stack:
        base_url = options.base_url
        if base_url is None:
            from contract_tests.embedded import embedded_mock

            base_url = stack.enter_context(embedded_mock(options.api_key, EMBEDDED_SEEDED_RECORDS, options.api_version))
            key_env = None  # the embedded key is no secret, and the server is gone after the run anyway
        else:
            key_env = "CONTRACT_API_KEY"
        target = Target(base_url, options.api_key, options.namespace, options.timeout, key_env, options.api_version)
        stack.callback(target.close)
        yield target


@pytest.fixture(scope="session")
def contract_2026_11(contract_target: Target) -> Target:
    """The target, for the checks of what API version 2026-11 added; skipped when it is held to an older one."""
    from specs import V2026_11

    if contract_target.api_version < V2026_11:
        pytest.skip(
            f"checks what API version {V2026_11} added; the target is held to {contract_target.api_version} "
            f"(run with --api-version {V2026_11})"
        )
    return contract_target


@pytest.fixture(scope="session")
def contract_other_namespace(pytestconfig: pytest.Config, contract_target: Target) -> str:
    return contract_options(pytestconfig).other_namespace


@pytest.fixture(scope="session")
def contract_dataset(contract_target: Target) -> Iterator[Dataset]:
    """The semantic suite's records, seeded through batch and read back with get; deleted afterwards.

    The run marker is this fixture's own: records other tests create (with markers of their
    own) can never enter the answers compared here, even when a broken delete leaves them behind.
    """
    from contract_tests.dataset import Dataset, interactions, new_run
    from contract_tests.report import require_batch_results, require_status
    from specs.oracle.rules import BATCH, GET_AFTER_CREATE

    run = new_run()
    bodies = interactions(run, contract_target.api_version)
    exchange = contract_target.create_batch(bodies)
    _, results = require_batch_results(exchange, len(bodies), BATCH)
    created = [r.get("interaction_id") for r in results]
    try:
        records = []
        for interaction_id in created:
            fetched = contract_target.get(str(interaction_id))
            records.append(require_status(fetched, 200, GET_AFTER_CREATE))
        yield Dataset(run, tuple(records), contract_target.api_version)
    finally:
        for interaction_id in created:
            contract_target.delete(str(interaction_id))


@pytest.fixture(scope="session")
def contract_queries(contract_target: Target, contract_dataset: Dataset) -> QueryStrategies:
    """What the semantic properties draw from; from 2026-11 without the geo operators whose operand the target
    does not take in the shape the suites write it (answers.geo_refusals)."""
    from contract_tests.answers import geo_refusals
    from contract_tests.strategies import QueryStrategies
    from specs.oracle.reference import backfills

    refused = geo_refusals(contract_target, contract_dataset) if backfills(contract_target.api_version) else {}
    return QueryStrategies(contract_dataset, refused)


def _schemathesis_cache(config: pytest.Config) -> Path:
    """Where Schemathesis keeps failures to replay first next time: pytest's cache (``.pytest_cache``
    under the rootdir, the current directory for ``contract-tests``), never the installed package."""
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    if cache is not None:
        return Path(cache.mkdir("schemathesis"))
    return config.rootpath / ".pytest_cache" / "schemathesis"


@pytest.fixture(scope="session")
def contract_schemas(pytestconfig: pytest.Config, contract_target: Target) -> ContractSchemas:
    """The OpenAPI document's two views, as Schemathesis sees them, pointed at the target (``test_schema``)."""
    from contract_tests.conformance import load_schemas

    schemas: ContractSchemas = load_schemas(
        contract_target, contract_options(pytestconfig).examples, _schemathesis_cache(pytestconfig)
    )
    return schemas


@pytest.fixture(scope="session")
def contract_created(contract_target: Target) -> Iterator[list[str]]:
    """Ids of records generated tests created in the target's namespace, deleted when the session ends."""
    created: list[str] = []
    yield created
    for interaction_id in created:
        contract_target.delete(interaction_id)
