"""ISO 8601 text read as an instant, for the range operators and the sort on ``timestamp``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


# Not cached: each record's instant is read once into a column (or its sort.age) and kept there;
# a cache would hold every timestamp string of every namespace a second time.
def read_instant(text: str) -> int | None:
    """Microseconds since the epoch, or None when ``text`` is not an ISO 8601 date or date-time.

    A date alone is midnight, and a time without an offset is UTC (docs/list-semantics.md).
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND
