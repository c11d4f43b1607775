"""The verifying proxy (``mockserver --proxy``): the real mock behind it breaks no rule, each broken
variant of it does and is named, and the app sees the target's answers unchanged.

The variants are those the teeth test bends the real mock into (tests/test_contract_teeth.py):
each sits behind the verifying proxy, which is driven with the same Hypothesis traffic (the run's
records created, then lists of any tree, gets, deletes, a batch with a bad item, an anonymous
call, and from 2026-11 a repeated create), and must name one of the rules the variant breaks.
Each target starts empty (``count=0``) so that the proxy has seen every record it holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import specs
from contract_tests.dataset import Dataset, interactions, unique_tag
from contract_tests.strategies import QueryStrategies, limits, offsets
from contract_tests.target import Target
from mockserver import Settings, create_app
from tests.test_contract_teeth import BROKEN, CORRECT, LAWFUL, Loop, Variant
from tests.test_contract_teeth import proxy as bent

API_KEY = "teeth-key"
EXAMPLES = 150
WHOLE = 100  # more than the records a run's namespace holds
# Every rig is a new target: one run name serves all, so that the traffic Hypothesis draws (derandomized, from
# the records' values) is the same for every variant and every run of this test.
RUN = "run-proxy"
# Where a page alone shows a break the suites see across pages, the proxy names the symptom it can see.
SEEN_AS = {"offset off by one": {"page.links"}, "total counts only the page": {"page.links"}}


@dataclass
class Rig:
    """One variant of the mock behind the verifying proxy, the traffic's state, and what was found."""

    variant: Variant
    version: str
    url: str
    found: dict[str, int]
    dataset: Dataset | None = None
    other_ids: tuple[str, ...] = ()

    def target(self, namespace: str) -> Target:
        return Target(self.url, API_KEY, namespace, timeout=30, api_version=self.version)


def start(loop: Loop, variant: Variant, version: str) -> Rig:
    upstream = Settings(
        port=0, count=0, api_keys=frozenset({API_KEY}), quiet=True, api_version=version, **dict(variant.upstream)
    )
    mock = loop.serve(create_app(upstream))
    app = create_app(Settings(port=0, proxy=loop.serve(bent(mock, variant)), api_version=version, quiet=True))
    return Rig(variant, version, loop.serve(app), {})


def seed(rig: Rig) -> None:
    """The run's records, created through the proxy in one namespace, and three in another."""
    run = RUN
    here, there = rig.target(f"proxy-{run}"), rig.target(f"proxy-{run}-other")
    records = [here.create(body).json() for body in interactions(run, rig.version)]
    rig.dataset = Dataset(run, tuple(r for r in records if isinstance(r, dict) and "interaction_id" in r), rig.version)
    rig.other_ids = tuple(
        str(there.create(body).json().get("interaction_id")) for body in interactions(run, rig.version)[:3]
    )


def paging(version: str) -> st.SearchStrategy[dict[str, Any]]:
    offset_style = st.fixed_dictionaries({"limit": limits, "offset": offsets})
    page_style = st.fixed_dictionaries(
        {"page": st.integers(min_value=1, max_value=5), "page_size": st.integers(min_value=1, max_value=20)}
    )
    counted = st.just({}) | st.just({"include_total": "true"}) if version >= specs.V2026_11 else st.just({})
    return st.tuples(offset_style | page_style, counted).map(lambda parts: {**parts[0], **parts[1]})


def small_requests(queries: QueryStrategies) -> st.SearchStrategy[dict[str, Any]]:
    """A type the records hold, one condition (its operand most often drawn from a record), a shallow tree, or
    (from 2026-11) one condition on what the version added: requests that often match, on one page."""
    held = sorted({kind for record in queries.dataset.records for kind in record["interaction_type"]})
    one = queries.condition().map(lambda condition: {"filters": {"AND": [condition]}})
    neither = st.lists(queries.condition(), min_size=2, max_size=2).map(lambda pair: {"filters": {"NOT": pair}})
    shallow = st.tuples(st.just({}) | queries.simple_fields(), queries.tree(depth=2))
    added = [queries.added_condition(kind).map(lambda c: {"filters": {"AND": [c]}}) for kind in queries.added_kinds]
    request = st.one_of(
        st.sampled_from(held).map(lambda kind: {"interaction_type": kind}),
        one,
        neither,
        shallow.map(lambda parts: {**parts[0], "filters": parts[1]}),
        *added,
    )
    return st.tuples(request, st.none() | queries.sort()).map(
        lambda parts: parts[0] if parts[1] is None else {**parts[0], "sort": parts[1]}
    )


def fresh(rig: Rig) -> dict[str, Any]:
    """A create body no other repeats (its own feature_id and execution_id)."""
    tag = unique_tag()
    body: dict[str, Any] = {"feature_id": f"fresh-{tag}", "interaction_type": ["click"], "position": 1}
    if rig.version >= specs.V2026_11:
        body.update(execution_id=f"exec-{tag}", occurred_at="2026-01-02T03:04:05Z")
    return body


def act(rig: Rig, action: str, data: st.DataObject, queries: QueryStrategies) -> None:
    """One step of traffic through the proxy."""
    assert rig.dataset is not None
    here = rig.target(f"proxy-{rig.dataset.run}")
    if action == "list":
        here.list(data.draw(queries.request(), label="request"), data.draw(paging(rig.version), label="paging"))
    elif action == "whole":  # a small request, every match on one page: what the proxy can hold completely
        here.list(data.draw(small_requests(queries), label="request"), {"limit": WHOLE})
    elif action == "get":
        here.get(data.draw(st.sampled_from(rig.dataset.records))["interaction_id"])
    elif action == "other":
        here.get(data.draw(st.sampled_from(rig.other_ids)))
    elif action == "delete":
        created = here.create(fresh(rig)).json()
        here.delete(created["interaction_id"])
        here.get(created["interaction_id"])
        here.list({"feature_id": created["feature_id"]}, {"limit": 10})
    elif action == "batch":
        here.create_batch([fresh(rig), {"feature_id": 5, "interaction_type": "click"}])
    elif action == "anonymous":
        here.request("POST", "/v1/retrievers/interactions/list", json_body={}, authorization=None)
    elif action == "wide":
        # Documented (no upper bound): the mock refuses it, the lawful variant keeps it. In a namespace of its own:
        # that variant stores 1 in its place, which its lists then order and filter by (lawful for shapes only).
        wide = rig.target(f"proxy-{rig.dataset.run}-wide")
        created = wide.create({**fresh(rig), "position": 2**64 + 5})
        if created.status == 200:
            wide.get(created.json()["interaction_id"])
    elif action == "repeat":
        body = fresh(rig)
        here.create(body)
        here.create(body)


def drive(rig: Rig) -> None:
    """The traffic: Hypothesis draws the steps."""
    seed(rig)
    assert rig.dataset is not None
    queries = QueryStrategies(rig.dataset)
    kinds = ["list", "list", "whole", "whole", "get", "other", "delete", "batch", "anonymous", "wide"]
    kinds += ["repeat"] if rig.version >= specs.V2026_11 else []

    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    @given(data=st.data())
    def traffic(data: st.DataObject) -> None:
        act(rig, data.draw(st.sampled_from(kinds), label="action"), data, queries)

    traffic()
    summary = rig.target("").request("GET", "/_mock/violations").json()
    rig.found = summary["rules"]


class Rigs:
    def __init__(self) -> None:
        self.loop = Loop()
        self.made: dict[tuple[str, str], Rig] = {}

    def of(self, version: str, variant: Variant) -> Rig:
        """The variant behind the proxy, driven once with the traffic (the first time it is asked for)."""
        key = (version, variant.name)
        if key not in self.made:
            rig = start(self.loop, variant, version)
            drive(rig)
            self.made[key] = rig
        return self.made[key]


@pytest.fixture(scope="module")
def rigs() -> Iterator[Rigs]:
    made = Rigs()
    try:
        yield made
    finally:
        made.loop.close()


def expected(variant: Variant) -> set[str]:
    return set(variant.rules) | SEEN_AS.get(variant.name, set())


def catch_table(rigs: Rigs, version: str) -> str:
    rows = [f"verifying proxy, API version {version}", f"{'broken variant':<40} {'caught':<7} rules named"]
    caught = 0
    for variant in BROKEN[version]:
        rig = rigs.of(version, variant)
        hit = bool(expected(variant) & set(rig.found))
        caught += hit
        named = ", ".join(f"{rule} ({count})" for rule, count in sorted(rig.found.items())) or "-"
        rows.append(f"{variant.name:<40} {'yes' if hit else 'NO':<7} {named}")
    control = rigs.of(version, CORRECT)
    rows.append(f"catch rate: {caught}/{len(BROKEN[version])}; real mock: {sum(control.found.values())} violations")
    lawful = rigs.of(version, LAWFUL[version])
    rows.append(f"lawful variant ({LAWFUL[version].name}): {sum(lawful.found.values())} violations")
    return "\n".join(rows)


@pytest.mark.parametrize("version", specs.API_VERSIONS)
def test_the_real_mock_behind_the_proxy_breaks_no_rule(
    rigs: Rigs, version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with capsys.disabled():
        print("\n" + catch_table(rigs, version))
    rig = rigs.of(version, CORRECT)
    journal = rig.target("").request("GET", "/_mock/journal", query={"violations": "true"}).json()
    assert rig.found == {}, json.dumps(journal["entries"][:3], indent=1)[:6000]


@pytest.mark.parametrize("version", specs.API_VERSIONS)
def test_a_lawful_difference_is_not_flagged(rigs: Rigs, version: str) -> None:
    assert rigs.of(version, LAWFUL[version]).found == {}


@pytest.mark.parametrize(
    ("version", "variant"),
    [(version, variant) for version in specs.API_VERSIONS for variant in BROKEN[version]],
    ids=[f"{version}-{variant.name}" for version in specs.API_VERSIONS for variant in BROKEN[version]],
)
def test_the_proxy_names_the_rule_a_broken_mock_breaks(rigs: Rigs, version: str, variant: Variant) -> None:
    rig = rigs.of(version, variant)
    assert expected(variant) & set(rig.found), (
        f"{variant.name!r}: named {rig.found}, expected one of {expected(variant)}"
    )
