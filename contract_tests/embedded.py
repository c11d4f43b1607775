"""The mock, served in-process, for runs that name no ``--base-url``.

This is the one module of ``contract_tests`` that imports ``mockserver``: the suites
themselves only talk HTTP, so the project's CI checks the mock exactly as it would check
any other implementation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def embedded_mock(api_key: str, seeded_records: int, api_version: str) -> Iterator[str]:
    """The mock of ``api_version``, with one accepted API key and ``seeded_records`` unrelated records per
    namespace; yields its URL.

    An API key is configured so that a wrong token is refused (Schemathesis's ``ignored_auth``
    checks exactly that); the unrelated records show that the suites' scoping works.
    """
    from mockserver import Settings
    from mockserver.background import BackgroundServer

    settings = Settings(
        port=0, count=seeded_records, api_keys=frozenset({api_key}), quiet=True, api_version=api_version
    )
    with BackgroundServer(settings) as server:
        yield server.url
