"""What create, batch, get and delete promise, and that namespaces never share data.

Each test tags what it creates with a run marker of its own and removes it again, so it
neither sees nor leaves behind anything another test compares. From API version 2026-11 a
create also deduplicates and backfills; the last tests check both (skipped under 2025-12).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import specs
from contract_tests import strategies
from contract_tests.answers import check_order, read_page
from contract_tests.dataset import WHOLE_RUN, Dataset, new_run, unique_tag
from contract_tests.plugin import profile
from contract_tests.report import require, require_batch_results, require_error, require_status, show
from contract_tests.target import Exchange, Target
from specs.oracle import reference
from specs.oracle.rules import (
    BACKFILL_FUTURE,
    BACKFILL_OCCURRED_AT,
    BATCH,
    BATCH_PARTIAL,
    CREATE,
    DEDUP_DISTINCT,
    DEDUP_REPEAT,
    DELETE_CONFIRMS,
    DELETE_GONE,
    GET_AFTER_CREATE,
    GET_UNKNOWN,
    NAMESPACE_ISOLATION,
    SORT_OCCURRED_AT,
    Rule,
)

RUN = new_run()
# What a create's answer says about that create (2026-11), not part of the stored record that get returns.
ANSWER_ONLY = ("deduplicated", "warning")
# What the client says makes a create a repeat of a recent one.
REPEAT_KEY = ("execution_id", "feature_id", "interaction_type")


def run_filter(run: str) -> dict[str, Any]:
    """A list request for the records of one run (and nothing else in the namespace)."""
    return Dataset(run, ()).scoped({})


def check_created(exchange: Exchange, sent: dict[str, Any]) -> dict[str, Any]:
    """A create answer: the client's fields back, an interaction_id that is a UUID4, a UTC ISO 8601 timestamp;
    from 2026-11 not deduplicated (the suites never repeat a create unless they mean to) and occurred_at as sent."""
    record = require_status(exchange, 200, CREATE)
    require(isinstance(record, dict), CREATE, exchange, "expected a JSON object")
    backfills = reference.backfills(exchange.api_version)
    if backfills:
        require(
            record.get("deduplicated", False) is False,
            DEDUP_DISTINCT,
            exchange,
            f"a create repeating no recent {', '.join(REPEAT_KEY)}: deduplicated {show(record.get('deduplicated'))}",
        )
    for name, value in sent.items():
        if backfills and name == "occurred_at":
            continue  # an instant, however written: check_occurred_at
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
    if backfills and sent.get("occurred_at") is not None:
        check_occurred_at(exchange, record, sent["occurred_at"])
    return dict(record)


def check_occurred_at(exchange: Exchange, record: dict[str, Any], sent: str) -> None:
    """The instant sent, as the server answered it: the same one, or, sent in the future, clamped to when
    the server recorded it (its timestamp, already checked to be an instant)."""
    moment, recorded = reference.instant(sent), reference.instant(record["timestamp"])
    answered = record.get("occurred_at")
    try:
        stored: datetime | None = reference.instant(answered) if isinstance(answered, str) else None
    except ValueError:
        stored = None
    what = f"sent occurred_at {show(sent)}, answered {show(answered)} (timestamp {show(record['timestamp'])})"
    if moment <= recorded:
        require(stored == moment, BACKFILL_OCCURRED_AT, exchange, what)
    else:
        require(stored is not None and stored <= recorded, BACKFILL_FUTURE, exchange, what)


def stored_part(record: dict[str, Any], version: str) -> dict[str, Any]:
    """A create's answer as the record it stored: without what the answer says about the create itself."""
    if not reference.backfills(version):
        return record
    return {name: value for name, value in record.items() if name not in ANSWER_ONLY}


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


def new_interactions(target: Target, run: str = RUN) -> st.SearchStrategy[dict[str, Any]]:
    return strategies.interactions(run, target.api_version)


@settings(profile())
@given(data=st.data())
def test_get_returns_what_create_stored(contract_target: Target, data: st.DataObject) -> None:
    interaction = data.draw(new_interactions(contract_target), label="interaction")
    with created(contract_target, interaction) as record:
        fetched = contract_target.get(record["interaction_id"])
        got = require_status(fetched, 200, GET_AFTER_CREATE)
        version = contract_target.api_version
        require(
            isinstance(got, dict)
            and reference.equal(stored_part(got, version), stored_part(record, version), case_sensitive=True),
            GET_AFTER_CREATE,
            fetched,
            f"create answered {show(record, 1000)}",
        )


@settings(profile())
@given(data=st.data())
def test_a_deleted_record_is_gone_from_get_list_and_delete(contract_target: Target, data: st.DataObject) -> None:
    run = new_run()
    interaction = data.draw(new_interactions(contract_target, run), label="interaction")
    record = check_created(contract_target.create(interaction), interaction)
    check_listed(contract_target, run, [record["interaction_id"]], DELETE_GONE)
    deleted = contract_target.delete(record["interaction_id"])
    confirmation = require_status(deleted, 200, DELETE_CONFIRMS)
    require(isinstance(confirmation, dict), DELETE_CONFIRMS, deleted, "expected a JSON object")
    require_error(contract_target.get(record["interaction_id"]), 404, DELETE_GONE)
    check_listed(contract_target, run, [], DELETE_GONE)
    require_error(contract_target.delete(record["interaction_id"]), 404, DELETE_GONE)


@settings(profile())
@given(data=st.data())
def test_batch_creates_every_item(contract_target: Target, data: st.DataObject) -> None:
    batch = data.draw(st.lists(new_interactions(contract_target), min_size=1, max_size=5), label="batch")
    exchange = contract_target.create_batch(batch)
    answer, results = require_batch_results(exchange, len(batch), BATCH)
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
@given(data=st.data(), missing=_BAD_ITEMS, where=st.integers(min_value=0, max_value=3))
def test_a_bad_item_fails_alone(contract_target: Target, data: st.DataObject, missing: str | None, where: int) -> None:
    run = new_run()
    marked = data.draw(st.lists(new_interactions(contract_target, run), max_size=3), label="good items")
    complete = {"feature_id": "bad", "interaction_type": ["click"], "position": 1, "metadata": {"run": run}}
    bad: Any = "not an interaction" if missing is None else {k: v for k, v in complete.items() if k != missing}
    where = min(where, len(marked))
    batch = [*marked[:where], bad, *marked[where:]]
    exchange = contract_target.create_batch(batch)
    answer, results = require_batch_results(exchange, len(batch), BATCH_PARTIAL)
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
    # A feature_id of its own: from 2026-11 a create like one of an earlier run's may be dropped as a repeat.
    feature = f"isolation-{run}"
    interaction = {"feature_id": feature, "interaction_type": ["click"], "position": 1, "metadata": {"run": run}}
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


# API version 2026-11: deduplication and backfill.


@settings(profile())
@given(data=st.data())
def test_a_repeated_create_is_dropped_and_another_feature_is_not(contract_2026_11: Target, data: st.DataObject) -> None:
    """Right after a create, one with the same (execution_id, feature_id, interaction_type) and any other fields
    is answered deduplicated and not stored; one that differs in feature_id alone is stored.

    Each create has an execution_id of its own (whether one without takes part, the client does not say), and
    the repeat's interaction_type is the very list sent before (whether its order counts, neither).
    """
    target, run = contract_2026_11, new_run()
    first = data.draw(new_interactions(target, run), label="interaction")
    first["execution_id"] = f"exec-{unique_tag()}"
    others = data.draw(new_interactions(target, run), label="the repeat's other fields")
    repeat = {**others, **{name: first[name] for name in REPEAT_KEY}}
    distinct = {**first, "feature_id": f"{first['feature_id']}-other"}
    kept: list[str] = []
    try:
        kept.append(check_created(target.create(first), first)["interaction_id"])
        exchange = target.create(repeat)
        answer = require_status(exchange, 200, DEDUP_REPEAT)
        dropped_id = answer.get("interaction_id") if isinstance(answer, dict) else None
        if dropped_id:
            kept.append(str(dropped_id))
        validator = specs.documented_validator("InteractionResponse", specs.edition(target.api_version))
        require(
            validator.is_valid(answer) and answer.get("deduplicated") is True and dropped_id is None,
            DEDUP_REPEAT,
            exchange,
            f"repeating {show({name: first[name] for name in REPEAT_KEY})} a moment later",
            "expected an InteractionResponse with deduplicated true and interaction_id null",
        )
        kept.append(check_created(target.create(distinct), distinct)["interaction_id"])
        check_listed(target, run, kept[:1] + kept[-1:], DEDUP_REPEAT)
    finally:
        for interaction_id in kept:
            target.delete(interaction_id)


_PAST = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2025, 12, 31))
_FUTURE = st.datetimes(min_value=datetime(2090, 1, 1), max_value=datetime(2099, 12, 31))


@settings(profile())
@given(
    past=st.lists(strategies.occurred_at(_PAST), min_size=2, max_size=5),
    future=st.none() | strategies.occurred_at(_FUTURE),
    live=st.booleans(),
)
def test_backfilled_records_list_by_when_they_happened(
    contract_2026_11: Target, past: list[str], future: str | None, live: bool
) -> None:
    """Records created with past occurred_at, in random order (with a future one, clamped, and one without, which
    happened now): each answers the instant it was given, and with no sort they list newest first by it."""
    target, run = contract_2026_11, new_run()
    occurred: list[str | None] = [*past, *([future] if future else []), *([None] if live else [])]
    records: list[dict[str, Any]] = []
    try:
        for position, moment in enumerate(occurred):
            body = {"feature_id": f"backfill-{unique_tag()}", "interaction_type": ["click"], "position": position}
            body["metadata"] = {"run": run}
            if moment is not None:
                body["occurred_at"] = moment
            records.append(check_created(target.create(body), body))
        page = read_page(target.list(run_filter(run), WHOLE_RUN), SORT_OCCURRED_AT)
        listed = sorted(page.ids)
        created = sorted(r["interaction_id"] for r in records)
        require(listed == created, SORT_OCCURRED_AT, page.exchange, f"expected the run's records {created}")
        check_order(page, reference.sort_records(records, None, target.api_version), None, target.api_version)
    finally:
        for record in records:
            target.delete(record["interaction_id"])
