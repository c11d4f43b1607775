"""Parquet: typed columns any Parquet reader understands, and the very records written read back."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fixtures.parquet
from fixtures import RecordsFileError, generate_interactions, generate_tables, iter_records, read_records, write_records
from fixtures.io import write_encoded, write_jsonl_chunks
from fixtures.parquet import RecordsWriter, records_to_table
from fixtures.records import RECORD_FIELDS

Record = dict[str, Any]


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return list(generate_interactions(3000, 4, "parquet", block_users=40))  # a few blocks


def parquet_bytes(records: list[Record]) -> bytes:
    out = io.BytesIO()
    assert write_records(records, out, "parquet") == len(records)
    return out.getvalue()


def same(read: list[Record], written: list[Record]) -> None:
    """Equal, and equal in what ``==`` does not see: key order (nested too), int versus float, bool versus int."""
    assert read == written
    assert repr(read) == repr(written)


# -- round trips ---------------------------------------------------------------------------


def test_generated_records_read_back_exactly(records: list[Record], tmp_path: Path) -> None:
    path = tmp_path / "demo.parquet"
    path.write_bytes(parquet_bytes(records))
    back = list(read_records(path))
    same(back, records)
    assert [orjson.dumps(r) for r in back] == [orjson.dumps(r) for r in records]


def test_the_file_is_the_same_however_the_records_arrive(records: list[Record]) -> None:
    """Row groups are cut at fixed row counts: tables from blocks, from workers, or records in batches."""
    expected = parquet_bytes(records)
    for workers in (1, 2):
        out = io.BytesIO()
        with RecordsWriter(out) as writer:
            for table in generate_tables(3000, 4, "parquet", workers=workers, block_users=40):
                writer.write_table(table)
        assert out.getvalue() == expected, f"workers={workers}"


def test_row_groups_have_a_fixed_size(records: list[Record]) -> None:
    def written(sizes: list[int]) -> bytes:
        out = io.BytesIO()
        with RecordsWriter(out, row_group_rows=700) as writer:
            start = 0
            for size in sizes:
                writer.write_records(records[start : start + size])
                start += size
            writer.write_records(records[start:])
        return out.getvalue()

    first = written([1000, 1000])
    assert written([1, 2, 3, 694, 1299]) == first
    assert written([3000]) == first
    meta = pq.ParquetFile(io.BytesIO(first)).metadata
    assert [meta.row_group(g).num_rows for g in range(meta.num_row_groups)] == [700, 700, 700, 700, 200]


def test_reading_crosses_batches(records: list[Record], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fixtures.parquet, "READ_BATCH_ROWS", 7)
    same(list(iter_records(io.BytesIO(parquet_bytes(records[:100])))), records[:100])


def test_unicode_nesting_nulls_missing_fields_and_odd_values_read_back_exactly() -> None:
    written: list[Record] = [
        {
            "feature_id": "été 東京 😀 \u0000 \n",
            "interaction_type": ["click", "ü"],
            "position": 0,
            "metadata": {"z": 1, "a": [1, {"b": None, "c": [[]]}], "f": 0.1, "é": "✓", "big": 2**64, "neg": -(2**70)},
            "user_id": None,
            "session_id": None,
            "execution_id": None,
            "retriever_id": None,
            "query_snapshot": {"text": "q", "filters": {"price": {"lte": 50}}},
            "document_score": None,
            "result_set_size": None,
            "interaction_id": "id-1",
            "timestamp": "2026-01-15T10:30:00.123456Z",
        },
        {"feature_id": "only one field"},
        {},
        {
            "interaction_type": [],
            "metadata": {},
            "query_snapshot": [],
            "position": -(2**63),
            "result_set_size": 2**63 - 1,
        },
        # What the typed columns cannot hold exactly is kept aside, never coerced.
        {"position": True, "document_score": 1, "result_set_size": 2**70, "interaction_id": 7, "user_id": ["u"]},
        {"interaction_type": ["a", 3], "feature_id": {"nested": "object"}, "metadata": "just text", "position": 1.0},
        # Keys in another order than the contract's, and keys the contract does not have.
        {"timestamp": "2026-01-15T10:30:00Z", "zeta": 1, "feature_id": "f", "alpha": {"x": [1, 2]}, "position": 3},
        # Timestamps that do not print as their instant does, or name none.
        {"timestamp": "2026-01-15T12:30:00.5+02:00"},
        {"timestamp": "2026-01-15"},
        {"timestamp": "yesterday"},
        {"timestamp": ""},
        {"timestamp": None},
        {"timestamp": 1768473000},
        {"timestamp": "0001-01-01T00:00:00.000000Z"},
        {"timestamp": "9999-12-31T23:59:59.999999Z"},
        {"document_score": -0.0, "metadata": {"inf_like": 1e308, "tiny": 5e-324}},
    ]
    same(list(iter_records(io.BytesIO(parquet_bytes(written)))), written)


def test_json_columns_without_nulls_take_the_quick_way_and_keep_huge_integers() -> None:
    written: list[Record] = [{"metadata": {"n": n, "s": "é"}, "query_snapshot": {"text": "q"}} for n in range(300)]
    same(list(iter_records(io.BytesIO(parquet_bytes(written)))), written)
    written[150]["metadata"]["n"] = 2**64 + 1  # orjson refuses it: the one-by-one way, exactly
    same(list(iter_records(io.BytesIO(parquet_bytes(written)))), written)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
timestamps = st.one_of(
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)).map(
        lambda when: when.isoformat(timespec="microseconds").replace("+00:00", "Z")
    ),
    st.datetimes(timezones=st.timezones()).map(datetime.isoformat),
    st.text(max_size=30),
    json_values,
)
field_values = {
    "interaction_type": st.lists(st.text(max_size=12), max_size=3) | json_values,
    "position": st.integers(0, 1000) | json_values,
    "document_score": st.floats(allow_nan=False) | json_values,
    "result_set_size": st.integers() | json_values,
    "timestamp": timestamps,
}
record_strategy = st.lists(
    st.sampled_from([*RECORD_FIELDS, "extra", "é"]), unique=True, max_size=len(RECORD_FIELDS) + 2
).flatmap(
    lambda keys: st.fixed_dictionaries({key: field_values.get(key, st.text(max_size=20) | json_values) for key in keys})
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(record_strategy, max_size=12))
def test_any_json_records_read_back_exactly(written: list[Record]) -> None:
    same(list(iter_records(io.BytesIO(parquet_bytes(written)))), written)


def test_nothing_written_is_still_a_readable_file() -> None:
    data = parquet_bytes([])
    assert data.startswith(b"PAR1") and data.endswith(b"PAR1")
    assert list(iter_records(io.BytesIO(data))) == []
    assert pq.read_table(io.BytesIO(data)).num_rows == 0


def test_what_cannot_be_json_or_a_record_is_refused_by_number() -> None:
    with pytest.raises(ValueError, match="record 2: metadata cannot be stored as JSON"):
        parquet_bytes([{}, {"metadata": {"when": {1, 2}}}])
    with pytest.raises(ValueError, match="record 1: expected a JSON object, got list"):
        records_to_table([[1, 2]])  # type: ignore[list-item]


# -- what other readers see ----------------------------------------------------------------


def test_columns_have_the_documented_types(records: list[Record]) -> None:
    schema = pq.read_schema(io.BytesIO(parquet_bytes(records)))
    expected = {
        "feature_id": pa.string(),
        "interaction_type": pa.list_(pa.string()),
        "position": pa.int64(),
        "metadata": pa.string(),
        "user_id": pa.string(),
        "session_id": pa.string(),
        "execution_id": pa.string(),
        "retriever_id": pa.string(),
        "query_snapshot": pa.string(),
        "document_score": pa.float64(),
        "result_set_size": pa.int64(),
        "interaction_id": pa.string(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "_keys": pa.list_(pa.string()),
        "_extra": pa.string(),
    }
    assert schema.names == [*RECORD_FIELDS, "_keys", "_extra"]
    assert {name: schema.field(name).type for name in schema.names} == expected
    assert schema.metadata[b"fixtures.layout"] == b"fixtures-records/1"


def test_plain_pyarrow_reads_the_values(records: list[Record]) -> None:
    table = pq.read_table(io.BytesIO(parquet_bytes(records)))
    rows = table.to_pylist()
    for row, record in zip(rows, records, strict=True):
        assert row["timestamp"] == datetime.fromisoformat(record["timestamp"])
        assert orjson.loads(row["metadata"]) == record["metadata"]
        assert orjson.loads(row["query_snapshot"]) == record["query_snapshot"]
        assert row["interaction_type"] == record["interaction_type"]
        assert row["document_score"] == record["document_score"]
        assert row["_keys"] is None and row["_extra"] is None, "a generated record needs neither"


def test_a_file_written_by_another_tool_reads_by_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "other.parquet"
    when = datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)
    pq.write_table(
        pa.table(
            {
                "feature_id": ["a", "b"],
                "metadata": ['{"b":1,"a":2}', None],
                "timestamp": pa.array([when, None], pa.timestamp("ms", tz="UTC")),
                "score": [1.5, None],
            }
        ),
        path,
    )
    back = list(read_records(path))
    same(
        back,
        [
            {"feature_id": "a", "metadata": {"b": 1, "a": 2}, "timestamp": "2026-01-02T03:04:05.006000Z", "score": 1.5},
            {"feature_id": "b", "metadata": None, "timestamp": None, "score": None},
        ],
    )


# -- telling formats apart, and broken files -------------------------------------------------


def test_the_content_decides_not_the_name(records: list[Record], tmp_path: Path) -> None:
    disguised = tmp_path / "actually-parquet.jsonl"
    disguised.write_bytes(parquet_bytes(records[:10]))
    same(list(read_records(disguised)), records[:10])
    same(list(iter_records(_Unseekable(parquet_bytes(records[:10])), "<stdin>")), records[:10])


class _Unseekable(io.RawIOBase):
    """Standard input from a pipe: read() only."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("data.parquet", b'{"a": 1}\n', "not a Parquet file (it does not start with PAR1)"),
        ("data.parquet", b"", "not a Parquet file"),
        ("data.pq", b"PAR", "not a Parquet file"),
        ("data.parquet", b"PAR1 and then nothing of the sort", "not a readable Parquet file"),
        ("data.jsonl", b"PAR1PAR1", "not a readable Parquet file"),
    ],
)
def test_a_file_that_is_not_parquet_is_a_records_file_error(
    name: str, content: bytes, words: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RecordsFileError) as caught:
        list(read_records(path))
    assert words in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_a_truncated_parquet_file_is_a_records_file_error(records: list[Record], tmp_path: Path) -> None:
    path = tmp_path / "cut.parquet"
    path.write_bytes(parquet_bytes(records)[:5000])
    with pytest.raises(RecordsFileError, match="not a readable Parquet file"):
        list(read_records(path))


@pytest.mark.parametrize(
    ("columns", "words"),
    [
        ({"metadata": ["{}", "{oops"]}, "row 2: metadata is not JSON text"),
        ({"_extra": [None, "[1]"]}, "row 2: _extra is not a JSON object"),
        ({"feature_id": ["a", "b"], "_keys": [None, ["feature_id", "gone"]]}, "row 2: _keys names 'gone'"),
    ],
)
def test_a_parquet_file_with_bad_values_names_the_row(columns: dict[str, Any], words: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table(columns), path)
    with pytest.raises(RecordsFileError, match=words):
        list(read_records(path))


@pytest.mark.parametrize("count", [0, 1, 2, 50])
def test_json_writers_agree_with_and_without_encoding_first(count: int, records: list[Record]) -> None:
    lines = [orjson.dumps(r) + b"\n" for r in records[:count]]
    for fmt in ("jsonl", "json"):
        direct, encoded, chunked = io.BytesIO(), io.BytesIO(), io.BytesIO()
        assert write_records(records[:count], direct, fmt) == count  # type: ignore[arg-type]
        assert write_encoded([line[:-1] for line in lines], encoded, fmt) == count  # type: ignore[arg-type]
        chunks = [b"".join(lines[:1]), b"", b"".join(lines[1:7]), b"".join(lines[7:])]
        assert write_jsonl_chunks(chunks, chunked, fmt) == count  # type: ignore[arg-type]
        assert direct.getvalue() == encoded.getvalue() == chunked.getvalue()
    with pytest.raises(ValueError, match="jsonl or json"):
        write_encoded([], io.BytesIO(), "parquet")
    with pytest.raises(ValueError, match="jsonl or json"):
        write_jsonl_chunks([], io.BytesIO(), "parquet")
    with pytest.raises(ValueError, match="ends with a newline"):
        write_jsonl_chunks([b'{"a":1}'], io.BytesIO())
