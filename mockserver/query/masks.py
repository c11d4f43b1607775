"""Which rows pass a condition, a filter tree, the simple fields and the search: boolean masks over a table.

Each test is decided once per distinct value of a column (``values``), then the decisions are
gathered through the rows' codes in one numpy step. Rows whose value the column does not keep
(an array holding objects, or an object when the operand is one) are decided on the record
itself, read back from its JSON: only those rows, and only for the paths the query names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from mockserver.jsonio import loads
from mockserver.query.conditions import ORDER, holds, instants_at
from mockserver.query.geo import GEO_OPERATORS
from mockserver.query.model import AllOf, AnyOf, Condition, Equals, Instant, Node, Path
from mockserver.query.paths import MISSING, TIME_PATH, reader
from mockserver.query.search import search_value_text, searchable_text
from mockserver.table import NOT_AN_INSTANT, OBJECT_CODE, OPAQUE_CODE, Column, Table

Mask = npt.NDArray[np.bool_]

_STAND_IN_OBJECT: dict[str, Any] = {}


def _decisions(column: Column, test: Callable[[Any], bool], object_answer: bool, found: Mask | None = None) -> Mask:
    """Per code: whether ``test`` holds (``found``: already decided for codes 3 and up); the object code
    gets ``object_answer``, the opaque code false."""
    if found is None:
        found = np.fromiter(map(test, column.values[3:]), dtype=np.bool_, count=len(column.values) - 3)
    head = np.array([test(MISSING), object_answer, False], dtype=np.bool_)
    return np.concatenate((head, found))


# Past this magnitude a float64 no longer holds every integer: such values are compared one by one.
_EXACT_IN_FLOAT = 2**53


def _by_number(column: Column, condition: Condition, test: Callable[[Any], bool]) -> Mask | None:
    """Codes 3 and up decided in one numpy step, for a comparison with a number; None when it does not apply.

    Only numbers are compared as numbers (an array or another kind of value is tested on its own),
    so the answer is the value test's for every code.
    """
    operand = condition.operand
    if condition.operator not in ("eq", "ne", *ORDER) or type(operand) not in (int, float):
        return None
    if abs(operand) >= _EXACT_IN_FLOAT:
        return None
    numbers, plain = column.numbers(_EXACT_IN_FLOAT)
    compare = np.equal if condition.operator in ("eq", "ne") else ORDER[condition.operator]
    found: Mask = compare(numbers, operand) & plain
    if condition.operator == "ne":
        found = ~found & plain
    others = np.flatnonzero(~plain)
    if len(others):
        values = column.values
        found[others] = [test(values[code + 3]) for code in others.tolist()]
    return found


def _read_back(table: Table, rows: npt.NDArray[np.intp], path: Path, test: Callable[[Any], bool], mask: Mask) -> None:
    read = reader(path)
    raws = table.raws
    for row in rows.tolist():
        raw = raws[row]
        mask[row] = raw is not None and test(read(loads(raw)))


def _has_object(operand: Any) -> bool:
    if type(operand) is dict:
        return True
    return type(operand) is list and any(type(item) is dict for item in operand)


def condition_mask(table: Table, condition: Condition) -> Mask:
    size = table.size
    test = holds(condition)
    if isinstance(condition.operand, Instant) and condition.path == TIME_PATH:
        return _instant_mask(table, condition, test)
    column = table.column(condition.path)
    if column is None:
        return np.full(size, test(MISSING), dtype=np.bool_)
    codes = column.at(size)
    # A geo operator reads the points inside objects: each object row is decided on its own content.
    by_content = condition.operator in GEO_OPERATORS or _has_object(condition.operand)
    object_answer = False if by_content else test(_STAND_IN_OBJECT)
    table_ = _decisions(column, test, object_answer, _by_number(column, condition, test))
    mask: Mask = table_[codes]
    unread = codes == OPAQUE_CODE
    if by_content:
        unread |= codes == OBJECT_CODE
    rows = np.flatnonzero(unread)
    if len(rows):
        _read_back(table, rows, condition.path, test, mask)
    return mask


def _instant_mask(table: Table, condition: Condition, test: Callable[[Any], bool]) -> Mask:
    """A timestamp range: the kept instants compare in one step; rows without one are read as values."""
    instants = table.instants[: table.size]
    bound = condition.operand.micros
    mask: Mask = ORDER[condition.operator](instants, bound) & (instants != NOT_AN_INSTANT)
    if table.untimed:
        extract = instants_at(condition.path)
        rows = np.flatnonzero(instants == NOT_AN_INSTANT)
        raws = table.raws
        for row in rows.tolist():
            raw = raws[row]
            mask[row] = raw is not None and test(extract(loads(raw)))
    return mask


def tree_mask(table: Table, node: Node) -> Mask:
    if isinstance(node, Condition):
        return condition_mask(table, node)
    # An empty AND (the shorthand ``{}``) holds for every row, an empty OR for none.
    every = np.ones(table.size, dtype=np.bool_)
    either = np.zeros(table.size, dtype=np.bool_)
    for child in node.children:
        if isinstance(node, AllOf):
            every &= tree_mask(table, child)
        else:
            either |= tree_mask(table, child)
    if isinstance(node, AllOf):
        return every
    return either if isinstance(node, AnyOf) else ~either


def equals_mask(table: Table, equals: Equals) -> Mask:
    """A simple request field: exact string equality; for interaction_type, an element of the record's list."""
    column = table.column((equals.field,))
    if column is None:
        return np.zeros(table.size, dtype=np.bool_)
    codes = column.at(table.size)
    wanted = equals.value
    if equals.field != "interaction_type":
        code = column.code_of(wanted)
        return codes == code if code is not None else np.zeros(table.size, dtype=np.bool_)

    def test(value: Any) -> bool:
        return type(value) is list and any(type(item) is str and item == wanted for item in value)

    mask: Mask = _decisions(column, test, False)[codes]
    return mask


def _searched(path: Path) -> bool:
    return path[0] == "metadata"


def search_mask(table: Table, terms: tuple[str, ...]) -> Mask:
    """Rows where every term occurs, ignoring case, in some string or number inside ``metadata``."""
    size = table.size
    found = np.ones(size, dtype=np.bool_)
    columns = [column for path, column in table.columns.items() if _searched(path)]
    unread = np.zeros(size, dtype=np.bool_)
    for column in columns:
        if column.has_opaque:
            unread |= column.at(size) == OPAQUE_CODE
    for term in terms:
        hit = np.zeros(size, dtype=np.bool_)
        for column in columns:
            decided = column.search_hits(term, search_value_text)
            if decided is not None:
                hit |= decided[column.at(size)]
        found &= hit
    rows = np.flatnonzero(unread & ~found)
    raws = table.raws
    for row in rows.tolist():
        raw = raws[row]
        if raw is not None:
            text = searchable_text(loads(raw))
            found[row] = all(term in text for term in terms)
    return found
