"""Fuzzing: whatever bytes a client sends, the mock answers 2xx/4xx JSON within a second.

Hypothesis builds hostile bodies (deep and wide structures, odd unicode, NUL bytes, huge
numbers, raw garbage) for every operation; Schemathesis adds many spec-derived negative
cases. A single 500, non-JSON answer or slow answer fails the test with the body that
caused it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

import specs
from mockserver import BackgroundServer, Settings

HEADERS = {"Authorization": "Bearer fuzz", "X-Namespace": "fuzz", "Content-Type": "application/json"}
API = "/v1/retrievers/interactions"
TARGETS = [
    ("POST", API),
    ("POST", f"{API}/batch"),
    ("POST", f"{API}/list"),
    ("GET", f"{API}/some-id"),
    ("DELETE", f"{API}/some-id"),
    ("POST", "/_mock/namespaces/fuzz/records"),
    ("PUT", "/_mock/faults"),
]
LIMIT_S = 1.0
# Examples per operation and kind; MOCK_FUZZ_EXAMPLES=1000 for a deep run.
EXAMPLES = int(os.environ.get("MOCK_FUZZ_EXAMPLES", "40"))

TEXT = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(["\x00", "\u202e", "😀" * 5, "a" * 2000])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(TEXT, inner, max_size=6),
    max_leaves=60,
)


REGEXES = ["(a+)+$", "(a|a)*b", "(", "x" * 300, "(?P<n>a)(?P=n)", "\\"]


def _deep(depth: int, kind: str) -> Any:
    node: Any = 1
    for _ in range(depth):
        node = [node] if kind == "list" else {"AND": [node]} if kind == "tree" else {"k": node}
    return node


HOSTILE = st.one_of(
    JSON,
    st.builds(_deep, st.integers(1, 300), st.sampled_from(["list", "dict", "tree"])),
    st.builds(
        lambda n: {"filters": {"OR": [{"field": "position", "value": i} for i in range(n)]}}, st.integers(0, 3000)
    ),
    st.builds(lambda n: {"filters": {"position": {"in": list(range(n))}}}, st.integers(0, 20000)),
    st.builds(
        lambda p: {"filters": {"metadata.device": {"regex": p}}}, st.sampled_from(["(a+)+$", "(a|a)*b", "(", "x" * 300])
    ),
    st.builds(lambda s: {"search": s}, TEXT),
    st.builds(lambda f: {"sort": {"field": f}}, TEXT),
    st.builds(lambda items: {"interactions": items}, st.lists(JSON, max_size=5)),
)


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(Settings(port=0, count=300)) as running:
        yield running


def _send(server: BackgroundServer, method: str, path: str, data: bytes) -> requests.Response:
    started = time.monotonic()
    response = requests.request(method, server.url + path, data=data, headers=HEADERS, timeout=10)
    elapsed = time.monotonic() - started
    assert response.status_code < 500, f"{method} {path} -> {response.status_code}: {response.text[:300]}"
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    response.json()
    assert elapsed < LIMIT_S, f"{method} {path} took {elapsed:.2f} s"
    return response


@pytest.mark.parametrize(("method", "path"), TARGETS)
def test_hostile_json_bodies(server: BackgroundServer, method: str, path: str) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=HOSTILE)
    def check(body: Any) -> None:
        _send(server, method, path, json.dumps(body).encode())

    check()


@pytest.mark.parametrize(("method", "path"), TARGETS)
def test_raw_bytes(server: BackgroundServer, method: str, path: str) -> None:
    @settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=list(HealthCheck))
    @given(raw=st.binary(max_size=200) | st.sampled_from([b"\x00", b"{", b"[" * 10000, b"1" * 5000, b"\xff\xfe"]))
    def check(raw: bytes) -> None:
        _send(server, method, path, raw)

    check()


def test_hostile_regex_does_not_hold_up_other_requests(server: BackgroundServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    evil = {"filters": {"metadata.query": {"regex": "(a+)+$"}}, "search": "a" * 40}
    with ThreadPoolExecutor(4) as pool:
        slow = [pool.submit(_send, server, "POST", f"{API}/list", json.dumps(evil).encode()) for _ in range(3)]
        started = time.monotonic()
        _send(server, "GET", f"{API}/some-id", b"")
        assert time.monotonic() - started < LIMIT_S
        for future in slow:
            future.result()


SCHEMA = schemathesis.openapi.from_dict(specs.contract_openapi())


@pytest.mark.parametrize(
    ("method", "path"),
    [(m.upper(), p) for p, item in specs.contract_openapi()["paths"].items() for m in item],
)
def test_schemathesis_negative_data_never_errors(server: BackgroundServer, method: str, path: str) -> None:
    @settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=SCHEMA[path][method].as_strategy(generation_mode=GenerationMode.NEGATIVE))
    def check(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url=server.url)
        kwargs["headers"] = {**kwargs.get("headers", {}), "Authorization": HEADERS["Authorization"]}
        kwargs["headers"].setdefault("X-Namespace", "fuzz")
        response = requests.request(**kwargs, timeout=10)
        assert response.status_code < 500, f"{method} {path} -> {response.status_code}: {response.text[:300]}"
        response.json()

    check()
