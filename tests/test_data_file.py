"""--data FILE: the mock serves a file's records (e.g. `fixtures generate` output), read in pieces
in worker processes when big (here: pieces of a few kilobytes) exactly as one process reads it whole."""

from __future__ import annotations

import codecs
import subprocess
import tempfile
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fixtures.workers
from fixtures import generate_interactions, read_records, write_records
from fixtures.io import read_piece, split_records_file
from fixtures.parquet import RecordsWriter
from fixtures.records import search_interaction
from mockserver import data_file
from mockserver.data_file import DataFileError, read_data_file
from mockserver.store import NamespaceStore
from mockserver.table import Rows
from mockserver.validation import BodyRules
from tests.conftest import AUTH, ClientFactory, RunningCli

API = "/v1/retrievers/interactions"
Record = dict[str, Any]
_A = TypeVar("_A")
_T = TypeVar("_T")


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def _served(parts: list[Rows]) -> tuple[list[bytes], dict[tuple[str, ...], list[object]], list[int], list[int]]:
    """What a namespace seeded with these parts serves: its records' bytes, every column, instants and id keys."""
    store = NamespaceStore("ns")
    store.fill(parts)
    table = store.table
    columns = {path: [column.values[code] for code in column.at(table.size)] for path, column in table.columns.items()}
    return list(store), columns, table.instants[: table.size].tolist(), table.id_keys[: table.size].tolist()


async def test_every_namespace_serves_the_file(make_client: ClientFactory, tmp_path: Path) -> None:
    records = list(generate_interactions(40, 3, "x"))
    client = await make_client(data_file=_write(tmp_path / "d.jsonl", records))
    for namespace in ("a", "b"):
        page = await (await client.post(f"{API}/list?limit=1000", headers={**AUTH, "X-Namespace": namespace})).json()
        assert sorted(r["interaction_id"] for r in page["results"]) == sorted(r["interaction_id"] for r in records)
    kept = await (await client.get(f"{API}/{records[0]['interaction_id']}", headers=AUTH)).json()
    assert kept == records[0]


async def test_reset_puts_the_file_back(make_client: ClientFactory, tmp_path: Path) -> None:
    records = list(generate_interactions(3, 3, "x"))
    client = await make_client(data_file=_write(tmp_path / "d.jsonl", records))
    await client.delete(f"{API}/{records[0]['interaction_id']}", headers=AUTH)
    await client.post("/_mock/namespaces/test-ns/reset")
    assert (await client.get(f"{API}/{records[0]['interaction_id']}", headers=AUTH)).status == 200


def test_records_without_ids_get_them(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [{"feature_id": "f", "interaction_type": ["view"], "position": 0}])
    [rows] = read_data_file(path, BodyRules())
    [record] = [orjson.loads(raw) for raw in rows.raws]
    assert record["interaction_id"] and record["timestamp"] and record["user_id"] is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'{"feature_id": "f", "interaction_type": ["view"], "position": 0}\n{"feature_id": 1}\n',
            "record 2.feature_id",
        ),
        (b"[1, 2]", "expected a JSON object"),
        (b"{nope\n", "d.jsonl:1"),
    ],
)
def test_bad_files_are_refused_naming_the_record(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(content)
    with pytest.raises(DataFileError, match=message):
        read_data_file(path, BodyRules())


def test_cli_serves_the_file_and_refuses_a_missing_one(tmp_path: Path, cli: Callable[..., RunningCli]) -> None:
    path = _write(tmp_path / "d.jsonl", list(generate_interactions(5, 1, "")))
    running = cli("--data", str(path))
    assert f"a new one starts with the 5 records of {path} (--count and --seed not used)" in "\n".join(running.banner)
    page = requests.post(f"{running.url}{API}/list", headers=AUTH, timeout=10).json()
    assert page["pagination"]["total"] == 5
    missing = subprocess.run(
        ["mockserver", "--port", "0", "--data", str(tmp_path / "absent.jsonl")],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert missing.returncode == 2 and "cannot open" in missing.stderr and "Traceback" not in missing.stderr


# -- big files: pieces in worker processes --------------------------------------------------


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return list(generate_interactions(3000, 3, "pieces"))


@pytest.fixture
def worker_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Pieces of 8 KB from 16 KB on (a few thousand records make dozens), and the worker pools started, by size."""
    runs: list[int] = []
    each_in_order = fixtures.workers.each_in_order

    def counting(work: Callable[[_A], _T], tasks: Iterable[_A], workers: int) -> Generator[_T, None, None]:
        runs.append(workers)
        return each_in_order(work, tasks, workers)

    monkeypatch.setattr(data_file, "PIECE_BYTES", 8 << 10)
    monkeypatch.setattr(data_file, "WORKERS_FROM_BYTES", 16 << 10)
    monkeypatch.setattr(data_file, "each_in_order", counting)
    return runs


def _jsonl_with_blanks(records: list[Record]) -> bytes:
    """JSON Lines with a byte order mark, CRLF line ends and blank lines here and there: lines are not records."""
    ends = [b"\r\n  \n" if number % 7 == 0 else b"\r\n" for number in range(len(records))]
    lines = [orjson.dumps(record) + end for record, end in zip(records, ends, strict=True)]
    return codecs.BOM_UTF8 + b"".join(lines)


def _write_file(path: Path, fmt: str, records: list[Record]) -> Path:
    with path.open("wb") as stream:
        if fmt == "parquet":
            with RecordsWriter(stream, row_group_rows=500) as writer:
                writer.write_records(records)
        elif fmt == "jsonl":
            stream.write(_jsonl_with_blanks(records))
        else:
            write_records(records, stream, "json")
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "json", "parquet"])
def test_workers_serve_what_one_process_serves(
    fmt: str, records: list[Record], tmp_path: Path, worker_runs: list[int]
) -> None:
    path = _write_file(tmp_path / f"d.{fmt}", fmt, records)
    in_workers = read_data_file(path, BodyRules(), workers=2)
    assert worker_runs == [2]
    here = read_data_file(path, BodyRules(), workers=1)
    assert worker_runs == [2]
    assert sum(map(len, in_workers)) == len(records)
    assert _served(in_workers) == _served(here)
    assert [orjson.loads(raw) for raw in _served(in_workers)[0]] == records


@pytest.mark.parametrize("count", [5, 15])  # one piece of 8 KB; two, in less than 16 KB
def test_a_small_file_is_read_without_workers(
    count: int, records: list[Record], tmp_path: Path, worker_runs: list[int]
) -> None:
    path = _write(tmp_path / "d.jsonl", records[:count])
    assert len(split_records_file(path, data_file.PIECE_BYTES) or []) == 1 + (count > 5)
    assert sum(map(len, read_data_file(path, BodyRules(), workers=2))) == count
    assert worker_runs == []


def test_records_without_ids_get_distinct_ones_in_every_worker(
    records: list[Record], tmp_path: Path, worker_runs: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers forked from this process inherit its id generator's state, and still give distinct ids."""
    monkeypatch.setattr(fixtures.workers, "START_METHOD", "fork")
    path = _write(tmp_path / "d.jsonl", [search_interaction(record) for record in records])
    parts = read_data_file(path, BodyRules(), workers=2)
    assert worker_runs == [2]
    stored = [orjson.loads(raw) for raw in _served(parts)[0]]
    assert len({record["interaction_id"] for record in stored}) == len(records)
    assert [search_interaction(record) for record in stored] == [search_interaction(record) for record in records]


def _lines(records: list[Record]) -> list[bytes]:
    return [orjson.dumps(record) for record in records]


def _bad_jsonl(records: list[Record], bad: dict[int, bytes]) -> bytes:
    lines = _lines(records)
    for index, line in bad.items():
        lines[index] = line
    return b"\n".join(lines) + b"\n"


REFUSED = b'{"feature_id": 1, "interaction_type": ["view"], "position": 0}'
NOT_JSON = b'{"feature_id": "f", "position": '


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ({2500: REFUSED, 2900: NOT_JSON}, "d.jsonl: record 2501.feature_id: must be of type string"),
        ({2900: REFUSED, 2500: NOT_JSON}, "d.jsonl:2501: invalid JSON"),
        ({1200: b"[1, 2]", 2999: REFUSED}, "d.jsonl:1201: expected a JSON object (one interaction), got an array"),
        ({10: REFUSED, 11: REFUSED, 2400: REFUSED}, "record 11.feature_id"),
    ],
)
def test_workers_name_the_first_bad_record_as_one_process_does(
    records: list[Record], tmp_path: Path, worker_runs: list[int], bad: dict[int, bytes], words: str
) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(_bad_jsonl(records, bad))
    _same_refusal(path, words)
    assert worker_runs == [2]


def _same_refusal(path: Path, words: str) -> None:
    with pytest.raises(DataFileError) as in_workers:
        read_data_file(path, BodyRules(), workers=2)
    with pytest.raises(DataFileError) as here:
        read_data_file(path, BodyRules(), workers=1)
    assert str(in_workers.value) == str(here.value)
    assert words in str(in_workers.value)


def test_a_torn_last_line_is_named_after_blank_lines(
    records: list[Record], tmp_path: Path, worker_runs: list[int]
) -> None:
    content = _jsonl_with_blanks(records)
    path = tmp_path / "d.jsonl"
    path.write_bytes(content[: len(content) - 40])  # the last record cut short, no newline
    last_line = content.count(b"\n")
    _same_refusal(path, f"d.jsonl:{last_line}: invalid JSON")
    assert worker_runs == [2]


def test_a_bad_record_in_a_json_array_is_named_by_reading_it_whole(
    records: list[Record], tmp_path: Path, worker_runs: list[int]
) -> None:
    lines = _lines(records)
    lines[2700] = b'{"feature_id": "f", "interaction_type": ["view"], "position": -1}'
    lines[2800] = b'{"a": tru}'
    path = tmp_path / "d.json"
    path.write_bytes(b"[\n" + b",\n".join(lines) + b"\n]\n")
    _same_refusal(path, "record 2701.position: must be at least 0, got -1")
    assert worker_runs == [2]


def test_a_bad_record_in_a_parquet_file_is_named(records: list[Record], tmp_path: Path, worker_runs: list[int]) -> None:
    bad = [*records[:2600], {**records[2600], "feature_id": 7}, *records[2601:]]
    _same_refusal(_write_file(tmp_path / "d.parquet", "parquet", bad), "record 2601.feature_id")
    assert worker_runs == [2]


def test_a_parquet_file_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    path.write_bytes(b"PAR1 and then nothing of the sort")
    with pytest.raises(DataFileError, match="not a readable Parquet file"):
        read_data_file(path, BodyRules(), workers=2)


# -- for any file: pieces read alone give what the whole file gives ---------------------------

BASE = list(generate_interactions(25, 4, "any"))
LINE_KINDS = {
    "blank": b" \t",
    "not json": NOT_JSON,
    "not an object": b'"text"',
    "refused": REFUSED,
    "refused too": b'{"feature_id": "f", "interaction_type": ["nope"], "position": 0}',
    # Without its last character, a good record; in an array, a line with no comma after it.
    "stray brace": _lines(BASE[:1])[0] + b"}\n" + _lines(BASE[1:2])[0],
}
lines_strategy = st.lists(
    st.sampled_from(["record"] * 6 + sorted(LINE_KINDS)), min_size=1, max_size=len(BASE) + 10
).map(lambda kinds: _file_lines(kinds))


def _file_lines(kinds: list[str]) -> list[bytes]:
    lines, records = [], iter(_lines(BASE))
    for kind in kinds:
        lines.append(next(records, REFUSED) if kind == "record" else LINE_KINDS[kind])
    return lines


def _layout(lines: list[bytes], fmt: str, line_end: bytes, bom: bool, torn: bool) -> bytes:
    if fmt == "json":
        body = b"[" + line_end + (b"," + line_end).join(lines) + line_end + b"]" + line_end
    else:
        body = line_end.join(lines) + (b"" if torn else line_end)
    return (codecs.BOM_UTF8 if bom else b"") + body


def _outcome(read: Callable[[], list[Rows]]) -> object:
    try:
        return _served(read())
    except DataFileError as exc:
        return str(exc)


def _here(work: Callable[[_A], _T], tasks: Iterable[_A], workers: int) -> Generator[_T, None, None]:
    """Workers' tasks done in this process, in order: the pieces and their numbering without processes."""
    yield from map(work, tasks)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=lines_strategy,
    fmt=st.sampled_from(["jsonl", "json"]),
    line_end=st.sampled_from([b"\n", b"\r\n"]),
    bom=st.booleans(),
    torn=st.booleans(),
    piece_bytes=st.integers(1, 30_000),
)
def test_any_file_read_in_pieces_gives_what_it_gives_whole(
    lines: list[bytes], fmt: str, line_end: bytes, bom: bool, torn: bool, piece_bytes: int
) -> None:
    """The same records and columns, or the same error about the same record, whatever the pieces."""
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        path = Path(folder) / f"d.{fmt}"
        path.write_bytes(_layout(lines, fmt, line_end, bom, torn))
        whole = _outcome(lambda: read_data_file(path, BodyRules(), workers=1))
        patch.setattr(data_file, "PIECE_BYTES", piece_bytes)
        patch.setattr(data_file, "WORKERS_FROM_BYTES", 0)
        patch.setattr(data_file, "each_in_order", _here)
        assert _outcome(lambda: read_data_file(path, BodyRules(), workers=2)) == whole


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(0, len(BASE)),
    fmt=st.sampled_from(["jsonl", "json"]),
    blank_every=st.integers(1, 30),
    line_end=st.sampled_from([b"\n", b"\r\n"]),
    bom=st.booleans(),
    piece_bytes=st.integers(1, 30_000),
)
def test_the_pieces_of_any_file_hold_its_records_in_order(
    count: int, fmt: str, blank_every: int, line_end: bytes, bom: bool, piece_bytes: int
) -> None:
    lines = _lines(BASE[:count])
    if fmt == "jsonl":
        lines = [part for index, line in enumerate(lines) for part in (line, b"")[: 1 + (index % blank_every == 0)]]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"d.{fmt}"
        path.write_bytes(_layout(lines, fmt, line_end, bom, torn=False))
        pieces = split_records_file(path, piece_bytes)
        assert pieces is not None
        assert [record for piece in pieces for record in read_piece(piece)] == list(read_records(path)) == BASE[:count]
