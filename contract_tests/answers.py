"""Asking the target for a list answer and holding it to the reference's.

Checks run in an order that blames the first broken rule: the matching *set* (filters,
simple fields, search), then the *order* (sort), then the *page* (offset, limit and the
pagination block). A mismatch in the set is narrowed down by ``diagnosis`` to the smallest
part of the request the target gets wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from jsonschema.exceptions import best_match

import specs
from contract_tests import diagnosis
from contract_tests.dataset import WHOLE_RUN, Dataset
from contract_tests.report import reporting, require, require_status, show, violation
from contract_tests.target import Exchange, Target
from specs.oracle import reference
from specs.oracle.rules import LIST_MATCH, PAGE_ITEMS, SORT, SORT_OCCURRED_AT, Rule

# From 2026-11 total is null unless asked for: the checks of a page's block ask for it.
COUNTED = {"include_total": "true"}
# One operand of each geo operator, in Qdrant's shape (see strategies.py, where the geo decision is stated).
GEO_SAMPLES: dict[str, dict[str, Any]] = {
    "geo_radius": {"center": {"lat": 0.0, "lon": 0.0}, "radius": 1000},
    "geo_bounding_box": {"top_left": {"lat": 1.0, "lon": -1.0}, "bottom_right": {"lat": -1.0, "lon": 1.0}},
    "geo_polygon": {
        "exterior": {"points": [{"lat": -1.0, "lon": -1.0}, {"lat": -1.0, "lon": 1.0}, {"lat": 1.0, "lon": 0.0}]}
    },
}


@dataclass(frozen=True)
class Page:
    exchange: Exchange
    rows: list[dict[str, Any]]
    pagination: dict[str, Any]

    @property
    def ids(self) -> list[str]:
        return [str(row.get("interaction_id")) for row in self.rows]


def ask(
    target: Target, dataset: Dataset, request: Mapping[str, Any], query: Mapping[str, Any], rule: Rule = LIST_MATCH
) -> Page:
    """One list call, scoped to the run; anything but a 200 ListInteractionsResponse breaks ``rule``."""
    __tracebackhide__ = True
    return read_page(target.list(dataset.scoped(request), query), rule)


def read_page(exchange: Exchange, rule: Rule) -> Page:
    __tracebackhide__ = True
    body = require_status(exchange, 200, rule)
    # The documented rules only: the mock's own bounds (x-mock in specs/) bind no other server.
    validator = specs.documented_validator("ListInteractionsResponse", specs.edition(exchange.api_version))
    problem = best_match(validator.iter_errors(body))
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "the body"
        raise violation(rule, exchange, f"not a ListInteractionsResponse: at {where}: {problem.message}")
    items = body.get("items")
    require(items == body["results"], PAGE_ITEMS, exchange, f"items is {show(items, 120)}, not the results array")
    return Page(exchange, body["results"], body["pagination"])


def geo_refusals(target: Target, dataset: Dataset) -> dict[str, int]:
    """The geo operators whose Qdrant-shaped operand the target refuses, with the status it refused it with.

    The client names the operators but not their operands: a server may take other shapes and refuse
    these (with a 4xx), and is then not asked them. A 5xx is no refusal: the properties then show it.
    """
    refused = {}
    for operator, operand in GEO_SAMPLES.items():
        condition = {"field": "metadata.place", "operator": operator, "value": operand}
        status = target.list(dataset.scoped({"filters": condition}), {"limit": 1}).status
        if 400 <= status < 500:
            refused[operator] = status
    return refused


def check_matches(target: Target, dataset: Dataset, request: Mapping[str, Any]) -> Page:
    """The whole answer lists exactly the records the reference matches, each once, in order."""
    __tracebackhide__ = True
    page = ask(target, dataset, request, WHOLE_RUN)
    expected = dataset.expected(request)
    duplicates = sorted({i for i in page.ids if page.ids.count(i) > 1})
    require(not duplicates, LIST_MATCH, page.exchange, f"records listed more than once: {duplicates}")
    if set(page.ids) != set(reference.ids(expected)):
        rule, exchange, details = (
            diagnosis.localize(target, dataset, request)
            if reporting()
            else (LIST_MATCH, page.exchange, ["(narrowed down to one rule for the example Hypothesis reports)"])
        )
        raise violation(rule, exchange or page.exchange, f"request (before scoping): {show(request, 2000)}", *details)
    check_order(page, expected, request.get("sort"), dataset.version)
    return page


@dataclass(frozen=True)
class Listing:
    """One list request, scoped to a run, asked for page by page.

    A wrong page may only be the echo of a wrong matching set or order; ``require`` checks
    those first, so a report names the deepest rule that is broken, not its symptom.
    """

    target: Target
    dataset: Dataset
    request: Mapping[str, Any]

    @cached_property
    def expected(self) -> list[str]:
        """The ids of every match, in order: what walking all pages must visit."""
        return reference.ids(self.dataset.expected(self.request))

    def page(self, query: Mapping[str, Any], rule: Rule = LIST_MATCH) -> Page:
        """One page; from 2026-11 with its total counted, which the checks of the pagination block read."""
        __tracebackhide__ = True
        counted = COUNTED if reference.backfills(self.dataset.version) else {}
        return ask(self.target, self.dataset, self.request, {**query, **counted}, rule)

    def follow(self, link: str, rule: Rule) -> Page:
        __tracebackhide__ = True
        return read_page(self.target.follow(link, self.dataset.scoped(self.request)), rule)

    def require(self, condition: bool, rule: Rule, exchange: Exchange, *details: str) -> None:
        __tracebackhide__ = True
        if not condition:
            check_matches(self.target, self.dataset, self.request)
            raise violation(rule, exchange, f"request (before scoping): {show(self.request, 2000)}", *details)


def check_order(
    page: Page, expected: Sequence[Mapping[str, Any]], sort: Mapping[str, Any] | None, version: str
) -> None:
    __tracebackhide__ = True
    wanted = reference.ids(expected)
    if page.ids == wanted:
        return
    default = reference.default_sort(version)
    path = str((sort or default)["field"])
    by_id = {str(r["interaction_id"]): r for r in expected}
    position = next(i for i, (a, b) in enumerate(zip(page.ids, wanted, strict=True)) if a != b)

    def describe(interaction_id: str) -> str:
        record = by_id[interaction_id]
        shown = f"{path} = {show(reference.lookup(record, path), 80)}"
        if path == "occurred_at":
            shown += f", timestamp = {show(reference.lookup(record, 'timestamp'), 80)}"
        return f"{interaction_id} ({shown})"

    details = [
        f"sort: {show(sort) if sort is not None else f'none given ({path} desc)'}",
        f"first difference at position {position}:",
        f"  expected {describe(wanted[position])}",
        f"  listed   {describe(page.ids[position])}",
    ]
    if sort is not None:
        flipped = {**sort, "direction": "asc" if sort.get("direction", "asc") == "desc" else "desc"}
        if page.ids == reference.ids(reference.sort_records(expected, flipped, version)):
            details.append(f"the listed order is exactly that of direction {flipped['direction']!r}")
    elif reference.backfills(version):
        by_recording = {"field": "timestamp", "direction": "desc"}
        if page.ids == reference.ids(reference.sort_records(expected, by_recording, version)):
            details.append("the listed order is that of timestamp desc, when the records were recorded")
    rule = SORT_OCCURRED_AT if path == "occurred_at" and reference.backfills(version) else SORT
    raise violation(rule, page.exchange, *details)
