"""Dictionary-encoded columns: the values at one path for every record, one code per row.

Records hold few distinct values per path (devices, types, positions), so a condition is decided
once per distinct value and rows are then picked by code at C speed. Sets of rows are *masks*:
one byte per row (1: in) read as a Python int, so AND, OR and NOT are single bitwise operations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import compress
from typing import Any

from mockserver.query.compare import SortKey, sort_key
from mockserver.query.paths import MISSING

Mask = int

_SCALARS = (str, int, float, bool, type(None), type(MISSING))
# Up to this many distinct values, codes also live in a bytearray that bytes.translate maps at memory speed.
_BYTE_CODES = 256


def to_mask(rows: Iterable[int], size: int) -> Mask:
    marks = bytearray(size)
    for row in rows:
        marks[row] = 1
    return int.from_bytes(marks, "little")


def full_mask(size: int) -> Mask:
    return int.from_bytes(b"\x01" * size, "little")


def rows_of(mask: Mask, size: int) -> list[int]:
    return list(compress(range(size), mask.to_bytes(size, "little")))


def _dedup_key(value: Any) -> Any:
    """A hashable stand-in that never confuses 1, 1.0 and true; None when the value is not deduplicated."""
    kind = type(value)
    if kind in _SCALARS:
        return (kind, value)
    if kind is list and all(type(item) in _SCALARS for item in value):
        return (list, tuple((type(item), item) for item in value))
    return None


class Column:
    def __init__(self, values: Iterable[Any]) -> None:
        self.values: list[Any] = []
        self._code_of: dict[Any, int] = {}
        self._ranks: dict[bool, list[int]] = {}
        # True while every distinct value is an int (instants): comparisons can then run in C.
        self.only_ints = True
        self.codes: list[int] = [self._code(value) for value in values]
        self._code_bytes: bytearray | None = bytearray(self.codes) if len(self.values) <= _BYTE_CODES else None

    def _code(self, value: Any) -> int:
        key = _dedup_key(value)
        code = self._code_of.get(key) if key is not None else None
        if code is None:
            code = len(self.values)
            self.values.append(value)
            self.only_ints = self.only_ints and type(value) is int
            if key is not None:
                self._code_of[key] = code
            self._ranks.clear()
        return code

    def insert(self, index: int, value: Any) -> None:
        code = self._code(value)
        self.codes.insert(index, code)
        if self._code_bytes is not None:
            if code < _BYTE_CODES:
                self._code_bytes.insert(index, code)
            else:
                self._code_bytes = None

    def delete(self, index: int) -> None:
        del self.codes[index]
        if self._code_bytes is not None:
            del self._code_bytes[index]

    def select(self, mask: Mask, holds: Callable[[Any], bool]) -> Mask:
        """The rows of ``mask`` whose value passes ``holds``, deciding each distinct value (or row) once."""
        if self._code_bytes is not None:
            table = bytes(map(holds, self.values)).ljust(_BYTE_CODES, b"\x00")
            return mask & int.from_bytes(self._code_bytes.translate(table), "little")
        if mask.bit_count() < len(self.values):
            return self._by_row(mask, holds)
        return self._by_code(mask, bytes(map(holds, self.values)))

    def select_ints(self, mask: Mask, passes: Callable[[int], bool], holds: Callable[[Any], bool]) -> Mask:
        """As ``select``; while only ints are stored, ``passes`` (a C method such as ``bound.__le__``) decides."""
        if not self.only_ints:
            return self.select(mask, holds)
        if mask.bit_count() < len(self.values):
            return self._by_row(mask, passes)
        return self._by_code(mask, bytes(map(passes, self.values)))

    @property
    def cost(self) -> int:
        """How many values a condition on this column decides, at most: 0 when bytes.translate does it all."""
        return 0 if self._code_bytes is not None else len(self.values)

    def _by_row(self, mask: Mask, holds: Callable[[Any], bool]) -> Mask:
        size = len(self.codes)
        rows = rows_of(mask, size)
        values = map(self.values.__getitem__, map(self.codes.__getitem__, rows))
        return to_mask(compress(rows, map(holds, values)), size)

    def _by_code(self, mask: Mask, passing: bytes) -> Mask:
        return mask & int.from_bytes(bytes(map(passing.__getitem__, self.codes)), "little")

    def ranks(self, as_instant: bool) -> list[int]:
        """Per code, the position of its value in ascending sort order (equal values share one); -1 for missing/null."""
        ranks = self._ranks.get(as_instant)
        if ranks is None:
            keyed: list[tuple[SortKey, int]] = [
                (sort_key(value, as_instant), code)
                for code, value in enumerate(self.values)
                if value is not MISSING and value is not None
            ]
            keyed.sort(key=lambda pair: pair[0])
            ranks = [-1] * len(self.values)
            rank, previous = -1, None
            for key, code in keyed:
                if key != previous:
                    rank, previous = rank + 1, key
                ranks[code] = rank
            self._ranks[as_instant] = ranks
        return ranks
