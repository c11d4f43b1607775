"""Property: whatever valid or invalid request a client sends, the answer is one the spec documents.

Requests come from the OpenAPI document itself (Schemathesis strategies), so every schema
change is exercised here without a second copy of the rules.
"""

from __future__ import annotations

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

HEADERS = {"Authorization": "Bearer roundtrip", "X-Namespace": "roundtrip"}
SCHEMA = schemathesis.openapi.from_dict(specs.bundled_openapi())
OPERATIONS = [
    ("POST", "/v1/retrievers/interactions", "create_interaction"),
    ("POST", "/v1/retrievers/interactions/batch", "create_interactions_batch"),
    ("POST", "/v1/retrievers/interactions/list", "list_interactions"),
    ("GET", "/v1/retrievers/interactions/{interaction_id}", "get_interaction"),
    ("DELETE", "/v1/retrievers/interactions/{interaction_id}", "delete_interaction"),
]
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


def examples(operation_id: str) -> settings:
    """Batches of up to 1000 generated items are slow to build; fewer of them cover the same rules."""
    return settings(EXAMPLES, max_examples=8) if operation_id == "create_interactions_batch" else EXAMPLES


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(Settings(port=0, count=20)) as running:
        yield running


def assert_documented(operation_id: str, response: requests.Response) -> None:
    """The status is documented for the operation and the body matches its schema."""
    _, _, op = specs.operation(operation_id)
    status = str(response.status_code)
    assert status in op["responses"], f"{operation_id} answered undocumented {status}: {response.text[:500]}"
    assert response.headers["Content-Type"].startswith("application/json")
    ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
    model = ref.rsplit("/", 1)[-1]
    body = response.json()
    models = ["ErrorResponse", "HTTPValidationError"] if model == "ValidationErrorResponse" else [model]
    for name in models:
        errors = [e.message for e in specs.validator(name).iter_errors(body)]
        assert not errors, f"{operation_id} {status} body is not a {name}: {errors}\n{response.text[:500]}"


def _send(server: BackgroundServer, case: Any) -> requests.Response:
    kwargs = case.as_transport_kwargs(base_url=server.url)
    kwargs["headers"] = {**kwargs.get("headers", {}), **HEADERS}
    return requests.request(**kwargs, timeout=10)


@pytest.mark.parametrize(("method", "path", "operation_id"), OPERATIONS)
def test_valid_requests_get_documented_answers(
    server: BackgroundServer, method: str, path: str, operation_id: str
) -> None:
    @examples(operation_id)
    @given(case=SCHEMA[path][method].as_strategy(generation_mode=GenerationMode.POSITIVE))
    def check(case: Any) -> None:
        response = _send(server, case)
        assert response.status_code < 500
        if operation_id.startswith("create"):
            assert response.status_code == 200, response.text[:500]
        assert_documented(operation_id, response)

    check()


@pytest.mark.parametrize(("method", "path", "operation_id"), OPERATIONS)
def test_invalid_requests_get_documented_errors(
    server: BackgroundServer, method: str, path: str, operation_id: str
) -> None:
    @examples(operation_id)
    @given(case=SCHEMA[path][method].as_strategy(generation_mode=GenerationMode.NEGATIVE))
    def check(case: Any) -> None:
        response = _send(server, case)
        assert response.status_code < 500
        assert_documented(operation_id, response)

    check()


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.parametrize(("method", "path", "operation_id"), OPERATIONS)
def test_arbitrary_json_never_breaks_the_server(
    server: BackgroundServer, method: str, path: str, operation_id: str
) -> None:
    @EXAMPLES
    @given(body=JSON)
    def check(body: Any) -> None:
        url = server.url + path.replace("{interaction_id}", "some-id")
        response = requests.request(method, url, json=body, headers=HEADERS, timeout=10)
        assert response.status_code < 500
        assert_documented(operation_id, response)

    check()


def test_created_records_read_back_identically(server: BackgroundServer) -> None:
    @EXAMPLES
    @given(case=SCHEMA["/v1/retrievers/interactions"]["POST"].as_strategy(generation_mode=GenerationMode.POSITIVE))
    def check(case: Any) -> None:
        created = _send(server, case).json()
        url = f"{server.url}/v1/retrievers/interactions/{created['interaction_id']}"
        fetched = requests.get(url, headers=HEADERS, timeout=10)
        assert fetched.json() == created

    check()
