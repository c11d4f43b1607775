"""``--state-file``: the store survives restarts.

The file is each namespace's rows as Arrow IPC (mockserver/snapshot.py): start-up maps it and
hands its arrays to the tables, no record decoded, where a JSON file of records had to be
parsed and every record taken apart again. JSON state files (version 1, written before) are
still read, and written as Arrow IPC at the next save.

Saved atomically (write a temporary file beside it, fsync, rename, fsync the folder), so a
crash at any moment leaves either the previous file or the new one, never a torn one. A
file that is not ours, is corrupt, or comes from an incompatible version is refused at
start with a message, never silently emptied or overwritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from mockserver.errors import NotFound, StartupError
from mockserver.jsonio import loads
from mockserver.state import SETTINGS, STORE
from mockserver.store import Record, Store, rows_of
from mockserver.table import Rows

log = logging.getLogger("mockserver.state")


class StateFileError(StartupError):
    """The state file cannot be used; the message says why and what to do."""


def _refuse(path: Path, why: str) -> StateFileError:
    return StateFileError(f"state file {path} {why}; fix or move it, or start without --state-file")


def load_state(path: Path) -> dict[str, Iterable[Rows]] | None:
    """Each saved namespace's rows, or None when there is no file yet."""
    from mockserver import snapshot  # pyarrow, costly to import: only with --state-file

    try:
        with path.open("rb") as handle:
            head = handle.read(len(snapshot.MAGIC))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _refuse(path, f"cannot be read ({exc.strerror})") from None
    if head != snapshot.MAGIC:
        return {name: rows_of(records) for name, records in _load_json(path).items()}
    try:
        return {name: [rows] for name, rows in snapshot.read(path).items()}
    except snapshot.SnapshotError as exc:
        raise _refuse(path, str(exc)) from None


def _load_json(path: Path) -> dict[str, list[Record]]:
    """A state file of version 1, the records of each namespace in one JSON document (read, never written)."""
    from mockserver.snapshot import FORMAT, JSON_VERSION, VERSIONS_READ

    try:
        document = loads(path.read_bytes())
    except OSError as exc:
        raise _refuse(path, f"cannot be read ({exc.strerror})") from None
    except (ValueError, RecursionError) as exc:
        raise _refuse(path, f"is neither an Arrow IPC state file nor valid JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _refuse(path, f'is not a mockserver state file (no "format": "{FORMAT}")')
    if document.get("version") != JSON_VERSION:
        raise _refuse(path, f"has version {document.get('version')!r}; {VERSIONS_READ}")
    namespaces = document.get("namespaces")
    if not isinstance(namespaces, dict):
        raise _refuse(path, 'has no "namespaces" object')
    for name, records in namespaces.items():
        if not isinstance(records, list) or not all(_is_record(r) for r in records):
            raise _refuse(path, f"has a malformed record list for namespace {name!r}")
    return namespaces


def _is_record(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("interaction_id"), str)


def save_state(path: Path, namespaces: Mapping[str, Rows]) -> None:
    """Write every namespace's rows atomically, in the format ``load_state`` reads first (mockserver/snapshot.py)."""
    from mockserver import snapshot

    folder = path.parent if str(path.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            snapshot.write(handle, namespaces)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}."


def _remove_torn_saves(path: Path) -> None:
    """Temporary files a killed process left behind; the state file itself is never one of them."""
    for leftover in path.parent.glob(f"{_temporary_prefix(path)}*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


def capture(store: Store) -> dict[str, Rows]:
    """A consistent copy of every namespace to save off the event loop: the tables' live rows, their arrays
    copied and their records' bytes (immutable) shared."""
    return {name: store.namespace(name).table.live_rows() for name in store.names()}


def restore(path: Path, store: Store, saved: Mapping[str, Iterable[Rows]]) -> None:
    for name, parts in saved.items():
        try:
            store.replace(name, parts)
        except NotFound:
            raise _refuse(path, f"holds namespace {name!r}, which --namespaces does not allow") from None


def persistence(path: Path, interval_s: float) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context: save every ``interval_s`` seconds and once more on shutdown."""

    async def save(app: web.Application) -> None:
        started = time.monotonic()
        copy = capture(app[STORE])
        await asyncio.get_running_loop().run_in_executor(None, save_state, path, copy)
        records = sum(map(len, copy.values()))
        log.info(
            "state saved to %s: %d namespace(s), %d records in %.2f s",
            path,
            len(copy),
            records,
            time.monotonic() - started,
        )

    async def periodically(app: web.Application) -> None:
        while True:
            await asyncio.sleep(interval_s)
            await save(app)

    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(periodically(app))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await save(app)

    return context


def install(app: web.Application) -> None:
    """Load the state file into the app's store now, and keep saving it while the app runs."""
    settings = app[SETTINGS]
    if settings.state_file is None:
        return
    if not settings.state_file.parent.is_dir():
        raise _refuse(settings.state_file, "is in a folder that does not exist")
    _remove_torn_saves(settings.state_file)
    saved = load_state(settings.state_file)
    if saved is not None:
        restore(settings.state_file, app[STORE], saved)
    app.cleanup_ctx.append(persistence(settings.state_file, settings.save_interval_s))
