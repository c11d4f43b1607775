"""ISO 8601 text read as an instant, for the range operators and the sort on ``timestamp``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

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
