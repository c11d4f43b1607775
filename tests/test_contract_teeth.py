"""Proof that the contract suites have teeth: each deliberately broken mock is caught, the real one is not.

Every variant is the real mock behind a small reverse proxy that bends requests or answers
in one documented way (a sort that ignores direction, a total that counts only the page,
NOT read as "not all", ...). The fast part of the suites (semantics, pagination, lifecycle,
auth; Schemathesis is left out for time) runs against each in a subprocess, exactly as a
user would run it against any implementation, and must fail naming the rule that was broken.
The suites run against the real mock too, and must pass. The catch rate is printed.

All of it runs for each API version (``--api-version``): the mock of that version behind the
proxies, and under 2026-11 three more variants, broken in what that version added (each run
only with the suite that can see it, to keep the time down), and a lawful one of its own.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from yarl import URL

import specs
from mockserver import Settings, create_app
from specs.oracle.reference import GEO_OPERATORS

ROOT = Path(__file__).resolve().parent.parent
SUITE_DIR = ROOT / "contract_tests"
# Cheapest first: with -x, a variant the lifecycle or auth tests catch needs no list properties at all.
SUITES = tuple(
    SUITE_DIR / name for name in ("test_auth.py", "test_lifecycle.py", "test_semantics.py", "test_pagination.py")
)
AUTH, LIFECYCLE, SEMANTICS, PAGINATION = SUITES
SCHEMA = SUITE_DIR / "test_schema.py"
# Schemathesis is where the mock's own bounds were once held against other servers.
SHAPE_SUITES = (*SUITES, SCHEMA, SUITE_DIR / "test_stateful.py")
VERSIONS = specs.API_VERSIONS
# Plugins the suites do not use, left out to start each run faster.
UNUSED_PLUGINS = ("schemathesis", "mixpeek_mock", "xdist", "benchmark", "faker", "cacheprovider")
API_KEY = "teeth-key"
EXAMPLES = 20
RUN_TIMEOUT_S = 150
NO_BODY: Any = object()
_HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "accept-encoding"}


@dataclass(frozen=True)
class Call:
    """A request as the proxy forwards it: JSON body decoded, so a variant can bend it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = NO_BODY

    @property
    def lists(self) -> bool:
        return self.method == "POST" and self.path.endswith("/interactions/list") and isinstance(self.body, dict)


def _same(call: Call) -> Call:
    return call


def _unchanged(call: Call, status: int, body: Any) -> Any:
    return body


@dataclass(frozen=True)
class Variant:
    name: str
    rules: frozenset[str]  # the suites must name at least one of these
    request: Callable[[Call], Call] = _same
    answer: Callable[[Call, int, Any], Any] = _unchanged  # gets the request as the client sent it
    # The suites that can see the break; a 2025-12 variant runs all four under 2025-12, as it always has (and
    # only these under 2026-11, where the suites take longer).
    seen_by: tuple[Path, ...] = SUITES
    # Started otherwise than the mock the other variants bend (Settings fields), when the break is an option.
    upstream: tuple[tuple[str, Any], ...] = ()


# The broken behaviours, each written as the smallest bend of a correct answer.


def _sort_ignores_direction(call: Call) -> Call:
    if call.lists and isinstance(call.body.get("sort"), dict):
        return replace(call, body={**call.body, "sort": {**call.body["sort"], "direction": "asc"}})
    return call


def _offset_off_by_one(call: Call) -> Call:
    offset = int(call.query.get("offset", "0") or 0)
    if call.lists and offset > 0:
        return replace(call, query={**call.query, "offset": str(offset + 1)})
    return call


def _total_counts_the_page(call: Call, status: int, body: Any) -> Any:
    if call.lists and status == 200:
        block = body["pagination"]
        total = len(body["results"])
        body["pagination"] = {**block, "total": total, "total_pages": math.ceil(total / block["page_size"])}
    return body


def _not_as_not_all(node: Any) -> Any:
    """NOT [a, b] -> NOT [AND [a, b]]: true when not all children hold, instead of when none does."""
    if isinstance(node, list):
        return [_not_as_not_all(child) for child in node]
    if not isinstance(node, dict) or "field" in node:
        return node
    bent = {key: _not_as_not_all(value) if key in ("AND", "OR", "NOT") else value for key, value in node.items()}
    if isinstance(bent.get("NOT"), list) and len(bent["NOT"]) > 1:
        bent["NOT"] = [{"AND": bent["NOT"]}]
    return bent


def _not_evaluated_as_not_all(call: Call) -> Call:
    if call.lists and call.body.get("filters"):
        return replace(call, body={**call.body, "filters": _not_as_not_all(call.body["filters"])})
    return call


def _interaction_type_needs_exact_list(call: Call) -> Call:
    if not call.lists or call.body.get("interaction_type") is None:
        return call
    body = dict(call.body)
    exact = {"field": "interaction_type", "operator": "eq", "value": [body.pop("interaction_type")]}
    body["filters"] = {"AND": [exact] + ([body["filters"]] if body.get("filters") else [])}
    return replace(call, body=body)


def _namespaces_leak(call: Call) -> Call:
    if call.headers.get("X-Namespace", "").strip():
        return replace(call, headers={**call.headers, "X-Namespace": "one-for-all"})
    return call


def _delete_only_reads(call: Call) -> Call:
    return replace(call, method="GET") if call.method == "DELETE" else call


def _delete_confirms_anyway(call: Call, status: int, body: Any) -> Any:
    if call.method == "DELETE" and status == 200:
        return {"success": True, "interaction_id": body["interaction_id"], "message": "deleted"}
    return body


def _case_sensitive_by_default(call: Call) -> Call:
    filters = call.body.get("filters") if call.lists else None
    if isinstance(filters, dict) and filters.get("case_sensitive") is None:
        return replace(call, body={**call.body, "filters": {**filters, "case_sensitive": True}})
    return call


def _no_next_page(call: Call, status: int, body: Any) -> Any:
    if call.lists and status == 200:
        body["pagination"]["next_page"] = None
    return body


def _no_items(call: Call, status: int, body: Any) -> Any:
    if call.lists and status == 200:
        body.pop("items", None)
    return body


def _failed_items_reported_created(call: Call, status: int, body: Any) -> Any:
    if call.method == "POST" and call.path.endswith("/interactions/batch") and status == 200:
        for result in body["results"]:
            result["status"] = "created"
        body.update(created=len(body["results"]), failed=0, errors=[])
    return body


def _no_token_needed(call: Call) -> Call:
    if "Authorization" not in call.headers:
        return replace(call, headers={**call.headers, "Authorization": f"Bearer {API_KEY}"})
    return call


# A lawful difference: the documented models bound these integers below only, so an implementation
# may keep values past 64 bits (the mock refuses them). Beyond its range the proxy stores 1 in the
# mock and puts the client's value back into every answer that carries the record.
_WIDE_FIELDS = ("position", "result_set_size")
_INT64 = 2**63 - 1
_wide_values: dict[str, dict[str, int]] = {}


def _wide(body: Any) -> dict[str, int]:
    if not isinstance(body, dict):
        return {}
    return {k: v for k in _WIDE_FIELDS if type(v := body.get(k)) is int and abs(v) > _INT64}


def _stores_wide_integers(call: Call) -> Call:
    if call.method == "POST" and call.path.endswith("/interactions") and _wide(call.body):
        return replace(call, body={**call.body, **dict.fromkeys(_wide(call.body), 1)})
    return call


def _echoes_wide_integers(call: Call, status: int, body: Any) -> Any:
    if status == 200 and call.method == "POST" and call.path.endswith("/interactions") and _wide(call.body):
        _wide_values[body["interaction_id"]] = _wide(call.body)
    records = body.get("results", []) + body.get("items", []) if isinstance(body, dict) else []
    for record in [body, *records]:
        if isinstance(record, dict) and record.get("interaction_id") in _wide_values:
            record.update(_wide_values[record["interaction_id"]])
    return body


# API version 2026-11: what it added, broken.


def _creates(call: Call) -> list[dict[str, Any]]:
    """The interactions a create or batch request carries (empty for any other request)."""
    if call.method != "POST" or not isinstance(call.body, dict):
        return []
    if call.path.endswith("/interactions"):
        return [call.body]
    items = call.body.get("interactions") if call.path.endswith("/interactions/batch") else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _occurred_at_ignored(call: Call) -> Call:
    if not any("occurred_at" in item for item in _creates(call)):
        return call
    body = json.loads(json.dumps(call.body))
    for item in _creates(replace(call, body=body)):
        item.pop("occurred_at", None)
    return replace(call, body=body)


def _bend_geo(node: Any, bend: Callable[[str, Any], Any]) -> Any:
    """A filter tree with every geo operand (of a condition or in shorthand) replaced by ``bend(operator, operand)``."""
    if isinstance(node, list):
        return [_bend_geo(child, bend) for child in node]
    if not isinstance(node, dict):
        return node
    if node.get("operator") in GEO_OPERATORS:
        return {**node, "value": bend(node["operator"], node.get("value"))}
    return {key: bend(key, value) if key in GEO_OPERATORS else _bend_geo(value, bend) for key, value in node.items()}


def _bending_geo(bend: Callable[[str, Any], Any]) -> Callable[[Call], Call]:
    def request(call: Call) -> Call:
        if call.lists and call.body.get("filters"):
            return replace(call, body={**call.body, "filters": _bend_geo(call.body["filters"], bend)})
        return call

    return request


def _radius_times_ten(operator: str, operand: Any) -> Any:
    if operator == "geo_radius" and isinstance(operand, dict):
        return {**operand, "radius": operand["radius"] * 10}
    return operand


def _another_shape(operator: str, operand: Any) -> Any:
    """What a server whose geo operands are written otherwise reads Qdrant's as: nothing it knows (the mock: 422)."""
    return {"shape": operand, "unit": "km"}


VARIANTS_2026_11 = (
    Variant(
        "dedup that stores",
        frozenset({"dedup.repeat"}),
        seen_by=(LIFECYCLE,),
        upstream=(("dedup_window_s", 0.0),),
    ),
    Variant(
        "occurred_at ignored",
        frozenset({"backfill.occurred_at", "sort.occurred_at"}),
        request=_occurred_at_ignored,
        seen_by=(LIFECYCLE,),
    ),
    Variant(
        "geo radius off by a factor",
        frozenset({"filter.geo_radius"}),
        request=_bending_geo(_radius_times_ten),
        seen_by=(SEMANTICS,),
    ),
)

CORRECT = Variant("the real mock (control)", frozenset())
# Implementations that differ from the mock only where the contract leaves them free: never reported.
LAWFUL = {
    specs.SEED_VERSION: Variant(
        "keeps integers past 64 bits",
        frozenset(),
        request=_stores_wide_integers,
        answer=_echoes_wide_integers,
        seen_by=SHAPE_SUITES,
    ),
    # The client does not state the geo operands: a server that refuses Qdrant's is not told it breaks a rule.
    specs.V2026_11: Variant(
        "refuses Qdrant-shaped geo operands",
        frozenset(),
        request=_bending_geo(_another_shape),
        seen_by=(SEMANTICS, SCHEMA),
    ),
}
VARIANTS = (
    # From 2026-11 the sort drawn may be on occurred_at, whose rule is its own.
    Variant(
        "sort ignores direction",
        frozenset({"sort", "sort.occurred_at"}),
        request=_sort_ignores_direction,
        seen_by=(SEMANTICS,),
    ),
    # Shifting the offset also shifts the page number the block reports, so either symptom may surface first.
    Variant(
        "offset off by one",
        frozenset({"page.slice", "page.walk", "page.numbers"}),
        request=_offset_off_by_one,
        seen_by=(PAGINATION,),
    ),
    # From 2026-11 a total given when it was not asked for is a symptom too.
    Variant(
        "total counts only the page",
        frozenset({"page.total", "page.include_total"}),
        answer=_total_counts_the_page,
        seen_by=(PAGINATION,),
    ),
    Variant(
        "NOT evaluated as not all",
        frozenset({"filter.NOT"}),
        request=_not_evaluated_as_not_all,
        seen_by=(SEMANTICS,),
    ),
    Variant(
        "interaction_type needs the exact list",
        frozenset({"simple.interaction_type"}),
        request=_interaction_type_needs_exact_list,
        seen_by=(SEMANTICS,),
    ),
    Variant("namespaces leak", frozenset({"namespace.isolation"}), request=_namespaces_leak, seen_by=(LIFECYCLE,)),
    Variant(
        "delete does not delete",
        frozenset({"delete.gone"}),
        request=_delete_only_reads,
        answer=_delete_confirms_anyway,
        seen_by=(LIFECYCLE,),
    ),
    Variant(
        "case-sensitive by default",
        frozenset({"filter.case_sensitive"}),
        request=_case_sensitive_by_default,
        seen_by=(SEMANTICS,),
    ),
    Variant(
        "next_page always null", frozenset({"page.links", "page.walk"}), answer=_no_next_page, seen_by=(PAGINATION,)
    ),
    Variant("items left out", frozenset({"page.items"}), answer=_no_items, seen_by=(SEMANTICS,)),
    Variant("no token needed", frozenset({"auth.missing"}), request=_no_token_needed, seen_by=(AUTH,)),
    Variant(
        "failed batch items reported created",
        frozenset({"batch.partial"}),
        answer=_failed_items_reported_created,
        seen_by=(LIFECYCLE,),
    ),
)
BROKEN = {specs.SEED_VERSION: VARIANTS, specs.V2026_11: (*VARIANTS, *VARIANTS_2026_11)}


# Serving: the mock and one proxy per variant, all on one event loop in a background thread.


class Loop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="teeth", daemon=True)
        self.thread.start()
        self.runners: list[web.AppRunner] = []

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def serve(self, app: web.Application) -> str:
        async def start() -> str:
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            self.runners.append(runner)
            return f"http://127.0.0.1:{runner.addresses[0][1]}"

        url: str = self.run(start())
        return url

    def close(self) -> None:
        for runner in self.runners:
            self.run(runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def proxy(upstream: str, variant: Variant) -> web.Application:
    """The real mock, seen through one bend."""
    session: dict[str, ClientSession] = {}

    async def forward(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else NO_BODY
        except ValueError:
            body = NO_BODY
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        # The path as sent (percent-encoded), so that it reaches the mock byte for byte.
        sent = Call(request.method, request.rel_url.raw_path, dict(request.query), headers, body)
        call = variant.request(sent)
        data = raw if call.body is NO_BODY or call.body is body else json.dumps(call.body).encode()
        async with session["client"].request(
            call.method, URL(upstream + call.path, encoded=True), params=call.query, headers=call.headers, data=data
        ) as answer:
            payload, status = await answer.read(), answer.status
        if answer.content_type == "application/json":
            payload = json.dumps(variant.answer(sent, status, json.loads(payload))).encode()
        return web.Response(body=payload, status=status, content_type=answer.content_type)

    async def client(app: web.Application) -> Any:
        session["client"] = ClientSession(auto_decompress=True)
        yield
        await session["client"].close()

    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.cleanup_ctx.append(client)
    app.router.add_route("*", r"/{tail:[\s\S]*}", forward)  # any path, one with a newline too
    return app


@dataclass
class Outcome:
    variant: Variant
    returncode: int
    seconds: float
    output: str
    named: frozenset[str] = field(default=frozenset())

    @property
    def caught(self) -> bool:
        return self.returncode == 1 and bool(self.named & self.variant.rules)


def suites(variant: Variant, version: str) -> tuple[Path, ...]:
    return SUITES if version == specs.SEED_VERSION and variant in VARIANTS else variant.seen_by


def run_suites(url: str, variant: Variant, version: str, workdir: Path) -> Outcome:
    """The suites against one variant, in a subprocess with its own Hypothesis database."""
    workdir.mkdir()
    namespace = "teeth-" + re.sub(r"\W+", "-", variant.name)
    command = [
        sys.executable,
        "-m",
        "pytest",
        *map(str, suites(variant, version)),
        f"--base-url={url}",
        f"--api-key={API_KEY}",
        f"--namespace={namespace}",
        f"--api-version={version}",
        f"--contract-examples={EXAMPLES}",
        "--hypothesis-seed=0",
        # One named failure is proof enough; a minimal example is not needed here.
        "-x",
        "--contract-no-shrink",
        "-q",
        *(option for plugin in UNUSED_PLUGINS for option in ("-p", f"no:{plugin}")),
    ]
    started = time.monotonic()
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)
    output = done.stdout + done.stderr
    named = frozenset(re.findall(r"Broken rule \[([\w.]+)\]", output))
    return Outcome(variant, done.returncode, time.monotonic() - started, output, named)


class Teeth:
    """The mocks and proxies of every variant, on one event loop; each version's runs made when first asked."""

    def __init__(self, base: Path) -> None:
        self.loop = Loop()
        self.base = base
        self.outcomes: dict[str, dict[str, Outcome]] = {}

    def of(self, version: str) -> dict[str, Outcome]:
        """Each variant's outcome under API version ``version``, by name (the control and the lawful one too)."""
        if version not in self.outcomes:
            self.outcomes[version] = self._run(version)
        return self.outcomes[version]

    def _run(self, version: str) -> dict[str, Outcome]:
        mocks: dict[tuple[tuple[str, Any], ...], str] = {}
        variants = (CORRECT, LAWFUL[version], *BROKEN[version])
        urls = {}
        for variant in variants:
            if variant.upstream not in mocks:
                settings = Settings(
                    port=0,
                    count=50,
                    api_keys=frozenset({API_KEY}),
                    quiet=True,
                    api_version=version,
                    **dict(variant.upstream),
                )
                mocks[variant.upstream] = self.loop.serve(create_app(settings))
            urls[variant.name] = self.loop.serve(proxy(mocks[variant.upstream], variant))
        workdir = self.base / version
        workdir.mkdir()
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {
                v.name: pool.submit(run_suites, urls[v.name], v, version, workdir / f"run{i}")
                for i, v in enumerate(variants)
            }
            return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def teeth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Teeth]:
    made = Teeth(tmp_path_factory.mktemp("teeth"))
    try:
        yield made
    finally:
        made.loop.close()


def catch_table(outcomes: dict[str, Outcome], version: str) -> str:
    rows = [f"API version {version}", f"{'broken variant':<40} {'caught':<7} {'s':>5}  rules named"]
    for variant in BROKEN[version]:
        outcome = outcomes[variant.name]
        named = ", ".join(sorted(outcome.named)) or "-"
        rows.append(f"{variant.name:<40} {'yes' if outcome.caught else 'NO':<7} {outcome.seconds:>5.1f}  {named}")
    caught = sum(outcomes[v.name].caught for v in BROKEN[version])
    control, lawful = outcomes[CORRECT.name], outcomes[LAWFUL[version].name]
    verdict = "passes" if control.returncode == 0 else "FAILS"
    rows.append(f"catch rate: {caught}/{len(BROKEN[version])}; real mock: {verdict} ({control.seconds:.1f} s)")
    said = "not reported" if lawful.returncode == 0 else "REPORTED"
    rows.append(f"lawful variant ({LAWFUL[version].name}): {said} ({lawful.seconds:.1f} s)")
    return "\n".join(rows)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_suites_pass_against_the_real_mock(teeth: Teeth, version: str, capsys: pytest.CaptureFixture[str]) -> None:
    outcomes = teeth.of(version)
    with capsys.disabled():
        print("\n" + catch_table(outcomes, version))
    control = outcomes[CORRECT.name]
    assert control.returncode == 0, f"the suites fail against the real mock:\n{control.output[-6000:]}"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_lawful_difference_is_not_reported(teeth: Teeth, version: str) -> None:
    lawful = LAWFUL[version]
    outcome = teeth.of(version)[lawful.name]
    assert outcome.returncode == 0, f"{lawful.name!r} was reported:\n{outcome.output[-6000:]}"


@pytest.mark.parametrize(
    ("version", "variant"),
    [(version, variant) for version in VERSIONS for variant in BROKEN[version]],
    ids=[f"{version}-{variant.name}" for version in VERSIONS for variant in BROKEN[version]],
)
def test_the_suites_catch_a_broken_mock(teeth: Teeth, version: str, variant: Variant) -> None:
    outcome = teeth.of(version)[variant.name]
    assert outcome.caught, (
        f"{variant.name!r} was not caught under {version}: exit {outcome.returncode}, rules named "
        f"{sorted(outcome.named)}, expected one of {sorted(variant.rules)}\n{outcome.output[-6000:]}"
    )
