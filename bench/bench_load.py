"""Load benchmark: the mock against a bare-aiohttp ceiling, same load tool, same machine, one run.

Starts ``bench/ceiling_server.py`` (fixed 5 KB answers: the practical ceiling of an aiohttp
server here) and the mock seeded with 10k and 100k records in one namespace, drives each
with wrk (or, without wrk, a Python load generator in another process) over loopback, and
prints requests/s, p50, p99, the ratio mock/ceiling and the target for each query:

  (a) user_id filter + default sort + limit 10, at 10k and 100k records
  (b) a 3-condition filter tree + sort on position + search, at 100k records; the mock
      remembers answers until its next write, so (b) is also run with every request a new
      query (nothing remembered: the cost of evaluating it)
  (c) create           (d) get by id

plus start-up time with 100k seeded records and resident memory per stored record.
Each query is run --rounds times (3) on each side, alternately, and the best run of each side
counts, so that a burst of other work on a shared machine costs a round, not the ratio.
Bounded: every load run lasts --duration seconds (default 10) on --connections (32).
Usage: ``python bench/bench_load.py`` (``--duration 3 --rounds 1`` for a quick look).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NAMESPACE = "bench"
HEADERS = {"Authorization": "Bearer bench", "X-Namespace": NAMESPACE, "Content-Type": "application/json"}
API = "/v1/retrievers/interactions"


# In a varied shot's body, this number is replaced by the request's sequence number.
VARY = 987654321


@dataclass(frozen=True)
class Shot:
    """One request shape, sent over and over (varied: each request a new query, so nothing is remembered)."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    varied: bool = False


@dataclass(frozen=True)
class Result:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise SystemExit(f"server on port {port} did not start in {timeout_s} s")


def call(url: str, shot: Shot) -> Any:
    data = None if shot.body is None else json.dumps(shot.body).encode()
    request = urllib.request.Request(url + shot.path, data=data, method=shot.method, headers=HEADERS)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _lua(shot: Shot) -> str:
    lines = [f'wrk.method = "{shot.method}"']
    for name, value in HEADERS.items():
        lines.append(f'wrk.headers["{name}"] = "{value}"')
    if shot.body is not None:
        lines.append(f"wrk.body = {json.dumps(json.dumps(shot.body))}")
    if shot.varied:
        lines += [
            "sent = 0",
            "request = function()",
            "  sent = sent + 1",
            f'  return wrk.format(nil, nil, nil, (string.gsub(wrk.body, "{VARY}", tostring(sent))))',
            "end",
        ]
    return "\n".join(lines) + "\n"


def _ms(text: str) -> float:
    """wrk's latency text (``812.00us``, ``1.20ms``, ``2.00s``, ``1.00m``) in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise SystemExit(f"cannot read wrk latency {text!r}")
    number, unit = found.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(url: str, shot: Shot, duration_s: int, connections: int) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(shot))
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{duration_s}s", "--latency", "-s", script.name, url + shot.path],
            capture_output=True,
            text=True,
            check=True,
            timeout=duration_s + 60,
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    # Anchored to the line: the thread table above it may hold a share such as 88.99% too.
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Result(rps, p50, p99, errors)


def run_python_load(url: str, shot: Shot, duration_s: int, connections: int) -> Result:
    """Without wrk: an aiohttp client in a separate process (so it does not share our GIL)."""
    code = f"""
import asyncio, json, time, aiohttp
shot = json.loads({json.dumps(json.dumps(shot.__dict__))})
body = json.dumps(shot["body"]) if shot["body"] is not None else None
sent = 0
async def worker(session, until, latencies, errors):
    global sent
    while time.monotonic() < until:
        started = time.perf_counter()
        sent += 1
        data = body.replace("{VARY}", str(sent)) if body and shot["varied"] else body
        async with session.request(shot["method"], {url!r} + shot["path"], data=data) as response:
            await response.read()
            if response.status >= 400:
                errors.append(response.status)
        latencies.append(time.perf_counter() - started)
async def main():
    latencies, errors = [], []
    async with aiohttp.ClientSession(headers={HEADERS!r}) as session:
        until = time.monotonic() + {duration_s}
        await asyncio.gather(*(worker(session, until, latencies, errors) for _ in range({connections})))
    latencies.sort()
    print(json.dumps([len(latencies) / {duration_s}, latencies[len(latencies) // 2] * 1000,
                      latencies[int(len(latencies) * 0.99)] * 1000, len(errors)]))
asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    rps, p50, p99, errors = json.loads(out)
    return Result(rps, p50, p99, errors)


def start(command: list[str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port, process)
    return process


def start_mock(count: int) -> tuple[subprocess.Popen[bytes], str, float, int]:
    """A mock seeded with ``count`` records; returns it, its URL, start-up seconds and RSS grown by seeding."""
    port = free_port()
    started = time.monotonic()
    command = [sys.executable, "-m", "mockserver", "--port", str(port), "--count", str(count), "--quiet"]
    process = start(command, port)
    url = f"http://127.0.0.1:{port}"
    before = rss_kb(process.pid)
    call(url, Shot("POST", f"{API}/list?limit=1", {}))  # the namespace is seeded on first use
    startup_s = time.monotonic() - started
    return process, url, startup_s, rss_kb(process.pid) - before


def shots(url: str) -> dict[str, Shot]:
    """The request shapes, with values drawn from the seeded data so that they match."""
    page = call(url, Shot("POST", f"{API}/list?limit=50", {}))["results"]
    user = next(r["user_id"] for r in page if r["user_id"])

    def tree(position: int) -> dict[str, Any]:
        return {
            "AND": [
                {"field": "position", "operator": "lte", "value": position},
                {"field": "interaction_type", "operator": "in", "value": ["click", "purchase", "add_to_cart"]},
                {"metadata.device": {"ne": "tablet"}},
            ]
        }

    def complex_list(position: int, varied: bool = False) -> Shot:
        body = {"filters": tree(position), "sort": {"field": "position"}, "search": "mobile"}
        return Shot("POST", f"{API}/list?limit=10", body, varied)

    return {
        "a": Shot("POST", f"{API}/list?limit=10", {"user_id": user}),
        "b": complex_list(10),
        "b cold": complex_list(VARY, varied=True),
        "c": Shot("POST", API, {"feature_id": "doc_bench", "interaction_type": ["click"], "position": 3}),
        "d": Shot("GET", f"{API}/{page[0]['interaction_id']}"),
    }


Load = Callable[[str, Shot, int, int], Result]


def best_of(
    load: Load, rounds: int, urls: tuple[str, str], shot: Shot, duration_s: int, connections: int
) -> tuple[Result, Result]:
    """The best of ``rounds`` alternating runs on the mock and on the ceiling (``urls``, in that order)."""
    mocks, ceilings = [], []
    for _ in range(rounds):
        mocks.append(load(urls[0], shot, duration_s, connections))
        ceilings.append(load(urls[1], shot, duration_s, connections))
    return max(mocks, key=lambda r: r.requests_per_s), max(ceilings, key=lambda r: r.requests_per_s)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of mock and ceiling per query")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk exists")
    args = parser.parse_args()
    use_wrk = shutil.which("wrk") is not None and not args.python_load
    load: Load = run_wrk if use_wrk else run_python_load
    tool = "wrk -t1" if use_wrk else "python aiohttp client"
    print(
        f"load: {tool}, {args.connections} connections, best of {args.rounds} alternating runs of "
        f"{args.duration} s per side, loopback; {os.cpu_count()} cores"
    )

    ceiling_port = free_port()
    ceiling = start([sys.executable, str(ROOT / "bench" / "ceiling_server.py"), str(ceiling_port)], ceiling_port)
    ceiling_url = f"http://127.0.0.1:{ceiling_port}"
    rows: list[tuple[str, Result, Result, float | None]] = []

    def measure(mock_url: str, shot: Shot) -> tuple[Result, Result]:
        call(mock_url, shot)  # warm-up: the first query on a field builds its column (an index), once
        return best_of(load, args.rounds, (mock_url, ceiling_url), shot, args.duration, args.connections)

    try:
        small, small_url, _, _ = start_mock(10_000)
        try:
            rows.append(("(a) user_id + default sort, 10k", *measure(small_url, shots(small_url)["a"]), 0.5))
        finally:
            small.terminate()
            small.wait()
        big, big_url, startup_s, grown_kb = start_mock(100_000)
        try:
            by_kind = shots(big_url)
            for label, kind, target in [
                ("(a) user_id + default sort, 100k", "a", 0.5),
                ("(b) 3-condition tree + sort + search, 100k", "b", 0.05),
                ("(b) the same, each request a new query", "b cold", 0.05),
                ("(c) create, 100k", "c", 0.6),
                ("(d) get by id, 100k", "d", 0.6),
            ]:
                rows.append((label, *measure(big_url, by_kind[kind]), target))
        finally:
            big.terminate()
            big.wait()
    finally:
        ceiling.terminate()
        ceiling.wait()

    print(
        f"\n{'query':44} {'mock req/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'ceil req/s':>10} {'ratio':>6} {'target':>6}  "
    )
    failed = False
    for label, mock, ceil, target in rows:
        ratio = mock.requests_per_s / ceil.requests_per_s
        verdict = "-" if target is None else "ok" if ratio >= target and mock.errors == 0 else "MISS"
        failed |= verdict == "MISS"
        errors = f"  ({mock.errors} errors)" if mock.errors else ""
        wanted = "-" if target is None else f"{target:.2f}"
        print(
            f"{label:44} {mock.requests_per_s:10.0f} {mock.p50_ms:7.2f} {mock.p99_ms:7.2f} "
            f"{ceil.requests_per_s:10.0f} {ratio:6.2f} {wanted:>6}  {verdict}{errors}"
        )
    per_record = grown_kb * 1024 / 100_000
    startup_verdict = "ok" if startup_s < 2 else "MISS"
    memory_verdict = "ok" if per_record < 1536 else "MISS"
    print(f"\nstart-up with 100k seeded records: {startup_s:.2f} s (target < 2 s) {startup_verdict}")
    print(f"resident memory per stored record: {per_record:.0f} B (target < 1536 B) {memory_verdict}")
    failed |= startup_s >= 2 or per_record >= 1536
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
