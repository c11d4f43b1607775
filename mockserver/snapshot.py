"""The state file's layout: each namespace's rows (``Rows``) as Arrow IPC, read back without decoding a record.

An Arrow IPC file (Feather v2, which any Arrow IPC reader opens as it is):

- schema metadata ``format`` = ``FORMAT`` and ``version`` = ``VERSION``;
- a column per field of ``Rows`` but ``paths`` (``FIELDS``): the records' JSON bytes, ids,
  id keys and instants;
- a column per path any namespace holds, named by the path as a JSON array
  (``["metadata","city"]``), holding each row's code as ``Rows`` has it (0 missing, 1 object,
  2 opaque, 3 + i the path's i-th distinct value); zeros in a namespace without the path;
- a record batch per namespace, whose custom metadata holds its name (``namespace``) and, under
  each path column's name, that path's distinct values as JSON text. Values are few next to the
  rows and their kinds must come back exact (1, 1.0 and true apart, -0.0, integers past 64 bits),
  which JSON through mockserver.jsonio does; the rows themselves are arrays, copied as they are.

Reading maps the file and checks its structure (a torn or foreign file is refused, never
half-loaded); the derived columns (id keys, instants, codes) are trusted as the writer made them.
pyarrow is imported with this module, which only ``--state-file`` imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from mockserver.jsonio import dumps, loads
from mockserver.query.model import Path as FieldPath
from mockserver.table import FIRST_VALUE_CODE, Codes, Rows

pa: Any = import_module("pyarrow")  # pyarrow ships no type information
ipc: Any = import_module("pyarrow.ipc")

FORMAT = "mixpeek-interactions-mock/state"
VERSION = 2
JSON_VERSION = 1  # the state files written before: one JSON document of records (mockserver/persistence.py)
VERSIONS_READ = f"this mockserver reads version {VERSION} (Arrow IPC) and version {JSON_VERSION} (JSON)"
# What every Arrow IPC file starts with.
MAGIC = b"ARROW1"
NAMESPACE_KEY = b"namespace"
# A namespace is named by an X-Namespace header, which aiohttp reads as UTF-8 keeping any other byte as a
# surrogate: such a name is written back as those bytes.
_HEADER_BYTES = "surrogateescape"

# Each field of Rows but ``paths``, by the type of its column. A string or binary column reads back as a
# list (of str, of bytes), a number column as a numpy array (no copy): a field added to Rows is a line here.
FIELDS: dict[str, Any] = {
    "ids": pa.large_string(),
    "raws": pa.large_binary(),
    "id_keys": pa.uint64(),
    "instants": pa.int64(),
}
_SCALARS = frozenset({str, int, float, bool, type(None)})
# Python objects (ids, records' bytes) are made an Arrow array this many at a time, so that the saving thread
# gives the GIL back between slices: a million records' bytes in one call stalled the event loop a second.
_SLICE = 16_384


class SnapshotError(ValueError):
    """The file is not a snapshot this module can read; the message says what is wrong with it."""


def _column_name(path: FieldPath) -> str:
    return dumps(list(path)).decode()


def _widths(namespaces: Mapping[str, Rows]) -> dict[FieldPath, np.dtype[Any]]:
    """Every path any namespace holds, with the codes' type wide enough for each namespace's."""
    widths: dict[FieldPath, np.dtype[Any]] = {}
    for rows in namespaces.values():
        for path, (_, codes) in rows.paths.items():
            widths[path] = np.promote_types(widths.get(path, codes.dtype), codes.dtype)
    return widths


def _batch(schema: Any, widths: dict[FieldPath, np.dtype[Any]], rows: Rows) -> tuple[Any, dict[bytes, bytes]]:
    """A namespace's record batch, and its custom metadata but the name: each held path's values."""
    arrays = [_array(getattr(rows, name), kind) for name, kind in FIELDS.items()]
    values: dict[bytes, bytes] = {}
    for path, width in widths.items():
        held = rows.paths.get(path)
        if held is None:
            arrays.append(pa.array(np.zeros(len(rows), dtype=width)))
            continue
        values[_column_name(path).encode()] = dumps(held[0])
        arrays.append(pa.array(held[1].astype(width, copy=False)))
    return pa.RecordBatch.from_arrays(arrays, schema=schema), values


def _array(values: Any, kind: Any) -> Any:
    if not isinstance(values, list):
        return pa.array(values, type=kind)
    slices = [pa.array(values[start : start + _SLICE], type=kind) for start in range(0, len(values), _SLICE)]
    return pa.chunked_array(slices, type=kind).combine_chunks()  # one copy, without the GIL


def write(sink: BinaryIO, namespaces: Mapping[str, Rows]) -> None:
    """Write every namespace's rows to ``sink`` (an open binary file, left open)."""
    widths = _widths(namespaces)
    fields = [pa.field(name, kind, nullable=False) for name, kind in FIELDS.items()]
    fields += [
        pa.field(_column_name(path), pa.from_numpy_dtype(width), nullable=False) for path, width in widths.items()
    ]
    schema = pa.schema(fields, metadata={"format": FORMAT, "version": str(VERSION)})
    with ipc.new_file(sink, schema) as writer:
        for name, rows in namespaces.items():
            batch, values = _batch(schema, widths, rows)
            writer.write_batch(batch, custom_metadata={NAMESPACE_KEY: name.encode(errors=_HEADER_BYTES), **values})


def read(path: Path) -> dict[str, Rows]:
    """Every namespace's rows, as written; SnapshotError when the file is torn, foreign or malformed."""
    try:
        reader = ipc.open_file(pa.memory_map(str(path)))
    except (pa.ArrowException, OSError) as exc:
        raise SnapshotError(f"is not a complete Arrow IPC file, torn or corrupt ({exc})") from None
    paths = _paths(reader.schema)
    namespaces: dict[str, Rows] = {}
    for index in range(reader.num_record_batches):
        try:
            batch, metadata = reader.get_batch_with_custom_metadata(index)
            batch.validate(full=True)
        except (pa.ArrowException, OSError) as exc:
            raise SnapshotError(f"has a torn or corrupt record batch ({exc})") from None
        name, rows = _namespace(batch, dict(metadata or {}), paths)
        if name in namespaces:
            raise SnapshotError(f"holds namespace {name!r} twice")
        namespaces[name] = rows
    return namespaces


def _paths(schema: Any) -> dict[str, FieldPath]:
    """The path of each path column, once the schema is found to be ours."""
    metadata = schema.metadata or {}
    if metadata.get(b"format") != FORMAT.encode():
        raise SnapshotError(f'is not a mockserver state file (its Arrow schema has no "format": "{FORMAT}")')
    version = metadata.get(b"version", b"").decode(errors="replace")
    if version != str(VERSION):
        raise SnapshotError(f"has version {version!r}; {VERSIONS_READ}")
    for name, kind in FIELDS.items():
        index = schema.get_field_index(name)
        if index < 0 or schema.field(index).type != kind:
            raise SnapshotError(f"has no column {name!r} of type {kind}")
    paths: dict[str, FieldPath] = {}
    for field in schema:
        if field.name in FIELDS:
            continue
        path = _path_of(field.name)
        if path is None or field.name in paths or not pa.types.is_unsigned_integer(field.type):
            raise SnapshotError(f"has a column {field.name!r} that is neither a field nor a path of unsigned codes")
        paths[field.name] = path
    return paths


def _path_of(name: str) -> FieldPath | None:
    try:
        path = loads(name.encode())
    except (ValueError, RecursionError):
        return None
    if not isinstance(path, list) or not path or not all(type(key) is str for key in path):
        return None
    return tuple(path)


def _namespace(batch: Any, metadata: dict[bytes, bytes], paths_of: dict[str, FieldPath]) -> tuple[str, Rows]:
    """A batch's namespace name and rows, its codes checked against the values its metadata holds."""
    try:
        name = metadata.pop(NAMESPACE_KEY).decode(errors=_HEADER_BYTES)
    except KeyError:
        raise SnapshotError("has a record batch without a namespace name") from None
    if any(column.null_count for column in batch.columns):
        raise SnapshotError(f"has nulls in the columns of namespace {name!r}")
    fields = {field: _listed(batch.column(field)) for field in FIELDS}
    paths: dict[FieldPath, tuple[list[Any], Codes]] = {}
    for column_name, path in paths_of.items():
        codes = batch.column(column_name).to_numpy()
        text = metadata.pop(column_name.encode(), None)
        values = [] if text is None else _values(text, name, column_name)
        # A path the namespace does not hold has no values, and every code 0 (missing).
        if int(codes.max(initial=0)) >= (1 if text is None else FIRST_VALUE_CODE + len(values)):
            raise SnapshotError(f"has codes past the values of path {column_name} in namespace {name!r}")
        if text is not None:
            paths[path] = (values, codes)
    if metadata:
        raise SnapshotError(f"has values for no column in namespace {name!r}: {sorted(metadata)[0]!r}")
    rows = Rows(**fields, paths=paths)
    if _repeats_an_id(rows.ids):
        raise SnapshotError(f"holds an interaction_id twice in namespace {name!r}")
    return name, rows


def _repeats_an_id(ids: list[str]) -> bool:
    """Whether an id comes twice (a table takes each once): by the ids' hashes sorted, ids compared only where
    two hashes are equal. A set of a million ids took twice as long; the table hashes them next anyway."""
    hashes = np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids))
    ordered = np.sort(hashes)
    alike = ordered[1:][ordered[1:] == ordered[:-1]]
    suspects = [ids[row] for row in np.flatnonzero(np.isin(hashes, alike)).tolist()]
    return len(set(suspects)) != len(suspects)


def _listed(column: Any) -> Any:
    """A column as ``Rows`` holds it: strings and bytes as a list, numbers as a numpy array over the file."""
    array = column.to_numpy(zero_copy_only=False)
    return array.tolist() if array.dtype == object else array


def _values(text: bytes, namespace: str, column_name: str) -> list[Any]:
    try:
        values = loads(text)
    except (ValueError, RecursionError):
        values = None
    if not isinstance(values, list) or not _are_values(values):
        raise SnapshotError(f"has malformed values for path {column_name} in namespace {namespace!r}")
    return values


def _are_values(values: list[Any]) -> bool:
    """Whether all are what a column keeps in ``values``: JSON scalars and arrays of scalars. Checked by
    kind, not value by value: a path of a million rows can have hundreds of thousands of values."""
    kinds = set(map(type, values))
    if list in kinds:
        kinds.remove(list)
        kinds.update(map(type, chain.from_iterable(value for value in values if type(value) is list)))
    return kinds <= _SCALARS
