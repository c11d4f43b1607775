"""``--state-file``: the store survives restarts.

Saved atomically (write a temporary file beside it, fsync, rename, fsync the folder), so a
crash at any moment leaves either the previous file or the new one, never a torn one. A
file that is not ours, is corrupt, or comes from an incompatible version is refused at
start with a message, never silently emptied or overwritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from mockserver.errors import StartupError
from mockserver.jsonio import dumps, loads
from mockserver.state import SETTINGS, STORE
from mockserver.store import Record, Store, rows_of

FORMAT = "mixpeek-interactions-mock/state"
VERSION = 1


class StateFileError(StartupError):
    """The state file cannot be used; the message says why and what to do."""


def _refuse(path: Path, why: str) -> StateFileError:
    return StateFileError(f"state file {path} {why}; fix or move it, or start without --state-file")


def load_state(path: Path) -> dict[str, list[Record]] | None:
    """The namespaces saved in ``path``, or None when there is no file yet."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _refuse(path, f"cannot be read ({exc.strerror})") from None
    try:
        document = loads(raw)
    except (ValueError, RecursionError) as exc:
        raise _refuse(path, f"is not valid JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _refuse(path, f'is not a mockserver state file (no "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise _refuse(path, f"has version {document.get('version')!r}; this mockserver reads version {VERSION}")
    namespaces = document.get("namespaces")
    if not isinstance(namespaces, dict):
        raise _refuse(path, 'has no "namespaces" object')
    for name, records in namespaces.items():
        if not isinstance(records, list) or not all(_is_record(r) for r in records):
            raise _refuse(path, f"has a malformed record list for namespace {name!r}")
    return namespaces


def _is_record(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("interaction_id"), str)


def _document(namespaces: Mapping[str, Sequence[bytes]]) -> bytes:
    # Records are kept as JSON bytes already (mockserver/store.py): joined, never decoded and re-encoded.
    parts = (dumps(name) + b":[" + b",".join(records) + b"]" for name, records in namespaces.items())
    head = dumps({"format": FORMAT, "version": VERSION})[:-1]
    return head + b',"namespaces":{' + b",".join(parts) + b"}}"


def save_state(path: Path, namespaces: Mapping[str, Sequence[bytes]]) -> None:
    """Write the whole state (each namespace's records as stored JSON bytes) atomically."""
    payload = _document(namespaces)
    folder = path.parent if str(path.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
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


def snapshot(store: Store) -> dict[str, list[bytes]]:
    """A consistent copy to save off the event loop: stored records are immutable bytes."""
    return {name: list(store.namespace(name)) for name in store.names()}


def restore(store: Store, saved: Mapping[str, Sequence[Record]]) -> None:
    for name, records in saved.items():
        store.replace(name, rows_of(records))


def persistence(path: Path, interval_s: float) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context: save every ``interval_s`` seconds and once more on shutdown."""

    async def save(app: web.Application) -> None:
        copy = snapshot(app[STORE])
        await asyncio.get_running_loop().run_in_executor(None, save_state, path, copy)

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
        restore(app[STORE], saved)
    app.cleanup_ctx.append(persistence(settings.state_file, settings.save_interval_s))
