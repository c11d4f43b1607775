"""What a namespace remembers of recent reads, until its next write.

Reads repeat (a dashboard polling, a client test re-reading, a load test): a remembered answer
costs a lookup instead of an evaluation. Every write forgets everything, so nothing remembered
can be stale; the oldest entry goes first when a memo is full, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any


class Memo:
    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: dict[Hashable, Any] = {}

    def get(self, key: Hashable) -> Any:
        """What ``put`` kept under ``key`` since the last ``clear``, or None."""
        return self._kept.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        if len(self._kept) >= self._size:
            del self._kept[next(iter(self._kept))]
        self._kept[key] = value

    def clear(self) -> None:
        if self._kept:
            self._kept.clear()
