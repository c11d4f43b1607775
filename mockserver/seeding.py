"""A namespace's generated records, taken apart for its table on every core.

Generating a record and taking it apart (its JSON bytes, the value at each of its paths) is
the work of seeding, and both happen in worker processes, a block of the data set each
(fixtures.generator, "Blocks"): the mock's own process only codes each path's distinct
values into its columns and copies arrays (mockserver/table.py, ``Table.extend``). The
records are those of ``fixtures.generate_interactions``, whatever the number of workers.
A small namespace is generated here, session by session, stopping at the count: starting
workers costs more than it saves below ``WORKERS_FROM`` records.

Under API version 2026-11 the records are that version's (``occurred_at``, which the default
order sorts by, and ``feature_uri``). They are the data set as stored, not a stream of creates:
the repeats it holds (fixtures.v2026) are stored too, as a ``--data`` file's records would be.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from fixtures import Blocks, collector_paused, generate_blocks, generate_interactions
from mockserver.store import rows_of
from mockserver.table import Rows
from specs import SEED_VERSION

WORKERS_FROM = 50_000


def _block_rows(blocks: Blocks, block: int) -> tuple[int, list[Rows]]:
    """In a worker: block ``block`` of the data set, taken apart."""
    with collector_paused():
        parts = list(rows_of(record for session in blocks.sessions(block) for record in session))
    return sum(map(len, parts)), parts


def seeded_rows(
    count: int, seed: int, namespace: str, workers: int | None = None, api_version: str = SEED_VERSION
) -> Iterator[Rows]:
    """The first ``count`` generated records of ``namespace`` in the shape of ``api_version``, taken apart;
    ``workers`` processes (by default one a core, from ``WORKERS_FROM`` records)."""
    if workers is None:
        workers = (os.cpu_count() or 1) if count >= WORKERS_FROM else 1
    if workers == 1:
        yield from rows_of(generate_interactions(count, seed, namespace, api_version=api_version))
        return
    remaining = count
    for _, parts in generate_blocks(_block_rows, count, seed, namespace, workers=workers, api_version=api_version):
        for rows in parts:
            if len(rows) >= remaining:
                yield rows.head(remaining)
                return
            remaining -= len(rows)
            yield rows
