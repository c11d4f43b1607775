"""ISO 8601 text read as an instant, for the range operators and the sort on ``timestamp``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from fixtures.stamps import Timestamps

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_SECOND = timedelta(seconds=1)
# 400 Gregorian years are exactly 146097 days, so year 0 reads as year 400 shifted back by them.
_FOUR_CENTURIES = timedelta(days=146097)
# RFC 3339 (the `date-time` format the schemas hold range operands to) allows what Python's reader
# refuses: a lowercase t or z, a leap second (:60) and year 0000. Each is read as an instant here.
_LEAP_SECOND = re.compile(r"(?<=T\d\d:\d\d:)60")
# The text this server and the generator write (2026-01-15T10:30:00.123456Z), in ASCII digits.
_CANONICAL = re.compile(r"(?!0000)\d{4}-\d\d-\d\dT\d\d:\d\d:[0-5]\d\.\d{6}Z", re.ASCII)


# Not cached: each record's instant is read once into a column (or its sort.age) and kept there;
# a cache would hold every timestamp string of every namespace a second time (~200 B a record).
def read_instant(text: str) -> int | None:
    """Microseconds since the epoch, or None when ``text`` is not an ISO 8601 date or date-time.

    A date alone is midnight, a time without an offset is UTC, and a leap second (``23:59:60``)
    is the first instant of the next minute (docs/list-semantics.md).
    """
    return read_stamp(text)[0]


def read_stamp(text: str) -> tuple[int | None, bool]:
    """What ``read_instant`` reads, and whether ``text`` is ``stamp_text`` of it: such a timestamp need
    not be kept, its instant says it (mockserver/table.py)."""
    if _CANONICAL.fullmatch(text):
        # No leap second, no year 0000, already upper case, so Python's reader takes it as it is; and
        # each field is written back with the digits it was read from.
        try:
            return (datetime.fromisoformat(text) - _EPOCH) // _MICROSECOND, True
        except ValueError:  # a day or month that does not exist
            return None, False
    text = text.upper()
    leap = _LEAP_SECOND.search(text) is not None
    shifted = text.startswith("0000")
    if leap:
        text = _LEAP_SECOND.sub("59", text, count=1)
    if shifted:
        text = "0400" + text[4:]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None, False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    offset = moment - _EPOCH
    if leap:
        offset += _SECOND
    if shifted:
        offset -= _FOUR_CENTURIES
    return offset // _MICROSECOND, False


def stamp_text(micros: int) -> str | None:
    """The text this server writes for an instant (``2026-01-15T10:30:00.123456Z``, what the generator and
    new records carry: fixtures.stamps); None for one whose year is past what that text can say."""
    try:
        # A Timestamps of its own: the shared ones keep every hour they wrote, and any instant may come here.
        return Timestamps().text(micros)
    except OverflowError:
        return None


# Where the text this server writes (``stamp_text``) has each of its fixed characters.
_STAMP_WIDTH = 27
_SEPARATORS = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":", 19: ".", 26: "Z"}
_DIGITS = [position for position in range(_STAMP_WIDTH) if position not in _SEPARATORS]
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _number(rows: npt.NDArray[np.uint8], first: int, width: int) -> npt.NDArray[np.int64]:
    value: npt.NDArray[np.int64] = rows[first].astype(np.int64) - ord("0")
    for position in range(first + 1, first + width):
        value = value * 10 + (rows[position] - ord("0"))
    return value


def instants_in_bulk(values: Sequence[Any], none: int) -> npt.NDArray[np.int64]:
    """Per value, its instant in microseconds (``none`` where it is no instant): texts this server writes
    are read in numpy, a million in a fifth of a second (one by one they took a second); any other
    string by ``read_instant``."""
    texts = [value if type(value) is str and len(value) == _STAMP_WIDTH and value.isascii() else "" for value in values]
    # One row per character position, each contiguous: a position of every text is read in one step.
    rows = np.frombuffer(np.array(texts, dtype=f"S{_STAMP_WIDTH}").tobytes(), dtype=np.uint8)
    rows = rows.reshape(len(texts), _STAMP_WIDTH).T.copy()
    written = np.ones(len(texts), dtype=np.bool_)
    for position, char in _SEPARATORS.items():
        written &= rows[position] == ord(char)
    for position in _DIGITS:
        written &= (rows[position] >= ord("0")) & (rows[position] <= ord("9"))
    year, month, day = _number(rows, 0, 4), _number(rows, 5, 2), _number(rows, 8, 2)
    hour, minute, second = _number(rows, 11, 2), _number(rows, 14, 2), _number(rows, 17, 2)
    length = _MONTH_DAYS[np.clip(month, 1, 12) - 1] + ((month == 2) & _leap(year))
    written &= (year > 0) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= length)
    written &= (hour < 24) & (minute < 60) & (second < 60)  # a leap second (:60) goes one by one
    # Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    shifted = year - (month <= 2)
    era = shifted // 400
    of_era = shifted - era * 400
    of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days = era * 146097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719468
    micros = (((days * 24 + hour) * 60 + minute) * 60 + second) * 1_000_000 + _number(rows, 20, 6)
    out = np.where(written, micros, none)
    for index in np.flatnonzero(~written).tolist():
        value = values[index]
        instant = read_instant(value) if type(value) is str else None
        out[index] = none if instant is None else instant
    return out


def _leap(year: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    leap: npt.NDArray[np.bool_] = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return leap
