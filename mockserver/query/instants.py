"""ISO 8601 text read as an instant, for the range operators and the sort on ``timestamp``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


# Every range filter and sort on timestamp reads the same record strings again; a cache big enough
# for a large namespace turns a parse into a dictionary lookup.
@lru_cache(maxsize=1 << 18)
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
