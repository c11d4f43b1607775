"""What create, batch, get and delete promise, and that namespaces never share data.

Each test tags what it creates with a run marker of its own and removes it again, so it
neither sees nor leaves behind anything another test compares.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contract_tests import reference, strategies
from contract_tests.dataset import WHOLE_RUN, Dataset, new_run
from contract_tests.plugin import profile
from contract_tests.report import require, require_error, require_status, show
from contract_tests.rules import (
    BATCH,
    BATCH_PARTIAL,
    CREATE,
    DELETE_CONFIRMS,
    DELETE_GONE,
    GET_AFTER_CREATE,
    GET_UNKNOWN,
    NAMESPACE_ISOLATION,
    Rule,
)
from contract_tests.target import Exchange, Target

RUN = new_run()


def run_filter(run: str) -> dict[str, Any]:
    """A list request for the records of one run (and nothing else in the namespace)."""
    return Dataset(run, ()).scoped({})


def check_created(exchange: Exchange, sent: dict[str, Any]) -> dict[str, Any]:
    """A create answer: the client's fields back, an interaction_id that is a UUID4, a UTC ISO 8601 timestamp."""
    record = require_status(exchange, 200, CREATE)
    require(isinstance(record, dict), CREATE, exchange, "expected a JSON object")
    for name, value in sent.items():
        require(
            reference.equal(record.get(name), value, case_sensitive=True),
            CREATE,
            exchange,
            f"{name}: sent {show(value)}, stored {show(record.get(name))}",
        )
    try:
        version = uuid.UUID(str(record.get("interaction_id"))).version
    except ValueError:
        version = None
    require(version == 4, CREATE, exchange, f"interaction_id {show(record.get('interaction_id'))} is not a UUID4")
    try:
        offset = reference.instant(str(record.get("timestamp"))).utcoffset()
    except ValueError:
        offset = None
    require(
        offset is not None and not offset,
        CREATE,
        exchange,
        f"timestamp {show(record.get('timestamp'))} is not an ISO 8601 instant in UTC",
    )
    return dict(record)


def check_listed(target: Target, run: str, wanted: list[str], rule: Rule, namespace: str | None = None) -> None:
    options = {} if namespace is None else {"namespace": namespace}
    exchange = target.list(run_filter(run), WHOLE_RUN, **options)
    body = require_status(exchange, 200, rule)
    listed = sorted(str(row.get("interaction_id")) for row in body.get("results", []))
    require(listed == sorted(wanted), rule, exchange, f"expected the run's records {sorted(wanted)}, listed {listed}")


@contextmanager
def created(target: Target, interaction: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A record created for one test, deleted afterwards whatever happened."""
    record = check_created(target.create(interaction), interaction)
    try:
        yield record
    finally:
        target.delete(record["interaction_id"])


@settings(profile())
@given(interaction=strategies.interactions(RUN))
def test_get_returns_what_create_stored(contract_target: Target, interaction: dict[str, Any]) -> None:
    with created(contract_target, interaction) as record:
        fetched = contract_target.get(record["interaction_id"])
        got = require_status(fetched, 200, GET_AFTER_CREATE)
        require(
            reference.equal(got, record, case_sensitive=True),
            GET_AFTER_CREATE,
            fetched,
            f"create answered {show(record, 1000)}",
        )


@settings(profile())
@given(interaction=strategies.interactions(RUN))
def test_a_deleted_record_is_gone_from_get_list_and_delete(
    contract_target: Target, interaction: dict[str, Any]
) -> None:
    run = new_run()
    interaction = {**interaction, "metadata": {**interaction["metadata"], "run": run}}
    record = check_created(contract_target.create(interaction), interaction)
    check_listed(contract_target, run, [record["interaction_id"]], DELETE_GONE)
    deleted = contract_target.delete(record["interaction_id"])
    confirmation = require_status(deleted, 200, DELETE_CONFIRMS)
    require(isinstance(confirmation, dict), DELETE_CONFIRMS, deleted, "expected a JSON object")
    require_error(contract_target.get(record["interaction_id"]), 404, DELETE_GONE)
    check_listed(contract_target, run, [], DELETE_GONE)
    require_error(contract_target.delete(record["interaction_id"]), 404, DELETE_GONE)


@settings(profile())
@given(batch=st.lists(strategies.interactions(RUN), min_size=1, max_size=5))
def test_batch_creates_every_item(contract_target: Target, batch: list[dict[str, Any]]) -> None:
    exchange = contract_target.create_batch(batch)
    answer = require_status(exchange, 200, BATCH)
    results = answer.get("results") if isinstance(answer, dict) else None
    require(isinstance(results, list) and len(results) == len(batch), BATCH, exchange, f"expected {len(batch)} results")
    assert isinstance(results, list)
    created_ids = [str(result.get("interaction_id")) for result in results]
    try:
        require(
            answer.get("created") == len(batch) and answer.get("failed") == 0,
            BATCH,
            exchange,
            f"expected created={len(batch)}, failed=0",
        )
        for index, (result, sent) in enumerate(zip(results, batch, strict=True)):
            require(
                result.get("index") == index and result.get("status") == "created",
                BATCH,
                exchange,
                f"result {index}: {show(result)}",
            )
            check_created(contract_target.get(str(result.get("interaction_id"))), sent)
    finally:
        for interaction_id in created_ids:
            contract_target.delete(interaction_id)


# Items the documented SearchInteraction refuses: a required field missing, or not an object at all.
_BAD_ITEMS = st.sampled_from(["feature_id", "interaction_type", "position", None])


@settings(profile())
@given(
    good=st.lists(strategies.interactions(RUN), max_size=3),
    missing=_BAD_ITEMS,
    where=st.integers(min_value=0, max_value=3),
)
def test_a_bad_item_fails_alone(
    contract_target: Target, good: list[dict[str, Any]], missing: str | None, where: int
) -> None:
    run = new_run()
    marked = [{**item, "metadata": {**item["metadata"], "run": run}} for item in good]
    complete = {"feature_id": "bad", "interaction_type": ["click"], "position": 1, "metadata": {"run": run}}
    bad: Any = "not an interaction" if missing is None else {k: v for k, v in complete.items() if k != missing}
    where = min(where, len(marked))
    batch = [*marked[:where], bad, *marked[where:]]
    exchange = contract_target.create_batch(batch)
    answer = require_status(exchange, 200, BATCH_PARTIAL)
    results = answer.get("results") if isinstance(answer, dict) else None
    require(
        isinstance(results, list) and len(results) == len(batch),
        BATCH_PARTIAL,
        exchange,
        f"expected {len(batch)} results",
    )
    assert isinstance(results, list)
    require(all(isinstance(r, dict) for r in results), BATCH_PARTIAL, exchange, "expected each result an object")
    created_ids = [
        str(result["interaction_id"])
        for result in results
        if result.get("status") == "created" and result.get("interaction_id")
    ]
    try:
        require(
            answer.get("created") == len(marked) and answer.get("failed") == 1,
            BATCH_PARTIAL,
            exchange,
            f"expected created={len(marked)}, failed=1 (the item at {where})",
        )
        require(
            results[where].get("index") == where and results[where].get("status") != "created",
            BATCH_PARTIAL,
            exchange,
            f"result {where}, the bad item: {show(results[where])}",
        )
        check_listed(contract_target, run, created_ids, BATCH_PARTIAL)
        require(len(created_ids) == len(marked), BATCH_PARTIAL, exchange, "expected every good item created")
    finally:
        for interaction_id in created_ids:
            contract_target.delete(interaction_id)


def test_an_unknown_id_is_not_found(contract_target: Target) -> None:
    unknown = str(uuid.uuid4())
    require_error(contract_target.get(unknown), 404, GET_UNKNOWN)
    require_error(contract_target.delete(unknown), 404, GET_UNKNOWN)


def test_records_never_cross_namespaces(contract_target: Target, contract_other_namespace: str) -> None:
    run = new_run()
    interaction = {"feature_id": "isolation", "interaction_type": ["click"], "position": 1, "metadata": {"run": run}}
    with created(contract_target, interaction) as record:
        interaction_id = record["interaction_id"]
        elsewhere = {"namespace": contract_other_namespace}
        require_error(contract_target.get(interaction_id, **elsewhere), 404, NAMESPACE_ISOLATION)
        listed = contract_target.list(run_filter(run), WHOLE_RUN, **elsewhere)
        # A server that serves only listed namespaces may refuse the other one outright (404): also isolated.
        if listed.status != 404:
            body = require_status(listed, 200, NAMESPACE_ISOLATION)
            require(body.get("results") == [], NAMESPACE_ISOLATION, listed, "another namespace lists this record")
        require_error(contract_target.delete(interaction_id, **elsewhere), 404, NAMESPACE_ISOLATION)
        still = contract_target.get(interaction_id)
        require(still.status == 200, NAMESPACE_ISOLATION, still, "a delete in another namespace removed the record")
