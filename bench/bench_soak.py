"""Soak: a bounded mixed load (list, create, get, delete) at high concurrency against one mock.

Reports requests, errors (any unexpected status), timeouts, p50/p99 latency, and the mock's
resident memory after warm-up, half-way and at the end: with creates and deletes in balance
the store keeps its size, so memory must stay flat (the journal and caches are bounded).
Bounded by --requests (default 40,000) and --max-seconds (default 120); loopback only.
Usage: ``python bench/bench_soak.py`` (``--requests 5000`` for a quick look).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
API = "/v1/retrievers/interactions"
HEADERS = {"Authorization": "Bearer soak", "X-Namespace": "soak"}
TIMEOUT = aiohttp.ClientTimeout(total=10)
QUERIES: list[dict[str, Any]] = [
    {},
    {"interaction_type": "click"},
    {"filters": {"position": {"lte": 3}}, "sort": {"field": "position"}},
    {"filters": {"OR": [{"field": "metadata.device", "operator": "eq", "value": "MOBILE"}, {"position": 0}]}},
    {"search": "mobile", "sort": {"field": "document_score", "direction": "desc"}},
    {"filters": {"NOT": [{"field": "interaction_type", "operator": "in", "value": ["view"]}]}},
]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Soak:
    def __init__(self, url: str, seed: int) -> None:
        self.url = url
        self.rng = random.Random(seed)
        self.stable: list[str] = []  # read by get, never deleted
        self.churn: list[str] = []  # created by the soak, deleted by it
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.timeouts = 0
        self.sent = 0

    async def one(self, session: aiohttp.ClientSession) -> None:
        roll = self.rng.random()
        if roll < 0.4:
            method, path, body, expected = "POST", f"{API}/list?limit=20", self.rng.choice(QUERIES), 200
        elif roll < 0.6 or not self.churn:
            body = {"feature_id": "soak", "interaction_type": ["click"], "position": self.rng.randrange(20)}
            method, path, expected = "POST", API, 200
        elif roll < 0.8:
            method, path, body, expected = "GET", f"{API}/{self.rng.choice(self.stable)}", None, 200
        else:
            victim = self.churn.pop(self.rng.randrange(len(self.churn)))
            method, path, body, expected = "DELETE", f"{API}/{victim}", None, 200
        started = time.perf_counter()
        try:
            async with session.request(method, self.url + path, json=body, timeout=TIMEOUT) as response:
                payload = await response.json()
                if response.status != expected:
                    self.errors.append(f"{method} {path} -> {response.status}")
                elif method == "POST" and path == API:
                    self.churn.append(payload["interaction_id"])
        except TimeoutError:
            self.timeouts += 1
        self.latencies.append(time.perf_counter() - started)
        self.sent += 1

    async def run(self, requests: int, concurrency: int, deadline: float) -> None:
        remaining = iter(range(requests))

        async def worker(session: aiohttp.ClientSession) -> None:
            for _ in remaining:
                if time.monotonic() > deadline:
                    return
                await self.one(session)

        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(headers=HEADERS, connector=connector) as session:
            await asyncio.gather(*(worker(session) for _ in range(concurrency)))


async def soak(url: str, pid: int, args: argparse.Namespace) -> int:
    run = Soak(url, args.seed)
    async with (
        aiohttp.ClientSession(headers=HEADERS) as session,
        session.post(f"{url}{API}/list?limit=200", json={}) as response,
    ):
        run.stable = [r["interaction_id"] for r in (await response.json())["results"]]
    deadline = time.monotonic() + args.max_seconds
    await run.run(args.requests // 10, args.concurrency, deadline)  # warm-up: caches, pools, allocator
    warm = rss_kb(pid)
    run.latencies.clear()
    started = time.monotonic()
    await run.run(args.requests // 2, args.concurrency, deadline)
    half = rss_kb(pid)
    await run.run(args.requests - args.requests // 2, args.concurrency, deadline)
    elapsed = time.monotonic() - started
    end = rss_kb(pid)
    latencies = sorted(run.latencies)
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    rate = len(latencies) / elapsed
    print(f"requests: {len(latencies)} in {elapsed:.1f} s ({rate:.0f}/s), concurrency {args.concurrency}")
    print(f"errors: {len(run.errors)}  timeouts: {run.timeouts}")
    for error in run.errors[:10]:
        print(f"  {error}")
    print(f"latency: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"mock RSS: after warm-up {warm / 1024:.1f} MiB, half-way {half / 1024:.1f} MiB, end {end / 1024:.1f} MiB")
    growth = (end - warm) / warm
    print(f"memory growth over the run: {growth:+.1%} (flat: within 10%)")
    return 0 if not run.errors and not run.timeouts and growth < 0.10 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=40_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--records", type=int, default=10_000, help="seeded records in the soak namespace")
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "mockserver", "--port", str(port), "--count", str(args.records), "--quiet"]
    mock = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline or mock.poll() is not None:
                raise SystemExit("the mock did not start")
            time.sleep(0.05)
        return asyncio.run(soak(url, mock.pid, args))
    finally:
        mock.terminate()
        mock.wait()


if __name__ == "__main__":
    raise SystemExit(main())
