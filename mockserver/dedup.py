"""From API version 2026-11, a create that repeats a recent one is dropped.

Upstream drops an interaction whose ``(execution_id, feature_id, interaction_type)`` was recorded
within the last 5 minutes (the official client's docs), answering ``deduplicated: true`` and no id.
Where the docs are silent, the mock chooses (docs/list-semantics.md, "API version 2026-11"):

* only an interaction with an ``execution_id`` takes part: without one it names no search whose
  result could have been recorded twice;
* ``interaction_type`` compares as a set (``["click", "view"]`` repeats ``["view", "click"]``);
* the window runs from when the first one was recorded (the server's clock, not ``occurred_at``), and
  a dropped duplicate does not extend it;
* a batch is held to the same rule, item by item, earlier items of the same batch included.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Key = tuple[str, Any, frozenset[Any]]

# Entries past the window are swept when the map has grown this much since the last sweep.
_SWEEP_EVERY = 4096


def dedup_key(interaction: Mapping[str, Any]) -> Key | None:
    """What makes two interactions the same one; None for one that never is (no execution_id)."""
    execution_id = interaction.get("execution_id")
    if type(execution_id) is not str:
        return None
    return execution_id, interaction["feature_id"], frozenset(interaction["interaction_type"])


class RecentInteractions:
    """When each key was last recorded in one namespace (forgotten with the namespace, on reset)."""

    def __init__(self) -> None:
        self._recorded: dict[Key, int] = {}
        self._swept_at = 0

    def admit(self, key: Key | None, now_us: int, window_us: int) -> bool:
        """Whether an interaction with ``key``, recorded at ``now_us``, is new (it is noted then) rather
        than a repeat of one recorded less than ``window_us`` before."""
        if key is None or window_us <= 0:
            return True
        last = self._recorded.get(key)
        if last is not None and now_us - last < window_us:
            return False
        self._recorded[key] = now_us
        if len(self._recorded) >= self._swept_at + _SWEEP_EVERY:
            self._recorded = {k: at for k, at in self._recorded.items() if now_us - at < window_us}
            self._swept_at = len(self._recorded)
        return True
