"""``--data FILE``: serve the records of a file (e.g. ``fixtures generate`` output) instead of generated ones.

The file is read and checked once at start; every namespace is seeded with the same
records, and a reset puts them back. Records without an ``interaction_id`` get one (and a
timestamp) when the file is read.
"""

from __future__ import annotations

from pathlib import Path

from fixtures import RecordsFileError, read_records
from mockserver.errors import StartupError, ValidationFailed
from mockserver.records import new_record
from mockserver.store import Record
from mockserver.validation import BodyRules


class DataFileError(StartupError):
    """The --data file cannot be served."""


def read_data_file(path: Path, rules: BodyRules) -> list[Record]:
    records: list[Record] = []
    try:
        for number, item in enumerate(read_records(path), start=1):
            model = "InteractionResponse" if "interaction_id" in item else "SearchInteraction"
            rules.check(model, item, (f"record {number}",))
            records.append(item if "interaction_id" in item else new_record(item))
    except RecordsFileError as exc:
        raise DataFileError(f"--data {exc}") from None
    except ValidationFailed as exc:
        raise DataFileError(f"--data {path}: {exc.message}") from None
    return records
