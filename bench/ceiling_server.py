"""The practical ceiling: a bare aiohttp handler answering every request with fixed 5 KB of JSON.

``bench/bench_load.py`` drives it with the same load as the mock, so the ratio mock/ceiling
says how much of the machine's HTTP capacity the mock's real work costs.
Usage: ``python bench/ceiling_server.py PORT``.
"""

from __future__ import annotations

import sys

from aiohttp import web

# About 5 KB: the size of a 10-row list page of seeded interactions.
BODY = (
    b'{"results": ['
    + b",".join([b'{"feature_id": "doc_000001", "position": 1, "padding": "' + b"x" * 470 + b'"}'] * 10)
    + b"]}"
)


async def fixed(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=BODY, content_type="application/json")


def main() -> None:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fixed)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
