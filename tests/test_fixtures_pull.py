"""fixtures pull: from the mock (directly, or through a proxy that drops, throttles or strips), and as a CLI."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from fixtures.io import read_records
from fixtures.pull import PullReport, pull_records
from fixtures.pull_state import PART_SUFFIX, STATE_SUFFIX, PullError
from fixtures.target import RetryPolicy, Target, TargetError
from tests.conftest import AUTH, ClientFactory, RunningCli

API = "/v1/retrievers/interactions"
NS = AUTH["X-Namespace"]
FAST = RetryPolicy(retries=3, backoff=0.001)
FIXTURES = shutil.which("fixtures") or "fixtures"
ServerFactory = Callable[..., Awaitable[TestServer]]


async def export(client: TestClient[Any, Any], namespace: str = NS) -> list[bytes]:
    """The namespace's stored records, as the export endpoint gives them (the truth a pull is held to)."""
    return (await (await client.get(f"/_mock/namespaces/{namespace}/export")).read()).splitlines()


def target(url: Any, namespace: str = NS) -> Target:
    return Target(str(url).rstrip("/"), "test-key", namespace)


def part(output: Path) -> list[bytes]:
    return Path(f"{output}{PART_SUFFIX}").read_bytes().splitlines()


async def pull(to: Target, output: Path, **options: Any) -> PullReport:
    report = PullReport()
    await pull_records(to, output, retry=options.pop("retry", FAST), report=report, **options)
    return report


class Proxy:
    """A target in front of the mock: forwards list requests, and breaks on the way as told."""

    def __init__(self, upstream: TestClient[Any, Any]) -> None:
        self.upstream = upstream
        self.asked: list[dict[str, str]] = []  # the query of every list request that came
        self.forwarded = 0
        self.drop_after: int | None = None  # answers forwarded before every connection is dropped
        self.strip: tuple[str, ...] = ()  # pagination keys taken out of each answer
        self.refuse: dict[int, int] = {}  # request number (1-based) -> status answered instead

    async def list(self, request: web.Request) -> web.StreamResponse:
        self.asked.append(dict(request.query))
        refused = self.refuse.get(len(self.asked))
        if refused is not None:
            body = {"success": False, "status": refused, "error": {"message": "not now", "type": "E", "details": None}}
            return web.json_response(body, status=refused, headers={"Retry-After": "0"})
        if self.drop_after is not None and self.forwarded >= self.drop_after:
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        self.forwarded += 1
        headers = {name: request.headers[name] for name in ("Authorization", "X-Namespace")}
        answer = await self.upstream.post(request.path_qs, data=await request.read(), headers=headers)
        body = orjson.loads(await answer.read())
        for key in self.strip:
            body["pagination"].pop(key, None)
        return web.Response(body=orjson.dumps(body), status=answer.status, content_type="application/json")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(f"{API}/list", self.list)
        return app


async def proxy_to(aiohttp_server: ServerFactory, client: TestClient[Any, Any]) -> tuple[Proxy, Target]:
    proxy = Proxy(client)
    server = await aiohttp_server(proxy.app())
    return proxy, target(server.make_url("/"))


# -- the puller, against the mock ----------------------------------------------------------


async def test_a_10k_namespace_is_pulled_byte_for_byte_by_cursor(make_client: ClientFactory, tmp_path: Path) -> None:
    client = await make_client(count=10_000, seed=5)
    output = tmp_path / "pulled.jsonl"
    report = await pull(target(client.make_url("/")), output)
    assert (report.pulled, report.total, report.pages, report.paging) == (10_000, 10_000, 10, "cursor")
    assert sorted(part(output)) == sorted(await export(client)), "every record once, as stored"


async def test_an_interrupted_pull_resumes_where_it_stopped(
    make_client: ClientFactory, aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    client = await make_client(count=10_000, seed=5)
    proxy, to = await proxy_to(aiohttp_server, client)
    proxy.drop_after = 4
    output = tmp_path / "pulled.jsonl"
    stopped = PullReport()
    with pytest.raises(TargetError, match=r"lost the connection to .* after 4 attempt"):
        await pull_records(to, output, retry=FAST, report=stopped)
    assert stopped.pulled == len(part(output)) == 4000
    saved = json.loads(Path(f"{output}{STATE_SUFFIX}").read_text())
    proxy.drop_after, proxy.asked = None, []
    report = await pull(to, output)
    assert proxy.asked[0]["cursor"] == saved["cursor"], "went on from the saved position, not from the start"
    assert (report.resumed, report.pulled, report.pages) == (4000, 10_000, 6)
    assert sorted(part(output)) == sorted(await export(client))


async def test_a_page_written_but_not_noted_is_asked_again_without_repeating_a_record(
    make_client: ClientFactory, aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    client = await make_client(count=2500, seed=5)
    proxy, to = await proxy_to(aiohttp_server, client)
    proxy.drop_after = 3
    output = tmp_path / "pulled.jsonl"
    state = Path(f"{output}{STATE_SUFFIX}")
    after_first: list[bytes] = []

    def note(report: PullReport) -> None:
        if report.pages == 1:
            after_first.append(state.read_bytes())

    with pytest.raises(TargetError):
        await pull_records(to, output, page_size=500, retry=FAST, on_progress=note)
    # As if the run had stopped after writing pages 2 and 3 and half a line, before noting them.
    state.write_bytes(after_first[0])
    with Path(f"{output}{PART_SUFFIX}").open("ab") as torn:
        torn.write(b'{"feature_id":"half a rec')
    proxy.drop_after = None
    report = await pull(to, output, page_size=500)
    assert report.resumed == 1500
    lines = part(output)
    assert len(lines) == len(set(lines)) == 2500
    assert sorted(lines) == sorted(await export(client))


async def test_429_and_503_are_retried_as_load_retries_them(
    make_client: ClientFactory, aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    client = await make_client(count=10_000, seed=5)
    proxy, to = await proxy_to(aiohttp_server, client)
    proxy.refuse = {1: 503, 3: 429, 4: 429, 9: 503, 14: 429}
    said: list[str] = []
    report = await pull(to, tmp_path / "pulled.jsonl", on_retry=said.append)
    assert (report.pulled, report.retries) == (10_000, 5)
    assert "answered 503; retry 1 of 3" in said[0] and "answered 429; retry 2 of 3" in said[2]
    assert sorted(part(tmp_path / "pulled.jsonl")) == sorted(await export(client))


@pytest.mark.parametrize(
    "strip", [("next_cursor",), ("next_cursor", "next_page"), ("next_cursor", "next_page", "total", "total_pages")]
)
async def test_a_server_without_next_cursor_is_paged_by_offset(
    make_client: ClientFactory, aiohttp_server: ServerFactory, tmp_path: Path, strip: tuple[str, ...]
) -> None:
    client = await make_client(count=2500, seed=5)
    proxy, to = await proxy_to(aiohttp_server, client)
    proxy.strip = strip
    report = await pull(to, tmp_path / "pulled.jsonl", page_size=300)
    assert report.paging == "offset"
    assert [asked["offset"] for asked in proxy.asked][:3] == ["0", "300", "600"]
    assert all("cursor" not in asked for asked in proxy.asked)
    assert sorted(part(tmp_path / "pulled.jsonl")) == sorted(await export(client))


@pytest.mark.parametrize(
    "filters",
    [
        {"metadata.device": "mobile"},
        {"AND": [{"field": "position", "operator": "lte", "value": 2}, {"NOT": [{"interaction_type": "view"}]}]},
    ],
)
async def test_filters_pull_what_the_filtered_list_answers(
    make_client: ClientFactory, tmp_path: Path, filters: dict[str, Any]
) -> None:
    client = await make_client(count=1500, seed=5)
    listed = await (await client.post(f"{API}/list?limit=1000", json={"filters": filters}, headers=AUTH)).json()
    assert 0 < listed["pagination"]["total"] < 1000
    report = await pull(target(client.make_url("/")), tmp_path / "f.jsonl", filters=filters, page_size=100)
    assert report.pulled == listed["pagination"]["total"]
    assert sorted(part(tmp_path / "f.jsonl")) == sorted(map(orjson.dumps, listed["results"]))


async def test_limit_caps_the_records_and_asks_no_more_than_it_needs(
    make_client: ClientFactory, aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    client = await make_client(count=2500, seed=5)
    proxy, to = await proxy_to(aiohttp_server, client)
    report = await pull(to, tmp_path / "some.jsonl", limit=1234, page_size=500)
    assert report.pulled == 1234 and [asked["limit"] for asked in proxy.asked] == ["500", "500", "234"]
    lines = part(tmp_path / "some.jsonl")
    assert len(set(lines)) == 1234 and set(lines) <= set(await export(client))


async def test_another_request_beside_an_unfinished_pull_is_refused(
    make_client: ClientFactory, aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    client = await make_client(count=1500)
    proxy, to = await proxy_to(aiohttp_server, client)
    proxy.drop_after = 1
    output = tmp_path / "pulled.jsonl"
    with pytest.raises(TargetError):
        await pull(to, output, page_size=500)
    with pytest.raises(PullError, match=r"unfinished pull of another request \(namespace \"test-ns\", not \"other\"\)"):
        await pull(target(to.base_url, "other"), output)
    with pytest.raises(PullError, match=r"filters null, not \{\"position\":1\}"):
        await pull(to, output, filters={"position": 1})


async def fake(aiohttp_server: ServerFactory, answer: Callable[[web.Request], web.Response]) -> Target:
    app = web.Application()

    async def handle(request: web.Request) -> web.Response:
        return answer(request)

    app.router.add_post(f"{API}/list", handle)
    return target((await aiohttp_server(app)).make_url("/"))


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda _: web.Response(text="hello"), "has no results list: is this the interactions API?"),
        (lambda _: web.json_response({"results": [{"no": "id"}]}), "holds a result that is no interaction with an id"),
        (
            lambda _: web.json_response({"results": [{"interaction_id": "a"}], "pagination": {"next_page": "x"}}),
            "3 pages in a row held only records pulled already .*: the server seems to ignore offset and cursor",
        ),
        (lambda _: web.json_response({"error": {"message": "who?"}}, status=401), "refused the API key: 401 who?"),
    ],
)
async def test_answers_no_pull_can_go_on_with_stop_it_and_leave_nothing_behind(
    aiohttp_server: ServerFactory, tmp_path: Path, answer: Callable[[web.Request], web.Response], message: str
) -> None:
    to = await fake(aiohttp_server, answer)
    with pytest.raises(TargetError, match=message):
        await pull(to, tmp_path / "x.jsonl")
    assert sorted(path.name for path in tmp_path.iterdir()) == (
        [] if "ignore" not in message else ["x.jsonl.pull-part", "x.jsonl.pull-state"]
    )


# -- the CLI --------------------------------------------------------------------------------


async def fixtures_cli(*args: str) -> tuple[int, str]:
    """``fixtures`` as a user runs it, in a subprocess; this loop serves the test's servers meanwhile."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FIXTURES_")}
    process = await asyncio.create_subprocess_exec(
        FIXTURES, *args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


def pull_args(to: Target | str, output: Path, *more: str, namespace: str = NS) -> list[str]:
    url = to.base_url if isinstance(to, Target) else to
    return [
        "pull",
        "--base-url",
        url,
        "--api-key",
        "test-key",
        "--namespace",
        namespace,
        "--output",
        str(output),
        *more,
    ]


@pytest.mark.parametrize("name", ["pulled.jsonl", "pulled.parquet", "pulled.json"])
async def test_the_cli_writes_jsonl_parquet_or_json_by_the_name_and_removes_its_sidecars(
    make_client: ClientFactory, tmp_path: Path, name: str
) -> None:
    client = await make_client(count=3000, seed=5)
    output = tmp_path / name
    status, stderr = await fixtures_cli(*pull_args(target(client.make_url("/")), output, "--page-size", "700"))
    assert status == 0, stderr
    assert (
        f"fixtures: pulled 3,000 records from {str(client.make_url('/')).rstrip('/')} (namespace 'test-ns') by cursor"
        in stderr
    )
    assert [path.name for path in tmp_path.iterdir()] == [name]
    exported = await export(client)
    by_id = {orjson.loads(line)["interaction_id"]: orjson.loads(line) for line in exported}
    records = list(read_records(output))
    assert len(records) == 3000 and all(by_id[r["interaction_id"]] == r for r in records)
    if name.endswith(".jsonl"):
        assert sorted(output.read_bytes().splitlines()) == sorted(exported)


async def test_the_cli_stops_with_1_and_resumes_when_run_again(
    make_client: ClientFactory, aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    client = await make_client(count=3000, seed=5)
    proxy, to = await proxy_to(aiohttp_server, client)
    proxy.drop_after = 2
    output = tmp_path / "pulled.jsonl"
    args = pull_args(to, output, "--page-size", "1000", "--retries", "1", "--backoff", "0")
    status, stderr = await fixtures_cli(*args)
    assert status == 1, stderr
    assert "fixtures: retrying: lost the connection to" in stderr and "Traceback" not in stderr
    assert f"2,000 records so far are kept in {output}.pull-part; run the same command again to resume" in stderr
    assert not output.exists()
    proxy.drop_after = None
    status, stderr = await fixtures_cli(*args)
    assert status == 0, stderr
    assert "pulled 3,000 records (2,000 of them by an earlier run)" in stderr
    assert sorted(output.read_bytes().splitlines()) == sorted(await export(client))
    assert [path.name for path in tmp_path.iterdir()] == ["pulled.jsonl"]


@pytest.mark.parametrize(
    ("more", "message"),
    [
        (["--filters", '{"AND": [}'], "argument --filters: not JSON"),
        (["--filters", "[1]"], "argument --filters: expected a JSON object, a filter tree such as"),
        (["--page-size", "1001"], "argument --page-size: must be 1..1000, got 1001"),
        (["--limit", "-1"], "argument --limit: must be 0 or more, got -1"),
        (["--format", "xml"], "argument --format: choose one of jsonl, json, parquet, got 'xml'"),
        (["--base-url", "localhost:1"], "base URL must look like http://host:port, got 'localhost:1'"),
        (
            ["--output", "/no/such/dir/x.jsonl"],
            "cannot write /no/such/dir/x.jsonl: directory /no/such/dir does not exist",
        ),
        (["--output", "-"], "pull needs --output FILE (or FIXTURES_OUTPUT)"),
    ],
)
async def test_usage_errors_exit_2_naming_the_option(tmp_path: Path, more: list[str], message: str) -> None:
    status, stderr = await fixtures_cli(*pull_args("http://127.0.0.1:9", tmp_path / "x.jsonl"), *more)
    assert status == 2 and message in stderr and "Traceback" not in stderr, stderr
    assert list(tmp_path.iterdir()) == []


async def test_a_missing_key_exits_2() -> None:
    status, stderr = await fixtures_cli("pull", "--namespace", "n", "--output", "x.jsonl")
    assert status == 2 and "pull needs --api-key (or FIXTURES_API_KEY)" in stderr


async def test_what_the_server_refuses_exits_2_with_its_words(
    make_client: ClientFactory, aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    keyed = await make_client(api_keys=frozenset({"right"}), namespaces=frozenset({NS}))
    output = tmp_path / "x.jsonl"
    nothing = await aiohttp_server(web.Application())
    cases = [
        (
            pull_args("http://127.0.0.1:9", output, "--retries", "0"),
            "cannot reach http://127.0.0.1:9/v1/retrievers/interactions/list after 1 attempt(s)",
        ),
        (pull_args(target(keyed.make_url("/")), output), "the server refused the API key: 401 "),
        (pull_args(str(nothing.make_url("/")).rstrip("/"), output), "no interactions API at "),
    ]
    for args, message in cases:
        status, stderr = await fixtures_cli(*args)
        assert status == 2 and message in stderr and "Traceback" not in stderr, stderr
    open_mock = await make_client(namespaces=frozenset({NS}))
    url = target(open_mock.make_url("/"))
    status, stderr = await fixtures_cli(*pull_args(url, output, namespace="elsewhere"))
    assert status == 2 and "the server does not serve namespace 'elsewhere': 404 " in stderr, stderr
    status, stderr = await fixtures_cli(*pull_args(url, output, "--filters", '{"AND": []}'))
    assert status == 2, stderr
    assert (
        "the server refused the list request (limit=1000&offset=0&include_total=true): 422 body.filters.AND" in stderr
    )
    assert list(tmp_path.iterdir()) == [], "nothing pulled: nothing kept to resume"


async def test_a_state_file_that_is_no_pull_state_exits_2(tmp_path: Path) -> None:
    output = tmp_path / "x.jsonl"
    Path(f"{output}{STATE_SUFFIX}").write_text("{not json")
    status, stderr = await fixtures_cli(*pull_args("http://127.0.0.1:9", output))
    assert status == 2 and f"cannot read {output}.pull-state" in stderr and "delete it to start afresh" in stderr


async def test_a_pulled_file_served_with_data_answers_as_the_source_did(
    make_client: ClientFactory, cli: Callable[..., RunningCli], tmp_path: Path
) -> None:
    source = await make_client(count=1000, seed=9)
    for position in range(3):
        await source.post(
            API, json={"feature_id": "doc_1", "interaction_type": ["click"], "position": position}, headers=AUTH
        )
    output = tmp_path / "staging.jsonl"
    status, stderr = await fixtures_cli(*pull_args(target(source.make_url("/")), output))
    assert status == 0, stderr
    served = cli("--data", str(output), "--quiet")
    async with aiohttp.ClientSession(served.url) as again:
        for line in output.read_bytes().splitlines()[::25]:
            path = f"{API}/{orjson.loads(line)['interaction_id']}"
            ours = await (await source.get(path, headers=AUTH)).read()
            async with again.get(path, headers=AUTH) as answer:
                assert await answer.read() == ours == line
        for query in ("?limit=1000", "?limit=100&offset=900"):
            ours = await (await source.post(f"{API}/list{query}", json={}, headers=AUTH)).read()
            async with again.post(f"{API}/list{query}", json={}, headers=AUTH) as answer:
                assert await answer.read() == ours


def test_the_readme_pull_then_serve_example_works(cli: Callable[..., RunningCli], tmp_path: Path) -> None:
    staging = cli("--count", "2000", "--seed", "7", "--quiet")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FIXTURES_")}
    pulled = subprocess.run(
        [FIXTURES, "pull", "--base-url", staging.url, "--api-key", "dev", "--namespace", "demo",
         "--output", "staging.jsonl"],
        cwd=tmp_path, capture_output=True, text=True, env=environment, timeout=120,
    )  # fmt: skip
    assert pulled.returncode == 0, pulled.stderr
    served = cli("--data", str(tmp_path / "staging.jsonl"), "--quiet")
    curl = ["curl", "-s", "-H", "Authorization: Bearer dev", "-H", "X-Namespace: demo"]
    exported = subprocess.run(
        [*curl, f"{served.url}/_mock/namespaces/demo/export?format=jsonl"], capture_output=True, check=True, timeout=60
    ).stdout
    assert exported == (tmp_path / "staging.jsonl").read_bytes(), "served as pulled, in the file's order"
    original = subprocess.run(
        [*curl, f"{staging.url}/_mock/namespaces/demo/export"], capture_output=True, check=True, timeout=60
    ).stdout
    assert sorted(exported.splitlines()) == sorted(original.splitlines())
