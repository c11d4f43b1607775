"""``GET /openapi.json``: the contract, pointing at wherever this mock listens.

So ``st run http://127.0.0.1:PORT/openapi.json`` works with no other argument.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

import specs
from mockserver.jsonio import respond


def _document(origin: str) -> dict[str, Any]:
    document = specs.contract_openapi()
    document["servers"] = [{"url": origin, "description": "This mock."}]
    return document


async def openapi(request: web.Request) -> web.Response:
    return respond(_document(str(request.url.origin())))
