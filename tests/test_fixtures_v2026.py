"""Data sets of API version 2026-11: feature URIs, backfills and repeats over the very traffic of 2025-12."""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import specs
from fixtures import (
    Target,
    generate_encoded,
    generate_interactions,
    generate_jsonl,
    generate_tables,
    iter_records,
    load_records,
    write_records,
)
from fixtures.journeys import NO_DOCUMENT
from fixtures.parquet import RecordsWriter
from fixtures.records import record_fields, search_interaction
from fixtures.v2026 import feature_uris
from mockserver import BackgroundServer, Settings

Record = dict[str, Any]
V2026 = "2026-11"
API = "/v1/retrievers/interactions"


def key(record: Record) -> tuple[Any, ...]:
    """What a 2026 server compares to find a repeat."""
    return record["execution_id"], record["feature_id"], frozenset(record["interaction_type"])


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def without_repeats(records: list[Record]) -> list[Record]:
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for record in records:
        if key(record) not in seen:
            seen.add(key(record))
            kept.append(record)
    return kept


@pytest.fixture(scope="module")
def traffic() -> list[Record]:
    """One larger 2026 sample for the statistical checks, beside the 2025 one of the same options."""
    return list(generate_interactions(30_000, 11, "stats", api_version=V2026))


# -- determinism, and the traffic of 2025-12 underneath -----------------------------------------


def test_same_seed_and_namespace_give_the_same_bytes_and_others_differ() -> None:
    first = b"".join(generate_jsonl(3000, 7, "demo", api_version=V2026))
    assert b"".join(generate_jsonl(3000, 7, "demo", api_version=V2026)) == first
    assert b"".join(generate_jsonl(3000, 8, "demo", api_version=V2026)) != first
    assert b"".join(generate_jsonl(3000, 7, "other", api_version=V2026)) != first


WORKER_EXAMPLES = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@WORKER_EXAMPLES
@given(count=st.integers(1, 600), seed=st.integers(0, 2**32), block_users=st.integers(1, 6))
def test_workers_and_shorter_runs_give_the_same_records(count: int, seed: int, block_users: int) -> None:
    options: dict[str, Any] = {"block_users": block_users, "api_version": V2026}
    single = list(generate_encoded(count, seed, "shards", **options))
    assert len(single) == count
    assert list(generate_encoded(count, seed, "shards", workers=2, **options)) == single
    assert list(generate_encoded(count // 2, seed, "shards", **options)) == single[: count // 2]


def test_without_its_additions_a_2026_data_set_is_the_2025_one() -> None:
    """Drop the repeats and the two new fields: the 2025-12 records, byte for byte."""
    made = list(generate_interactions(5000, 3, "same", block_users=60, api_version=V2026))
    stripped = []
    for record in without_repeats(made):
        record = dict(record)
        del record["feature_uri"], record["occurred_at"]
        stripped.append(record)
    assert len(stripped) < len(made)
    seed_records = list(generate_interactions(len(stripped), 3, "same", block_users=60))
    assert [orjson.dumps(r) for r in stripped] == [orjson.dumps(r) for r in seed_records]


def test_2025_12_bytes_are_unchanged() -> None:
    """The bytes of 2025-12 data sets before 2026-11 existed (with test.lock's Faker): what the mock
    serves by default, and a run across many blocks."""
    served = hashlib.sha256(b"".join(generate_jsonl(1000, 42, "demo"))).hexdigest()
    assert served == "9252b766841f74f078cc82d2eec3e0957f36c042c318019b72023624678e10a5"
    blocks = hashlib.sha256(b"".join(generate_jsonl(3000, 7, "golden", block_users=40))).hexdigest()
    assert blocks == "40d390015cd152db6cbd1d0d9cda3ff23dc0f88a948457113dfc93256e1a5ed6"


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="no API version '2027-01'"):
        next(generate_interactions(1, 7, "demo", api_version="2027-01"))


# -- shape -----------------------------------------------------------------------------------


def test_every_record_validates_and_has_the_stored_order(traffic: list[Record]) -> None:
    validator = specs.validator("InteractionResponse", specs.edition(V2026))
    for record in traffic[:3000]:
        assert not [error.message for error in validator.iter_errors(record)]
    assert {tuple(record) for record in traffic} == {record_fields(V2026)}


def test_occurred_at_is_never_after_the_timestamp(traffic: list[Record]) -> None:
    assert all(instant(r["occurred_at"]) <= instant(r["timestamp"]) for r in traffic)
    short = list(generate_interactions(3000, 5, "short", days=1 / 24, api_version=V2026))
    assert all(instant(r["occurred_at"]) <= instant(r["timestamp"]) for r in short)
    first = list(generate_interactions(3000, 5, "first", start=datetime(1, 1, 1, tzinfo=UTC), api_version=V2026))
    assert min(r["occurred_at"] for r in first) == "0001-01-01T00:00:00.000000Z", "backfills stop at year 1"


def test_the_shares_are_realistic(traffic: list[Record]) -> None:
    count = len(traffic)
    no_uri = sum(r["feature_uri"] is None for r in traffic) / count
    repeats = (count - len(without_repeats(traffic))) / count
    backfilled = sum(instant(r["timestamp"]) - instant(r["occurred_at"]) >= timedelta(hours=1) for r in traffic)
    assert 0.06 <= no_uri <= 0.15, no_uri
    assert 0.10 <= backfilled / count <= 0.20, backfilled / count
    assert 0.005 <= repeats <= 0.02, repeats
    live = sum(r["occurred_at"] == r["timestamp"] for r in traffic) / count
    assert live >= 0.75, "most records happened when they were recorded"


def test_a_backfilled_session_happened_hours_to_months_earlier_all_of_it(traffic: list[Record]) -> None:
    earlier: dict[str, set[timedelta]] = defaultdict(set)
    for record in without_repeats(traffic):
        earlier[record["session_id"]].add(instant(record["timestamp"]) - instant(record["occurred_at"]))
    assert all(len(shifts) == 1 for shifts in earlier.values()), "a session keeps its pace"
    shifts = [shift for (shift,) in earlier.values() if shift]
    assert shifts and all(timedelta(hours=1) <= shift <= timedelta(days=180) for shift in shifts)
    assert min(shifts) < timedelta(days=1) < timedelta(days=30) < max(shifts), "hours to months"


def test_feature_uris_are_the_documents_own(traffic: list[Record]) -> None:
    searched = feature_uris(11)
    by_document: dict[tuple[str, str], set[str]] = defaultdict(set)
    for record in traffic:
        uri = record["feature_uri"]
        if record["feature_id"] == NO_DOCUMENT:
            assert uri is None, "a record naming no document names no feature"
        if uri is not None:
            assert uri.startswith("mixpeek://") and uri in searched[record["retriever_id"]]
            by_document[record["retriever_id"], record["feature_id"]].add(uri)
    assert all(len(uris) == 1 for uris in by_document.values())
    assert len({uri for uris in by_document.values() for uri in uris}) >= 3
    assert feature_uris(11) == searched and feature_uris(12) != searched  # per seed


def test_a_repeat_is_the_same_interaction_recorded_seconds_later(traffic: list[Record]) -> None:
    first: dict[tuple[Any, ...], Record] = {}
    repeats = 0
    for record in traffic:
        original = first.setdefault(key(record), record)
        if original is record:
            continue
        repeats += 1
        after = instant(record["timestamp"]) - instant(original["timestamp"])
        assert timedelta(seconds=0.5) <= after < timedelta(seconds=30), "well inside the 5 minutes"
        assert record["interaction_id"] != original["interaction_id"]
        assert {**record, "interaction_id": "", "timestamp": ""} == {**original, "interaction_id": "", "timestamp": ""}
        assert record["metadata"] is not original["metadata"], "a copy of its own"
    assert repeats > 100
    sessions: dict[str, list[str]] = defaultdict(list)
    for record in traffic:
        sessions[record["session_id"]].append(record["timestamp"])
    assert all(stamps == sorted(stamps) for stamps in sessions.values()), "in the order they were recorded"


# -- Parquet -----------------------------------------------------------------------------------


def test_parquet_has_typed_columns_for_the_2026_fields_and_reads_back_exactly() -> None:
    records = list(generate_interactions(2000, 4, "parquet", block_users=40, api_version=V2026))
    out = io.BytesIO()
    with RecordsWriter(out, api_version=V2026) as writer:
        for table in generate_tables(2000, 4, "parquet", block_users=40, api_version=V2026):
            writer.write_table(table)
    table = pq.read_table(io.BytesIO(out.getvalue()))
    assert table.schema.field("feature_uri").type == pa.string()
    assert table.schema.field("occurred_at").type == pa.timestamp("us", tz="UTC")
    assert table.column("_keys").null_count == 2000 and table.column("_extra").null_count == 2000
    assert table.schema.names[:-2] == list(record_fields(V2026))
    read = read_records_from(out.getvalue())
    assert read == records and repr(read) == repr(records)
    written = io.BytesIO()
    write_records(records, written, "parquet", api_version=V2026)
    assert written.getvalue() == out.getvalue()


def test_records_of_the_other_version_are_still_written_exactly() -> None:
    records = list(generate_interactions(300, 4, "mixed", api_version=V2026))
    for version in ("2025-12", V2026):
        out = io.BytesIO()
        write_records(records, out, "parquet", api_version=version)
        assert read_records_from(out.getvalue()) == records


def read_records_from(data: bytes) -> list[Record]:
    return list(iter_records(io.BytesIO(data), "<parquet>"))


# -- loading into a 2026 server ----------------------------------------------------------------


def test_loaded_into_a_2026_mock_the_repeats_are_dropped_and_the_times_kept() -> None:
    start = datetime(2025, 6, 1, tzinfo=UTC)  # long past: nothing the server would clamp to its clock
    records = list(generate_interactions(1000, 21, "load", start=start, api_version=V2026))
    kept = without_repeats(records)
    assert len(kept) < len(records)
    with BackgroundServer(Settings(port=0, count=0, api_version=V2026)) as server:
        target = Target(server.url, "dev", "loaded")
        report = asyncio.run(load_records(records, target, batch_size=300, api_version=V2026))
        assert (report.created, report.deduplicated, report.failed) == (len(kept), len(records) - len(kept), 0)
        assert report.counts() == f"{len(kept)} created, {len(records) - len(kept)} deduplicated, 0 failed"
        headers = {"Authorization": "Bearer dev", "X-Namespace": "loaded"}
        page = requests.post(f"{server.url}{API}/list?limit=1000", json={}, headers=headers, timeout=30).json()
    listed = page["results"]
    assert len(listed) == len(kept)
    by_key = {key(record): record for record in kept}
    for record in listed:
        original = by_key[key(record)]
        assert (record["occurred_at"], record["feature_uri"]) == (original["occurred_at"], original["feature_uri"])
        assert record["timestamp"] > original["timestamp"], "recorded now, when it was loaded"
    happened = [record["occurred_at"] for record in listed]
    assert happened == sorted(happened, reverse=True), "the default order: when they happened"


def test_a_2025_file_sent_as_2026_keeps_its_timestamps_as_occurred_at() -> None:
    record = next(generate_interactions(1, 4, "old"))
    assert search_interaction(record, V2026) == {**search_interaction(record), "occurred_at": record["timestamp"]}
    assert "occurred_at" not in search_interaction(record) and "feature_uri" not in search_interaction(record)
    new = next(generate_interactions(1, 4, "old", api_version=V2026))
    sent = search_interaction(new, V2026)
    assert sent["occurred_at"] == new["occurred_at"] and sent.get("feature_uri") == new["feature_uri"]
    assert "interaction_id" not in sent and "timestamp" not in sent


def test_a_loader_of_an_unknown_version_sends_nothing() -> None:
    with pytest.raises(ValueError, match="no API version"):
        asyncio.run(load_records([], Target("http://127.0.0.1:9", "k", "ns"), api_version="1999-01"))
