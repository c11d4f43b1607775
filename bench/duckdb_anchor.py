"""The DuckDB anchor of ``bench_scale.py``: the same records and the same fresh queries, as SQL.

The JSONL file is loaded with ``read_json`` and auto-detected types (``metadata`` becomes a
STRUCT column) on 2 threads. Each fresh query becomes one SQL statement with the mock's
semantics as closely as SQL allows: ``position <= k``, ``metadata.device IN (..)``,
``document_score >= x OR list_contains(interaction_type, t)``, search as ILIKE over the
concatenation of metadata's string values (joined by a separator no term holds, so a match
never spans two values), ``ORDER BY position, interaction_id LIMIT 10`` and the total of
matches in the same statement. Every load and query is interrupted after ``timeout_s``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import duckdb

T = TypeVar("T")


class FreshQuery(Protocol):
    """What a fresh query is made of (``bench_scale.FreshQuery``)."""

    position_lte: int
    devices: tuple[str, str]
    score_gte: float
    interaction_type: str
    direction: str
    term: str


@dataclass(frozen=True)
class Answer:
    ms: float
    total: int
    ids: list[str]


def _bounded(con: duckdb.DuckDBPyConnection, timeout_s: float, work: Callable[[], T]) -> T:
    """``work()``, interrupted (raising duckdb's InterruptException) after ``timeout_s``."""
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.start()
    try:
        return work()
    finally:
        timer.cancel()


def load(path: Path, threads: int, timeout_s: float) -> tuple[duckdb.DuckDBPyConnection, float]:
    """An in-memory database holding the file as table ``r``, and the seconds loading took."""
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {int(threads)}")
    started = time.perf_counter()
    # sample_size=-1: every line is read to detect the types, so that rare metadata keys
    # (a purchase's amount, a refinement's query) are STRUCT fields too.
    statement = "CREATE TABLE r AS SELECT * FROM read_json(?, format = 'newline_delimited', sample_size = -1)"
    _bounded(con, timeout_s, lambda: con.execute(statement, [str(path)]))
    return con, time.perf_counter() - started


def _search_text(con: duckdb.DuckDBPyConnection) -> str:
    """SQL for the concatenation of the string values of ``metadata`` (NULLs skipped)."""
    relation = con.sql("SELECT metadata.* FROM r LIMIT 0")
    strings = [name for name, kind in zip(relation.columns, relation.types, strict=True) if str(kind) == "VARCHAR"]
    fields = ", ".join(f'metadata."{name}"' for name in strings)
    return f"concat_ws(chr(31), {fields})"


def _sql(query: FreshQuery, search_text: str) -> tuple[str, list[Any]]:
    direction = "DESC" if query.direction == "desc" else "ASC"
    statement = f"""
        SELECT CAST(interaction_id AS VARCHAR), count(*) OVER () AS total, *
        FROM r
        WHERE position <= ?
          AND metadata.device IN (?, ?)
          AND (document_score >= ? OR list_contains(interaction_type, ?))
          AND {search_text} ILIKE '%' || ? || '%'
        ORDER BY position {direction} NULLS LAST, interaction_id ASC
        LIMIT 10
    """
    parameters = [query.position_lte, *query.devices, query.score_gte, query.interaction_type, query.term]
    return statement, parameters


def run(con: duckdb.DuckDBPyConnection, queries: Sequence[FreshQuery], timeout_s: float) -> list[Answer | None]:
    """Each query's time, total and first page of ids (None: interrupted after ``timeout_s``)."""
    search_text = _search_text(con)
    answers: list[Answer | None] = []
    for query in queries:
        statement, parameters = _sql(query, search_text)
        started = time.perf_counter()
        try:
            rows = _bounded(con, timeout_s, lambda s=statement, p=parameters: con.execute(s, p).fetchall())
        except duckdb.InterruptException:
            answers.append(None)
            continue
        ms = (time.perf_counter() - started) * 1000
        answers.append(Answer(ms, rows[0][1] if rows else 0, [row[0] for row in rows]))
    return answers
