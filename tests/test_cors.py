"""Browsers may call the mock: preflights answered without credentials, every answer says who may read it."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mockserver import BackgroundServer, Settings
from tests.conftest import AUTH, ClientFactory

API = "/v1/retrievers/interactions"
PAGE_ORIGIN = "http://localhost:3000"
PREFLIGHT = {
    "Origin": PAGE_ORIGIN,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, x-namespace",
}


@pytest.mark.parametrize("path", [f"{API}/list", f"{API}/some-id", "/_mock/faults", "/nowhere"])
async def test_a_preflight_is_answered_without_credentials(make_client: ClientFactory, path: str) -> None:
    client = await make_client(admin_token="secret")
    answer = await client.options(path, headers=PREFLIGHT)
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert answer.headers["Access-Control-Allow-Headers"] == PREFLIGHT["Access-Control-Request-Headers"]


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("POST", f"{API}/list", AUTH, 200),
        ("POST", f"{API}/list", {}, 401),
        ("GET", f"{API}/missing", AUTH, 404),
        ("POST", f"{API}/list", {**AUTH, "Prefer": "code=500"}, 500),
        ("GET", "/_mock/health", {}, 200),
        ("GET", "/openapi.json", {}, 200),
        ("GET", "/nowhere", {}, 404),
    ],
)
async def test_every_answer_says_any_page_may_read_it(
    make_client: ClientFactory, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    client = await make_client()
    answer = await client.request(method, path, headers={**headers, "Origin": PAGE_ORIGIN})
    assert answer.status == status
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in answer.headers["Access-Control-Expose-Headers"]


async def test_cors_origin_allows_that_page_only(make_client: ClientFactory) -> None:
    client = await make_client(cors_origin=PAGE_ORIGIN)
    allowed = await client.post(f"{API}/list", headers={**AUTH, "Origin": PAGE_ORIGIN})
    assert allowed.headers["Access-Control-Allow-Origin"] == PAGE_ORIGIN and allowed.headers["Vary"] == "Origin"
    other = await client.post(f"{API}/list", headers={**AUTH, "Origin": "http://elsewhere.example"})
    assert other.status == 200 and "Access-Control-Allow-Origin" not in other.headers
    refused = await client.options(f"{API}/list", headers={**PREFLIGHT, "Origin": "http://elsewhere.example"})
    assert refused.status == 204 and "Access-Control-Allow-Origin" not in refused.headers


# --- a real browser -------------------------------------------------------------------------

_CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# What the page does: a list call with credentials (so a preflight first), its answer written into the page.
_PAGE = """<!doctype html><html><body><p id="out">waiting</p><script>
fetch("MOCK/v1/retrievers/interactions/list?limit=2", {
  method: "POST",
  headers: {"Authorization": "Bearer browser", "X-Namespace": "web", "Content-Type": "application/json"},
  body: JSON.stringify({"sort": {"field": "position"}}),
}).then(r => r.json())
  .then(page => { document.getElementById("out").textContent = "total=" + page.pagination.total
                   + " results=" + page.results.length; })
  .catch(e => { document.getElementById("out").textContent = "failed: " + e; });
</script></body></html>"""


@pytest.fixture
def page_server(tmp_path: Path) -> Iterator[str]:
    """A page on another origin (its own port), as a front-end dev server would serve it."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _rendered(url: str) -> str:
    assert _CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                _CHROMIUM,
                *("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"),
                *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
                f"--user-data-dir={profile}",
                "--virtual-time-budget=10000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    return done.stdout


@pytest.mark.skipif(_CHROMIUM is None, reason="no Chromium here: `apt-get install chromium` runs the browser test")
def test_a_page_in_headless_chromium_reads_a_list_answer(page_server: str, tmp_path: Path) -> None:
    with BackgroundServer(Settings(port=0, count=5)) as mock:
        (tmp_path / "index.html").write_text(_PAGE.replace("MOCK", mock.url))
        dom: Any = _rendered(f"{page_server}/index.html")
    assert '<p id="out">total=5 results=2</p>' in dom, dom[-2000:]
