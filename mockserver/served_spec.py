"""``GET /openapi.json``: the contract, pointing at wherever this mock listens.

So ``st run http://127.0.0.1:PORT/openapi.json`` works with no other argument.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

import specs
from mockserver.jsonio import respond
from mockserver.state import SETTINGS


def _document(origin: str, keys_configured: bool, edition: specs.Edition) -> dict[str, Any]:
    document = specs.contract_openapi(edition)
    document["servers"] = [{"url": origin, "description": "This mock."}]
    if not keys_configured:
        # Started without --api-key, this mock takes any token: say so, rather than let
        # tools expect a 401 for a token that was never going to be checked.
        document["security"] = [{"BearerAuth": []}, {}]
        document["components"]["securitySchemes"]["BearerAuth"]["description"] = (
            "This mock runs without --api-key: any non-empty Bearer token is accepted."
        )
    return document


async def openapi(request: web.Request) -> web.Response:
    settings = request.config_dict[SETTINGS]
    return respond(_document(str(request.url.origin()), bool(settings.api_keys), settings.edition))
