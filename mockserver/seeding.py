"""A namespace's generated records, taken apart for its table on every core.

Generating a record and taking it apart (its JSON bytes, the value at each of its paths) is
the work of seeding, and both happen in worker processes, a block of the data set each
(fixtures.generator, "Blocks"): the mock's own process only codes each path's distinct
values into its columns and copies arrays (mockserver/table.py, ``Table.extend``). The
records are those of ``fixtures.generate_interactions``, whatever the number of workers.
A small namespace is generated here, session by session, stopping at the count: starting
workers costs more than it saves below ``WORKERS_FROM`` records.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from fixtures import Blocks, collector_paused, generate_blocks, generate_interactions
from mockserver.store import rows_of
from mockserver.table import Rows

WORKERS_FROM = 50_000


def _block_rows(blocks: Blocks, block: int) -> tuple[int, list[Rows]]:
    """In a worker: block ``block`` of the data set, taken apart."""
    with collector_paused():
        parts = list(rows_of(record for session in blocks.sessions(block) for record in session))
    return sum(map(len, parts)), parts


def seeded_rows(count: int, seed: int, namespace: str, workers: int | None = None) -> Iterator[Rows]:
    """The first ``count`` generated records of ``namespace``, taken apart; ``workers`` processes
    (by default one a core, from ``WORKERS_FROM`` records)."""
    if workers is None:
        workers = (os.cpu_count() or 1) if count >= WORKERS_FROM else 1
    if workers == 1:
        yield from rows_of(generate_interactions(count, seed, namespace))
        return
    remaining = count
    for _, parts in generate_blocks(_block_rows, count, seed, namespace, workers=workers):
        for rows in parts:
            if len(rows) >= remaining:
                yield rows.head(remaining)
                return
            remaining -= len(rows)
            yield rows
