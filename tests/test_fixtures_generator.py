"""generate_interactions: valid records, the same bytes for the same seed, and traffic that looks real."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fixtures.workers
import specs
from fixtures import generate_encoded, generate_interactions, generate_jsonl
from fixtures.generator import BLOCK_USERS, DEFAULT_START, Blocks, data_set
from fixtures.journeys import Traffic
from fixtures.pools import pools_for
from fixtures.records import INTERACTION_TYPES, RECORD_FIELDS
from fixtures.seeds import block_seed, namespace_seed

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DAYS_US = 30 * 86_400 * 1_000_000
# Each example starts worker processes: a few dozen examples is seconds, not minutes.
WORKER_EXAMPLES = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Record = dict[str, Any]


def digest(records: Any) -> str:
    hasher = hashlib.sha256()
    for record in records:
        hasher.update(orjson.dumps(record) + b"\n")
    return hasher.hexdigest()


@pytest.fixture(scope="module")
def traffic() -> list[Record]:
    """One larger sample for the statistical checks (a second or so to make)."""
    return list(generate_interactions(30_000, 11, "stats"))


# -- determinism -------------------------------------------------------------------------


def test_same_seed_and_namespace_give_identical_records() -> None:
    assert digest(generate_interactions(3000, 7, "demo")) == digest(generate_interactions(3000, 7, "demo"))


def test_different_seeds_or_namespaces_give_different_records() -> None:
    base = digest(generate_interactions(500, 7, "demo"))
    assert digest(generate_interactions(500, 8, "demo")) != base
    assert digest(generate_interactions(500, 7, "other")) != base


def test_a_shorter_run_is_a_prefix_of_a_longer_one() -> None:
    longer = list(generate_interactions(2000, 3, "ns"))
    assert list(generate_interactions(777, 3, "ns")) == longer[:777]


def test_identical_across_processes_whatever_the_hash_seed() -> None:
    script = (
        "import hashlib, orjson\n"
        "from fixtures import generate_interactions\n"
        "h = hashlib.sha256()\n"
        "for r in generate_interactions(3000, 7, 'demo'): h.update(orjson.dumps(r) + b'\\n')\n"
        "print(h.hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        digests.add(done.stdout.strip())
    assert digests == {digest(generate_interactions(3000, 7, "demo"))}


# -- blocks and workers ------------------------------------------------------------------------


def encoded(records: Any) -> list[bytes]:
    return [orjson.dumps(record) for record in records]


@WORKER_EXAMPLES
@given(
    count=st.integers(0, 300),
    seed=st.integers(0, 2**32),
    workers=st.integers(2, 3),
    block_users=st.integers(1, 6),
    days=st.sampled_from([30.0, 1.0, 1 / 24]),
)
def test_workers_make_the_very_bytes_one_process_makes(
    count: int, seed: int, workers: int, block_users: int, days: float
) -> None:
    """Small blocks, so that a few hundred records cross many blocks and both workers."""
    options: dict[str, Any] = {"days": days, "block_users": block_users}
    single = encoded(generate_interactions(count, seed, "shards", **options))
    assert len(single) == count
    assert encoded(generate_interactions(count, seed, "shards", workers=workers, **options)) == single
    assert list(generate_encoded(count, seed, "shards", workers=workers, **options)) == single
    assert list(generate_encoded(count, seed, "shards", **options)) == single
    lines = b"".join(record + b"\n" for record in single)
    for processes in (1, workers):
        chunks = list(generate_jsonl(count, seed, "shards", workers=processes, **options))
        assert b"".join(chunks) == lines
        assert all(chunk.endswith(b"\n") for chunk in chunks)


@settings(max_examples=25, deadline=None)
@given(short=st.integers(0, 400), extra=st.integers(0, 400), seed=st.integers(0, 2**32), block_users=st.integers(1, 5))
def test_a_shorter_run_is_a_prefix_of_a_longer_one_across_blocks(
    short: int, extra: int, seed: int, block_users: int
) -> None:
    longer = encoded(generate_interactions(short + extra, seed, "prefix", block_users=block_users))
    assert encoded(generate_interactions(short, seed, "prefix", block_users=block_users)) == longer[:short]


def test_a_run_is_its_blocks_in_order_each_made_alone() -> None:
    blocks = data_set(5, "alone", block_users=3)
    made = [blocks.records(block) for block in reversed(range(8))][::-1]  # made last to first
    everything = [record for block in made for record in block]
    assert all(made), "every block of three users has records"
    assert encoded(generate_interactions(len(everything), 5, "alone", block_users=3)) == encoded(everything)


def test_block_zero_is_the_stream_of_the_namespace_seed() -> None:
    """The first block of a data set is what one generator seeded with the namespace's seed
    draws for its first BLOCK_USERS users: data sets of up to ~12,000 records kept their bytes."""
    window = int(DEFAULT_DAYS_US)
    traffic = Traffic(pools_for(42), random.Random(namespace_seed(42, "demo")), DEFAULT_START, window)
    stream = [record for session in traffic.users(BLOCK_USERS) for record in session]
    assert block_seed(42, "demo", 0) == namespace_seed(42, "demo")
    assert encoded(Blocks(42, "demo", DEFAULT_START, window).records(0)) == encoded(stream)
    assert len(stream) > 10_000
    assert len({block_seed(42, "demo", block) for block in range(1000)}) == 1000
    with pytest.raises(ValueError, match="0 or more"):
        block_seed(42, "demo", -1)


def test_default_blocks_agree_across_workers_past_several_blocks() -> None:
    """At the real block size: 40,000 records are four blocks, the last one cut."""
    single = generate_encoded(40_000, 8, "real")
    assert list(generate_encoded(40_000, 8, "real", workers=2)) == list(single)


def test_closing_early_stops_the_workers_promptly() -> None:
    began = time.monotonic()
    records = generate_interactions(10_000_000, 1, "early", workers=2)
    first = next(records)
    records.close()
    assert first == next(generate_interactions(1, 1, "early"))
    assert time.monotonic() - began < 30, "no worker made ten million records"


def test_blocks_come_back_through_files_or_the_pipe_alike(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    expected = encoded(generate_interactions(2000, 6, "spill", block_users=30))
    monkeypatch.setattr(fixtures.workers, "_SPILL_DIRS", (str(tmp_path),))
    for files in (True, False):  # files in a directory, or (none usable) all through the pipe
        if not files:
            monkeypatch.setattr(fixtures.workers, "_spill_dir", lambda: None)
        for make in (generate_interactions, generate_encoded):
            made = list(make(2000, 6, "spill", workers=2, block_users=30))
            assert (encoded(made) if make is generate_interactions else made) == expected
        assert list(tmp_path.iterdir()) == [], "the blocks' directory is removed"
    # A worker that cannot write its file (here: the directory is gone) sends the block itself.
    spilled = fixtures.workers._make_and_spill(_fails, str(tmp_path / "gone"), data_set(1, "x"), 0)
    assert spilled == (1, b"{}", None)


def _fails(blocks: Blocks, block: int) -> tuple[int, bytes]:
    if block == 2:
        raise LookupError(f"block {block} cannot be made")
    return 1, b"{}"


def test_an_error_in_a_worker_reaches_the_caller() -> None:
    blocks = data_set(1, "boom")
    made = fixtures.workers.in_order(_fails, blocks, 10, 2)
    assert [next(made), next(made)] == [(1, b"{}"), (1, b"{}")]
    with pytest.raises(LookupError, match="block 2 cannot be made"):
        next(made)


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2", True])
def test_workers_must_be_a_whole_number_of_one_or_more(workers: Any) -> None:
    with pytest.raises(ValueError, match="workers must be"):
        list(generate_interactions(10, 1, workers=workers))
    with pytest.raises(ValueError, match="workers must be"):
        list(generate_encoded(10, 1, workers=workers))
    with pytest.raises(ValueError, match="workers must be"):
        list(generate_jsonl(10, 1, workers=workers))


def test_block_users_must_be_one_or_more() -> None:
    with pytest.raises(ValueError, match="block_users"):
        list(generate_interactions(10, 1, block_users=0))


def test_workers_from_a_script_on_standard_input_make_the_blocks_in_process() -> None:
    """multiprocessing cannot import such a main module again in a worker: the same records, made here."""
    script = (
        "import hashlib, orjson\n"
        "from fixtures import generate_interactions\n"
        "h = hashlib.sha256()\n"
        "for r in generate_interactions(2000, 7, 'demo', workers=2, block_users=20): h.update(orjson.dumps(r))\n"
        "print(h.hexdigest())\n"
    )
    done = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    expected = hashlib.sha256(b"".join(encoded(generate_interactions(2000, 7, "demo", block_users=20))))
    assert done.stdout.strip() == expected.hexdigest()


def test_count_zero_yields_nothing_and_a_bad_window_is_refused() -> None:
    assert list(generate_interactions(0, 1)) == []
    with pytest.raises(ValueError, match="days"):
        list(generate_interactions(1, 1, days=0))
    # Shorter than a second no session fits: refused, rather than searched for forever.
    with pytest.raises(ValueError, match="at least one second"):
        list(generate_interactions(1, 1, days=1e-7))
    assert len(list(generate_interactions(500, 1, days=1 / 86_400))) == 500


# -- shape ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_every_record_validates_and_carries_every_field(seed: int) -> None:
    validator = specs.validator("InteractionResponse")
    for record in generate_interactions(1500, seed, f"ns-{seed}"):
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(record)]
        assert not errors, f"seed {seed}: {errors} in {record}"
        assert tuple(record) == RECORD_FIELDS, "every documented field, in the schema's order"
        assert set(record["interaction_type"]) <= INTERACTION_TYPES


def test_ids_are_unique_uuid4_and_timestamps_iso_utc(traffic: list[Record]) -> None:
    ids = [r["interaction_id"] for r in traffic]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids[:2000])
    for record in traffic[:2000]:
        stamp = record["timestamp"]
        assert stamp.endswith("Z") and len(stamp) == len("2026-01-15T10:30:00.123456Z"), stamp
        datetime.fromisoformat(stamp)


def test_timestamps_stay_in_the_window() -> None:
    start = datetime(2025, 6, 1, tzinfo=UTC)
    stamps = [datetime.fromisoformat(r["timestamp"]) for r in generate_interactions(3000, 5, "w", start=start, days=2)]
    assert min(stamps) >= start
    assert max(stamps) < start + timedelta(days=2)
    assert max(stamps) - min(stamps) > timedelta(days=1), "spread over the window, not bunched"


def test_every_seed_interaction_type_occurs(traffic: list[Record]) -> None:
    seen = {t for r in traffic for t in r["interaction_type"]}
    assert seen == INTERACTION_TYPES


# -- realism -------------------------------------------------------------------------------


def test_a_session_has_one_user_and_one_retriever(traffic: list[Record]) -> None:
    users: dict[str, set[Any]] = defaultdict(set)
    retrievers: dict[str, set[Any]] = defaultdict(set)
    for record in traffic:
        users[record["session_id"]].add(record["user_id"])
        retrievers[record["session_id"]].add(record["retriever_id"])
    assert all(len(u) == 1 for u in users.values())
    assert all(len(r) == 1 for r in retrievers.values())


def test_users_have_several_sessions_and_sessions_several_searches(traffic: list[Record]) -> None:
    sessions: dict[str, set[str]] = defaultdict(set)
    executions: dict[str, set[str]] = defaultdict(set)
    for record in traffic:
        if record["user_id"] is not None:
            sessions[record["user_id"]].add(record["session_id"])
        executions[record["session_id"]].add(record["execution_id"])
    assert sum(len(s) for s in sessions.values()) / len(sessions) > 1.8
    assert sum(len(e) for e in executions.values()) / len(executions) > 1.5
    assert any(r["user_id"] is None for r in traffic), "some traffic is anonymous"


def test_timestamps_increase_within_a_session(traffic: list[Record]) -> None:
    last: dict[str, str] = {}
    for record in traffic:
        session = record["session_id"]
        assert record["timestamp"] > last.get(session, ""), f"time went back in session {session}"
        last[session] = record["timestamp"]


def test_document_score_falls_with_position(traffic: list[Record]) -> None:
    by_execution: dict[str, dict[int, float]] = defaultdict(dict)
    for record in traffic:
        if record["document_score"] is not None:
            by_execution[record["execution_id"]][record["position"]] = record["document_score"]
    for execution, scores in by_execution.items():
        ordered = [scores[p] for p in sorted(scores)]
        assert ordered == sorted(ordered, reverse=True), f"scores rise with position in {execution}: {scores}"


def test_click_through_falls_with_position(traffic: list[Record]) -> None:
    views: Counter[int] = Counter()
    clicks: Counter[int] = Counter()
    for record in traffic:
        bucket = min(record["position"], 5)  # 0, 1, 2, 3, 4, 5+
        views[bucket] += "view" in record["interaction_type"]
        clicks[bucket] += "click" in record["interaction_type"]
    ctr = [clicks[b] / views[b] for b in range(6)]
    assert ctr == sorted(ctr, reverse=True), f"click-through by position: {ctr}"
    assert ctr[0] > 2 * ctr[5]
    assert views[0] > views[2] > views[5], "fewer people read further down"


def test_every_click_follows_a_view_of_the_same_result(traffic: list[Record]) -> None:
    viewed: set[tuple[str, int]] = set()
    for record in traffic:
        key = (record["execution_id"], record["position"])
        if "view" in record["interaction_type"]:
            viewed.add(key)
        if "click" in record["interaction_type"]:
            assert key in viewed


def test_purchases_follow_add_to_cart_in_the_same_execution(traffic: list[Record]) -> None:
    carted: set[tuple[str, int]] = set()
    purchases = 0
    for record in traffic:
        key = (record["execution_id"], record["position"])
        if "add_to_cart" in record["interaction_type"]:
            carted.add(key)
        if "purchase" in record["interaction_type"]:
            purchases += 1
            assert key in carted
            assert record["metadata"]["purchase_amount"] > 0
    assert purchases > 0


def test_query_is_in_the_snapshot_and_the_metadata(traffic: list[Record]) -> None:
    for record in traffic:
        assert record["query_snapshot"]["text"] == record["metadata"]["query"]
    queries = Counter(r["metadata"]["query"] for r in traffic)
    assert queries.most_common(1)[0][1] > 20 * (len(traffic) / len(queries)) / 10, "popular queries repeat"


def test_metadata_carries_fields_search_can_find(traffic: list[Record]) -> None:
    for record in islice(traffic, 3000):
        meta = record["metadata"]
        assert meta["device"] in ("mobile", "desktop", "tablet")
        assert isinstance(meta["locale"], str) and isinstance(meta["city"], str)
        assert isinstance(meta["duration_ms"], int) and meta["duration_ms"] >= 0
    campaigns = {r["metadata"].get("utm_campaign") for r in traffic} - {None}
    assert any(name.startswith("campaign_") for name in campaigns), campaigns
    assert len({r["metadata"]["locale"] for r in traffic}) >= 5


def test_the_v2_product_retriever_wins_its_ab_test(traffic: list[Record]) -> None:
    def click_through(retriever: str) -> float:
        rows = [r["interaction_type"] for r in traffic if r["retriever_id"] == retriever]
        return sum("click" in t for t in rows) / sum("view" in t for t in rows)

    assert click_through("ret_product_search_v2") > click_through("ret_product_search")
    variants = {(r["retriever_id"], r["metadata"].get("ab_variant")) for r in traffic if r["user_id"]}
    assert ("ret_product_search_v2", "treatment") in variants and ("ret_product_search", "control") in variants
    assert ("ret_product_search_v2", "control") not in variants, "a user stays in one bucket"


def test_repeated_values_are_shared_not_copied(traffic: list[Record]) -> None:
    """A namespace of 100k records holds each device, city or feature id once, not once per record."""
    fields = {
        "device": lambda r: r["metadata"]["device"],
        "os": lambda r: r["metadata"]["os"],
        "page": lambda r: r["metadata"]["page"],
        "locale": lambda r: r["metadata"]["locale"],
        "city": lambda r: r["metadata"]["city"],
        "utm_campaign": lambda r: r["metadata"].get("utm_campaign"),
        "retriever_id": lambda r: r["retriever_id"],
        "feature_id": lambda r: r["feature_id"],
        "session_id": lambda r: r["session_id"],
    }
    for name, read in fields.items():
        values = [read(r) for r in traffic]
        objects = {id(v) for v in values}
        assert len(objects) == len(set(values)), f"{name}: {len(objects)} objects for {len(set(values))} values"
