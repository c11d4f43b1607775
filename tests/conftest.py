"""Shared fixtures: the real app behind a real socket on 127.0.0.1 (aiohttp's test server)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from mockserver import Settings, create_app

AUTH = {"Authorization": "Bearer test-key", "X-Namespace": "test-ns"}

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def make_client(aiohttp_client: Any) -> ClientFactory:
    """Start a mock with the given Settings fields (``count`` defaults to 0: an empty store)."""

    async def start(**overrides: Any) -> TestClient[Any, Any]:
        overrides.setdefault("count", 0)
        client: TestClient[Any, Any] = await aiohttp_client(create_app(Settings(**overrides)))
        return client

    return start


@pytest.fixture
async def client(make_client: ClientFactory) -> TestClient[Any, Any]:
    """An empty mock that accepts any token."""
    return await make_client()
