"""pytest plugin (entry point ``pytest11``): a running mock for a downstream project's tests.

``mixpeek_mock`` gives each test its own namespace on one mock started per session, so
tests never see each other's records, and the mock starts once however many tests use it.
Override ``mixpeek_mock_settings`` in a conftest to change how the mock is started.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from mockserver.background import BackgroundServer
from mockserver.config import Settings

API_KEY = "sk_test_mixpeek_mock"


@dataclass(frozen=True)
class MockHandle:
    """What a test needs: where the mock is, how to authenticate, and its own namespace."""

    url: str
    api_key: str
    namespace: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", "X-Namespace": self.namespace}

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/_mock{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"mock admin {method} {path} answered {exc.code}: {exc.read().decode()}") from None

    def seed(self, records: Iterable[dict[str, Any]]) -> int:
        """Add records (SearchInteraction or full InteractionResponse dicts) to this test's namespace."""
        quoted = urllib.parse.quote(self.namespace, safe="")
        loaded: int = self._admin("POST", f"/namespaces/{quoted}/records", list(records))["loaded"]
        return loaded

    def journal(
        self, *, path: str | None = None, status: int | None = None, slow: bool | None = None
    ) -> list[dict[str, Any]]:
        """API requests this test's namespace received, oldest first (``slow=True``: those that held the
        server's event loop --slow-ms or longer)."""
        query: dict[str, Any] = {"namespace": self.namespace, "limit": 10000}
        query.update({k: v for k, v in (("path", path), ("status", status)) if v is not None})
        if slow is not None:
            query["slow"] = "true" if slow else "false"
        entries: list[dict[str, Any]] = self._admin("GET", f"/journal?{urllib.parse.urlencode(query)}")["entries"]
        return entries

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """Change the faults given for the whole mock (latency_ms, error_rate, rate_limit_per_s); the others
        keep their value."""
        changed: dict[str, Any] = self._admin("PATCH", "/faults", faults)
        return changed


@pytest.fixture(scope="session")
def mixpeek_mock_settings() -> Settings:
    """How the session's mock starts: an empty store, one API key. Override to change it."""
    return Settings(port=0, count=0, api_keys=frozenset({API_KEY}))


@pytest.fixture(scope="session")
def mixpeek_mock_server(mixpeek_mock_settings: Settings) -> Iterator[BackgroundServer]:
    with BackgroundServer(mixpeek_mock_settings) as server:
        yield server


@pytest.fixture
def mixpeek_mock(mixpeek_mock_server: BackgroundServer) -> Iterator[MockHandle]:
    """A running mock with a namespace of this test's own; faults are switched off afterwards."""
    keys = sorted(mixpeek_mock_server.settings.api_keys) or [API_KEY]
    handle = MockHandle(url=mixpeek_mock_server.url, api_key=keys[0], namespace=f"test-{uuid.uuid4().hex[:12]}")
    yield handle
    handle.set_faults(latency_ms=None, error_rate=0, rate_limit_per_s=None)
