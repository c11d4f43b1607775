"""Narrowing a wrong list answer down to the one rule the target breaks.

"The answer differs" is not actionable; "``nin`` is false for a missing field" is. When the
target lists a different set than the reference, the request is taken apart and each part
is sent alone (still scoped to the run): each simple field, the search, the filter tree,
then each child of the tree, recursively. The smallest part answered wrongly names the
rule: an operator when one condition alone is wrong (or ``case_sensitive`` when the answer
is the one the opposite case sensitivity would give), a combinator (AND, OR, NOT, keys at
one level, shorthand) when every child alone is right but their combination is not.
This costs a few more requests, and only ever after a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from contract_tests.dataset import WHOLE_RUN, Dataset
from contract_tests.report import show
from contract_tests.target import Exchange, Target
from specs.oracle import reference
from specs.oracle.blame import CASE_GOVERNED
from specs.oracle.rules import (
    FILTER_AND,
    FILTER_CASE,
    FILTER_KEYS,
    FILTER_NOT,
    FILTER_OR,
    FILTER_SHORTHAND,
    LIST_MATCH,
    OPERATORS,
    SEARCH,
    SIMPLE_EXACT,
    SIMPLE_INTERACTION_TYPE,
    Rule,
)

Finding = tuple[Rule, Exchange | None, list[str]]
Describe = Callable[[Mapping[str, Any]], str]
COMBINATORS = {"AND": FILTER_AND, "OR": FILTER_OR, "NOT": FILTER_NOT}
EXAMPLES = 3


@dataclass(frozen=True)
class Outcome:
    """What the target listed for one request (None: not a 200 list answer) and what it should have."""

    exchange: Exchange
    listed: frozenset[str] | None
    expected: frozenset[str]

    @property
    def wrong(self) -> bool:
        return self.listed != self.expected


class Probe:
    def __init__(self, target: Target, dataset: Dataset) -> None:
        self.target = target
        self.dataset = dataset
        self.by_id = {str(r["interaction_id"]): r for r in dataset.records}

    def __call__(self, request: Mapping[str, Any]) -> Outcome:
        exchange = self.target.list(self.dataset.scoped(request), WHOLE_RUN)
        body = exchange.json()
        rows = body.get("results") if exchange.status == 200 and isinstance(body, dict) else None
        listed = (
            frozenset(str(row.get("interaction_id")) for row in rows if isinstance(row, dict))
            if isinstance(rows, list)
            else None
        )
        expected = frozenset(reference.ids(self.dataset.expected(request)))
        return Outcome(exchange, listed, expected)

    def differences(self, outcome: Outcome, describe: Describe | None = None) -> list[str]:
        """The records listed wrongly and left out wrongly, a few of each, described by ``describe``."""
        if outcome.listed is None:
            return [f"answered HTTP {outcome.exchange.status}, not a list answer"]

        def example(interaction_id: str) -> str:
            record = self.by_id.get(interaction_id)
            if record is None:
                return f"    {interaction_id} (not a record of this run)"
            return f"    {interaction_id}" + ("" if describe is None else f" ({describe(record)})")

        lines = []
        for label, found in (
            ("listed but not matching", outcome.listed - outcome.expected),
            ("matching but not listed", outcome.expected - outcome.listed),
        ):
            lines.append(f"{label}: {len(found)}")
            lines += [example(i) for i in sorted(found)[:EXAMPLES]]
        return lines


def value_at(path: str) -> Describe:
    return lambda record: f"{path} = {show(reference.lookup(record, path), 80)}"


def localize(target: Target, dataset: Dataset, request: Mapping[str, Any]) -> Finding:
    """The rule behind a wrong matching set, the exchange that shows it best, and what differed."""
    probe = Probe(target, dataset)
    for name in (*reference.SIMPLE_FIELDS, "interaction_type"):
        if request.get(name) is not None:
            outcome = probe({name: request[name]})
            if outcome.wrong:
                rule = SIMPLE_INTERACTION_TYPE if name == "interaction_type" else SIMPLE_EXACT
                return (
                    rule,
                    outcome.exchange,
                    [f"simple field {name} = {show(request[name])}", *probe.differences(outcome, value_at(name))],
                )
    if request.get("search"):
        outcome = probe({"search": request["search"]})
        if outcome.wrong:
            return (
                SEARCH,
                outcome.exchange,
                [f"search {show(request['search'])}", *probe.differences(outcome, value_at("metadata"))],
            )
    if request.get("filters") is not None:
        outcome = probe({"filters": request["filters"]})
        if outcome.wrong:
            return _tree(probe, request["filters"], None)
    return LIST_MATCH, None, ["each part alone is answered right, but not all of them together (they combine with AND)"]


def _with_case(part: Mapping[str, Any], inherited: bool | None) -> dict[str, Any]:
    """A part taken out of its tree keeps the case sensitivity it inherited (none given: the default)."""
    if part.get("case_sensitive") is None and inherited is not None:
        return {**part, "case_sensitive": inherited}
    return dict(part)


def _tree(probe: Probe, tree: Mapping[str, Any], inherited: bool | None) -> Finding:
    own = tree.get("case_sensitive")
    effective = inherited if own is None else bool(own)
    for key in COMBINATORS:
        for child in tree.get(key) or []:
            if "field" in child:
                condition = _with_case(child, effective)
                outcome = probe({"filters": {"AND": [condition]}})
                if outcome.wrong:
                    return _condition(probe, condition, outcome)
            else:
                outcome = probe({"filters": _with_case(child, effective)})
                if outcome.wrong:
                    return _tree(probe, child, effective)
    for path, value in tree.items():
        if path in COMBINATORS or path == "case_sensitive":
            continue
        outcome = probe({"filters": _with_case({path: value}, effective)})
        if outcome.wrong:
            operators = value.items() if isinstance(value, dict) else [("eq", value)]
            for operator, operand in operators:
                condition = _with_case({"field": path, "operator": operator, "value": operand}, effective)
                alone = probe({"filters": {"AND": [condition]}})
                if alone.wrong:
                    return _condition(probe, condition, alone)
            details = [f"shorthand {show({path: value})}: each operator alone is answered right, together not"]
            return FILTER_SHORTHAND, outcome.exchange, details + probe.differences(outcome, value_at(path))
    for key, rule in COMBINATORS.items():
        if key in tree:
            outcome = probe({"filters": _with_case({key: tree[key]}, effective)})
            if outcome.wrong:
                return _combinator(probe, key, tree[key], bool(effective), outcome, rule)
    outcome = probe({"filters": dict(tree)})
    details = [f"tree {show(tree)}: every key alone is answered right, together not"]
    return FILTER_KEYS, outcome.exchange, details + probe.differences(outcome)


def _condition(probe: Probe, condition: Mapping[str, Any], outcome: Outcome) -> Finding:
    operator, path = condition["operator"], condition["field"]
    case_sensitive = condition.get("case_sensitive")
    in_effect = "false (the default)" if case_sensitive is None else f"{str(case_sensitive).lower()} (given)"
    details = [f"condition {show(condition)}", f"case_sensitive in effect: {in_effect}"]
    if operator in CASE_GOVERNED:
        opposite = not bool(case_sensitive)
        flipped = frozenset(
            str(r["interaction_id"])
            for r in probe.dataset.records
            if reference.condition_holds(r, path, operator, condition["value"], opposite)
        )
        if outcome.listed == flipped != outcome.expected:
            details.append(f"the answer is the one case_sensitive {opposite} would give")
            return FILTER_CASE, outcome.exchange, details + probe.differences(outcome, value_at(path))
    return OPERATORS[operator], outcome.exchange, details + probe.differences(outcome, value_at(path))


def _combinator(
    probe: Probe, key: str, children: list[Any], case_sensitive: bool, outcome: Outcome, rule: Rule
) -> Finding:
    def outcomes(record: Mapping[str, Any]) -> list[bool]:
        return [reference.child_holds(child, record, case_sensitive) for child in children]

    def describe(record: Mapping[str, Any]) -> str:
        return "children: " + ", ".join("true" if held else "false" for held in outcomes(record))

    details = [f"{key} over {len(children)} children, each of which alone is answered right"]
    if key == "NOT":
        not_all = frozenset(str(r["interaction_id"]) for r in probe.dataset.records if not all(outcomes(r)))
        if outcome.listed == not_all:
            details.append('the answer is that of "not all children true" rather than "no child true"')
    return rule, outcome.exchange, details + probe.differences(outcome, describe)
