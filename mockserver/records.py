"""How a client's SearchInteraction becomes a stored InteractionResponse."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import specs
from mockserver.store import Record

# The stored record carries every documented field (null when the client left it out), as
# the upstream API answers; unknown keys of the request are dropped (seed behaviour).
_FIELDS = tuple(specs.schema("SearchInteraction")["properties"])


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_record(interaction: Mapping[str, Any]) -> Record:
    record: Record = {name: interaction.get(name) for name in _FIELDS}
    record["interaction_id"] = str(uuid.uuid4())
    record["timestamp"] = utc_now()
    return record
