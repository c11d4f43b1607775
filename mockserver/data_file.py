"""``--data FILE``: serve the records of a file (e.g. ``fixtures generate`` output) instead of generated ones.

The file is read and checked once at start; every namespace is seeded with the same
records, and a reset puts them back. Records without an ``interaction_id`` get one (and a
timestamp) when the file is read.

Reading a record, checking it and taking it apart for a table (mockserver/table.py,
``Rows``) is the whole work of start-up, so a big file is read in pieces
(``fixtures.io.split_records_file``: JSON text cut every ``PIECE_BYTES`` at a line end,
Parquet a row group a piece) by worker processes on every core, a piece a task, handed back
in file order; a smaller file is read here, where starting workers would cost more than
they save. A worker only says that its piece is refused, without words: the first
refused piece is read again here, numbered as in the whole file, which raises the very error
reading the whole file here raises (about the first bad record, whatever the workers).
Pieces of a JSON array or of a Parquet file cannot name lines or rows of the whole file:
for those the whole file is read here again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from fixtures import RecordsFileError, collector_paused, read_records
from fixtures.io import Piece, read_piece, split_records_file, with_lines_before
from fixtures.workers import each_in_order, usable
from mockserver import records
from mockserver.errors import StartupError, ValidationFailed
from mockserver.store import Record, rows_of
from mockserver.table import Rows
from mockserver.validation import BodyRules

# About 20,000 records of JSON text, half a second of work: a few dozen pieces keep every worker
# busy to the end.
PIECE_BYTES = 16 << 20
# Starting workers costs about a second (each imports the mock), what reading some 80,000
# records here takes: JSON text below this is read here. Two Parquet row groups (65,536 rows
# each, as fixtures writes them) are already worth it.
WORKERS_FROM_BYTES = 64 << 20


class DataFileError(StartupError):
    """The --data file cannot be served."""


def read_data_file(path: Path, rules: BodyRules, workers: int | None = None) -> list[Rows]:
    """The file's records, checked by ``rules`` and taken apart, in file order; a file of more than
    one piece in ``workers`` processes (by default one a core)."""
    workers = workers or os.cpu_count() or 1
    try:
        pieces = split_records_file(path, PIECE_BYTES)
        parts = None
        if pieces is not None and _worth_workers(pieces) and workers > 1 and usable():
            parts = _in_workers(pieces, rules, workers)
        return parts if parts is not None else _taken_apart(read_records(path), rules)
    except RecordsFileError as exc:
        raise DataFileError(f"--data {exc}") from None
    except ValidationFailed as exc:
        raise DataFileError(f"--data {path}: {exc.message}") from None


def _worth_workers(pieces: list[Piece]) -> bool:
    if len(pieces) < 2:
        return False
    return pieces[0].format == "parquet" or pieces[-1].end - pieces[0].start >= WORKERS_FROM_BYTES


def _checked(items: Iterable[Record], rules: BodyRules, first: int) -> Iterator[Record]:
    """The records as stored, each checked as the body it would have been (``first`` is the
    number of the first one in the file, for messages)."""
    for number, item in enumerate(items, start=first):
        model = "InteractionResponse" if "interaction_id" in item else "SearchInteraction"
        rules.check(model, item, (f"record {number}",))
        yield item if "interaction_id" in item else records.new_record(item, of=rules.edition)


def _taken_apart(items: Iterable[Record], rules: BodyRules, first: int = 1) -> list[Rows]:
    with collector_paused():
        return list(rows_of(_checked(items, rules, first)))


def _in_workers(pieces: list[Piece], rules: BodyRules, workers: int) -> list[Rows] | None:
    """The pieces' records in ``workers`` processes, in order; None when a piece of a JSON array or
    of a Parquet file is refused (reading the whole file names the problem)."""
    parts: list[Rows] = []
    tasks = [(piece, rules) for piece in pieces]
    with contextlib.closing(each_in_order(_take_apart, tasks, workers)) as taken:
        for piece, piece_parts in zip(pieces, taken, strict=True):
            if piece_parts is None:
                if piece.format != "jsonl":
                    return None
                before = sum(map(len, parts))
                piece_parts = _taken_apart(read_piece(with_lines_before(piece)), rules, first=before + 1)
            parts += piece_parts
    return parts


def _take_apart(task: tuple[Piece, BodyRules]) -> list[Rows] | None:
    """In a worker: the piece's records, checked and taken apart; None if one is refused."""
    piece, rules = task
    try:
        return _taken_apart(read_piece(piece), rules)
    except (RecordsFileError, ValidationFailed):
        return None
