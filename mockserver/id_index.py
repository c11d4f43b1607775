"""Which row of a table holds an id, in 12 bytes a row where a dict of ids took about 60.

The rows are found by the ids' hashes, kept sorted in an array beside the rows they belong
to. Ids stored a block at a time are merged into the arrays at once; ids added one by one
wait in a small dict until the next sort. A lookup tries the dict, then the rows whose id
has the same hash (nearly always one), and compares the id itself: a hash only says where
to look. A deleted row stays in the arrays until the next sort (the table compacts and sorts
once half its rows are deleted), its id gone from the table (``ids[row]`` is None), so it
is never found.

Hashes are Python's own, which differ between processes: they are made here, never sent.
"""

from __future__ import annotations

from itertools import repeat
from operator import is_not

import numpy as np
import numpy.typing as npt

# Ids added one by one wait in the dict until there are this many, or an eighth of the rows:
# so the sorts cost each append a constant share, and the dict stays small.
_RECENT_FROM = 4096


class IdIndex:
    def __init__(self) -> None:
        self._hashes: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self._rows: npt.NDArray[np.uint32] = np.empty(0, dtype=np.uint32)
        self._recent: dict[str, int] = {}
        self.count = 0  # ids held

    def get(self, interaction_id: str, ids: list[str | None]) -> int | None:
        """The row holding ``interaction_id`` (``ids`` is the table's id of every row), or None."""
        row = self._recent.get(interaction_id)
        if row is not None:
            return row
        hashes = self._hashes
        wanted = hash(interaction_id)
        at = int(np.searchsorted(hashes, wanted))
        while at < len(hashes) and hashes[at] == wanted:
            row = int(self._rows[at])
            if ids[row] == interaction_id:
                return row
            at += 1
        return None

    def holds_any(self, wanted: list[str], ids: list[str | None]) -> bool:
        """Whether any of ``wanted`` is held: in C for the dict, by one binary search each in the arrays."""
        if not self._recent.keys().isdisjoint(wanted):
            return True
        if not len(self._hashes):
            return False
        hashes = np.fromiter(map(hash, wanted), dtype=np.int64, count=len(wanted))
        at = np.minimum(np.searchsorted(self._hashes, hashes), len(self._hashes) - 1)
        maybe = np.flatnonzero(self._hashes[at] == hashes).tolist()
        return any(self.get(wanted[index], ids) is not None for index in maybe)

    def add(self, interaction_id: str, row: int, ids: list[str | None]) -> None:
        self._recent[interaction_id] = row
        self.count += 1
        if len(self._recent) > max(_RECENT_FROM, self.count // 8):
            self.sort(ids)

    def add_many(self, added: list[str], first_row: int) -> None:
        """Hold the ids of consecutive rows, merged straight into the sorted arrays: a table filled a block
        at a time never holds a dict of them (whose row numbers, freed, would leave memory in holes)."""
        hashes = np.fromiter(map(hash, added), dtype=np.int64, count=len(added))
        order = np.argsort(hashes, kind="stable")
        at = np.searchsorted(self._hashes, hashes[order])
        self._hashes = np.insert(self._hashes, at, hashes[order])
        self._rows = np.insert(self._rows, at, (first_row + order).astype(np.uint32))
        self.count += len(added)

    def discard(self, interaction_id: str) -> None:
        """Forget an id whose row is being deleted (the caller sets its ``ids`` entry to None)."""
        self._recent.pop(interaction_id, None)
        self.count -= 1

    def sort(self, ids: list[str | None]) -> None:
        """Put every held id in the sorted arrays (``ids``: the table's, None for deleted rows)."""
        rows = np.flatnonzero(np.fromiter(map(is_not, ids, repeat(None)), dtype=np.bool_, count=len(ids)))
        held = list(map(ids.__getitem__, rows.tolist()))
        hashes = np.fromiter(map(hash, held), dtype=np.int64, count=len(held))
        order = np.argsort(hashes, kind="stable")
        self._hashes = hashes[order]
        self._rows = rows[order].astype(np.uint32)  # a table of 4 billion rows would not fit in memory
        self._recent.clear()
