"""The verifying proxy as an app meets it: answers pass through unchanged, violations are reported where the
README says (stderr once, the journal, /_mock/violations, a 502 under --proxy-strict), --record keeps what the
answers carry, and a recorded namespace served offline answers the recorded lists as the target did."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient

from mockserver import Settings
from mockserver.cli import settings_from_args
from mockserver.verifier import Exchange, Verifier
from tests.conftest import AUTH, ClientFactory

API = "/v1/retrievers/interactions"
Client = TestClient[Any, Any]
SESSION = web.AppKey("session", ClientSession)


def url_of(client: Client) -> str:
    return str(client.make_url("")).rstrip("/")


async def behind_proxy(make_client: ClientFactory, target: Client, **settings: Any) -> Client:
    return await make_client(proxy=url_of(target), **settings)


def without_items(target: str) -> web.Application:
    """A target whose list answers leave out ``items`` (a documented field): the real mock, bent."""

    async def forward(request: web.Request) -> web.Response:
        async with request.app[SESSION].request(
            request.method,
            target + request.rel_url.raw_path_qs,
            headers=dict(request.headers),
            data=await request.read(),
        ) as answer:
            body = await answer.json()
        if request.path.endswith("/list") and answer.status == 200:
            body.pop("items")
        return web.json_response(body, status=answer.status)

    async def session(app: web.Application) -> Any:
        app[SESSION] = ClientSession()
        yield
        await app[SESSION].close()

    app = web.Application()
    app.cleanup_ctx.append(session)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


async def test_answers_come_back_unchanged(make_client: ClientFactory) -> None:
    target = await make_client(count=20)
    proxy = await behind_proxy(make_client, target)
    for method, path, body, headers in (
        ("POST", f"{API}/list?limit=3&offset=2", {"sort": {"field": "position"}}, AUTH),
        ("GET", f"{API}/no-such-id", None, AUTH),
        ("POST", API, {"feature_id": 7}, AUTH),
        ("POST", f"{API}/list", {}, {"X-Namespace": "test-ns"}),
        ("POST", f"{API}/list?limit=2", {}, {**AUTH, "Prefer": "code=429"}),
    ):
        direct = await target.request(method, path, json=body, headers=headers)
        proxied = await proxy.request(method, path, json=body, headers=headers)
        assert proxied.status == direct.status, path
        assert await proxied.read() == await direct.read(), path
        for name in ("Content-Type", "Retry-After", "Allow"):
            assert proxied.headers.get(name) == direct.headers.get(name), (path, name)
    assert (await (await proxy.get("/_mock/violations")).json())["violations"] == 0


async def test_a_violation_is_reported_once_journalled_counted_and_reset(
    make_client: ClientFactory, aiohttp_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    target = await make_client(count=5)
    bent = await aiohttp_server(without_items(url_of(target)))
    proxy = await make_client(proxy=str(bent.make_url("")).rstrip("/"))
    with caplog.at_level(logging.WARNING, logger="mockserver.proxy"):
        answer = await proxy.post(f"{API}/list?limit=2", json={}, headers=AUTH)
        await proxy.get(f"{API}/missing", headers=AUTH)
    assert answer.status == 200 and "items" not in await answer.json()  # passed on, not repaired
    said = [r.getMessage() for r in caplog.records if "contract violation" in r.getMessage()]
    assert len(said) == 1 and "[page.items]" in said[0] and "curl" in said[0]
    summary = await (await proxy.get("/_mock/violations")).json()
    assert summary["checked"] == 2 and summary["violations"] == 1 and summary["rules"] == {"page.items": 1}
    flagged = (await (await proxy.get("/_mock/journal", params={"violations": "true"})).json())["entries"]
    assert [e["path"] for e in flagged] == [f"{API}/list"]
    violation = flagged[0]["violations"][0]
    assert violation["rule"] == "page.items" and violation["request"]["namespace"] == "test-ns"
    assert violation["curl"].startswith("curl -sS -X POST") and "$API_KEY" in violation["curl"]
    assert "test-key" not in violation["curl"]
    clean = (await (await proxy.get("/_mock/journal", params={"violations": "false"})).json())["entries"]
    assert [e["path"] for e in clean] == [f"{API}/missing"] and clean[0]["violations"] == []
    await proxy.post("/_mock/reset")
    assert (await (await proxy.get("/_mock/violations")).json())["violations"] == 0


async def test_strict_turns_a_violating_answer_into_a_502_naming_the_rule(
    make_client: ClientFactory, aiohttp_server: Any
) -> None:
    target = await make_client(count=5)
    bent = await aiohttp_server(without_items(url_of(target)))
    proxy = await make_client(proxy=str(bent.make_url("")).rstrip("/"), proxy_strict=True)
    answer = await proxy.post(f"{API}/list?limit=2", json={}, headers=AUTH)
    body = await answer.json()
    assert answer.status == 502 and body["error"]["type"] == "BadGatewayError"
    assert "page.items" in body["error"]["message"]
    assert body["error"]["details"]["violations"][0]["rule"] == "page.items"
    kept = await proxy.get(f"{API}/nothing-here", headers=AUTH)  # an answer that keeps the contract passes
    assert kept.status == 404


async def test_an_unreachable_target_is_a_502_naming_it(make_client: ClientFactory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proxy = await make_client(proxy=f"http://127.0.0.1:{port}")
    answer = await proxy.post(f"{API}/list", json={}, headers=AUTH)
    body = await answer.json()
    assert answer.status == 502 and f"127.0.0.1:{port}" in body["error"]["message"]
    assert body["error"]["type"] == "BadGatewayError"


async def test_the_mock_is_no_proxy_without_the_option(client: Client) -> None:
    summary = await (await client.get("/_mock/violations")).json()
    assert summary == {"target": None, "checked": 0, "violations": 0, "rules": {}}


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--record"], "give --proxy URL too"),
        (["--proxy-strict"], "give --proxy URL too"),
        (["--proxy", "ftp://example.com"], "expected the target's base URL"),
        (["--proxy", "example.com"], "expected the target's base URL"),
        (["--proxy", "http://example.com/?a=1"], "expected the target's base URL"),
    ],
)
def test_bad_proxy_options_are_refused_by_name(argv: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        settings_from_args(argv)
    assert stopped.value.code == 2 and words in capsys.readouterr().err


def test_settings_refuse_recording_without_a_target() -> None:
    with pytest.raises(ValueError, match="need a proxy target"):
        Settings(record=True)


async def test_record_keeps_what_answers_carry_and_forgets_deletes(make_client: ClientFactory) -> None:
    target = await make_client(count=30)
    proxy = await behind_proxy(make_client, target, record=True)
    assert (await (await proxy.get("/_mock/namespaces")).json())["namespaces"] == []
    created = await (
        await proxy.post(API, json={"feature_id": "f", "interaction_type": ["click"], "position": 0}, headers=AUTH)
    ).json()
    listed = await (await proxy.post(f"{API}/list?limit=5", json={}, headers=AUTH)).json()
    ids = {created["interaction_id"], *(r["interaction_id"] for r in listed["results"])}
    await proxy.delete(f"{API}/{created['interaction_id']}", headers=AUTH)
    exported = await (await proxy.get("/_mock/namespaces/test-ns/export")).read()
    kept = {json.loads(line)["interaction_id"] for line in exported.splitlines()}
    assert kept == ids - {created["interaction_id"]}


async def walk(client: Client, request: dict[str, Any], limit: int) -> tuple[list[bytes], int]:
    """Every page of a list (by next_page), each record's bytes in order, and the total."""
    records: list[bytes] = []
    path: str | None = f"{API}/list?limit={limit}"
    total = 0
    while path is not None:
        body = await (await client.post(path, json=request, headers=AUTH)).json()
        records += [json.dumps(r, sort_keys=True).encode() for r in body["results"]]
        total, path = body["pagination"]["total"], body["pagination"]["next_page"]
    return records, total


async def test_recorded_lists_answer_offline_as_they_did_online(make_client: ClientFactory, tmp_path: Path) -> None:
    target = await make_client(count=300, seed=7)
    proxy = await behind_proxy(make_client, target, record=True)
    asked = [
        ({"filters": {"metadata.device": "mobile"}, "sort": {"field": "position", "direction": "desc"}}, 25),
        ({"interaction_type": "click", "search": "a"}, 40),
    ]
    online = [await walk(proxy, request, limit) for request, limit in asked]
    recorded = tmp_path / "recorded.jsonl"
    recorded.write_bytes(await (await proxy.get("/_mock/namespaces/test-ns/export?format=jsonl")).read())
    assert (await (await proxy.get("/_mock/violations")).json())["violations"] == 0
    offline_mock = await make_client(data_file=recorded)
    offline = [await walk(offline_mock, request, limit) for request, limit in asked]
    assert offline == online
    assert all(total > limit for (_, total), (_, limit) in zip(online, asked, strict=True))  # several pages each


async def test_a_fault_of_the_judge_costs_the_app_nothing(
    make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    target = await make_client(count=5)
    proxy = await behind_proxy(make_client, target)

    def broken(self: Verifier, exchange: Exchange) -> list[Any]:
        raise RuntimeError("judge fell over")

    monkeypatch.setattr(Verifier, "check", broken)
    with caplog.at_level(logging.ERROR, logger="mockserver.proxy"):
        answer = await proxy.post(f"{API}/list?limit=2", json={}, headers=AUTH)
    assert answer.status == 200 and len((await answer.json())["results"]) == 2
    assert any("passed on unjudged" in record.getMessage() for record in caplog.records)


async def test_a_2026_create_answered_without_an_id_is_named_not_a_crash(
    make_client: ClientFactory, aiohttp_server: Any
) -> None:
    async def no_id(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({**body, "timestamp": "2026-01-01T00:00:00Z"})

    app = web.Application()
    app.router.add_post(API, no_id)
    server = await aiohttp_server(app)
    proxy = await make_client(proxy=str(server.make_url("")).rstrip("/"), api_version="2026-11")
    sent = {"feature_id": "f", "interaction_type": ["click"], "position": 0}
    answer = await proxy.post(API, json=sent, headers=AUTH)
    assert answer.status == 200
    assert (await (await proxy.get("/_mock/violations")).json())["rules"] == {"create.assigns": 1}
