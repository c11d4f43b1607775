"""read_records / write_records: both formats round-trip, stream, and name the line of a problem."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

import fixtures.io
from fixtures import RecordsFileError, generate_interactions, iter_records, read_records, write_records


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return list(generate_interactions(300, 2, "io"))


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_write_then_read_gives_the_same_records(fmt: Any, records: list[dict[str, Any]], tmp_path: Path) -> None:
    path = tmp_path / f"data.{fmt}"
    with path.open("wb") as stream:
        assert write_records(iter(records), stream, fmt) == len(records)
    assert list(read_records(path)) == records


def test_json_format_is_one_array_with_one_record_per_line(records: list[dict[str, Any]]) -> None:
    out = io.BytesIO()
    write_records(records[:3], out, "json")
    lines = out.getvalue().decode().splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 5
    assert lines[1].endswith(",") and not lines[3].endswith(",")


@pytest.mark.parametrize(("fmt", "expected"), [("jsonl", b""), ("json", b"[]\n")])
def test_nothing_to_write_is_still_a_readable_file(fmt: Any, expected: bytes) -> None:
    out = io.BytesIO()
    assert write_records([], out, fmt) == 0
    assert out.getvalue() == expected
    assert list(iter_records(io.BytesIO(expected))) == []


def test_reading_streams_across_tiny_chunks(records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fixtures.io, "_CHUNK", 7)  # every record spans many reads
    for fmt in ("jsonl", "json"):
        out = io.BytesIO()
        write_records(records[:40], out, fmt)
        assert list(iter_records(io.BytesIO(out.getvalue()))) == records[:40]


def test_compact_arrays_a_bom_and_blank_lines_are_fine() -> None:
    assert list(iter_records(io.BytesIO(b'  [{"a":1} ,{"b":"\xc3\xa9"}]\n'))) == [{"a": 1}, {"b": "é"}]
    assert list(iter_records(io.BytesIO(b'\xef\xbb\xbf{"a":1}\n\n  \n{"a":2}'))) == [{"a": 1}, {"a": 2}]


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (b'{"a":1}\n{"b":\n', 2, "invalid JSON"),
        (b'{"a":1}\n\n[1, 2]\n', 3, "expected a JSON object"),
        (b'{"a":1}\n"text"\n', 2, "got a string"),
        (b'[\n{"a":1},\n{"a": tru}\n]', 3, "invalid JSON"),
        (b'[\n{"a":1}\n{"b":2}\n]', 3, "expected ',' or ']'"),
        (b'[\n{"a":1},\n7\n]', 3, "got a number"),
        (b'[\n{"a":1},\n{"b":2}\n', 4, "the end of the file"),
        (b'[{"a":1}]\nmore', 2, "after the closing"),
        (b'[{"a":"\xff"}]', 1, "UTF-8"),
    ],
)
def test_a_bad_file_names_its_line(content: bytes, line: int, words: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.data"
    path.write_bytes(content)
    with pytest.raises(RecordsFileError) as caught:
        list(read_records(path))
    assert caught.value.line == line, str(caught.value)
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_a_missing_file_is_a_records_file_error(tmp_path: Path) -> None:
    with pytest.raises(RecordsFileError, match="cannot open"):
        read_records(tmp_path / "nope.jsonl")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="jsonl, json"):
        write_records([], io.BytesIO(), "xml")  # type: ignore[arg-type]
