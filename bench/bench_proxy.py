"""Proxy benchmark: what the verifying proxy (``mockserver --proxy``) adds to each call, every answer checked.

Starts a mock seeded with ``--count`` records (10,000) and a second mock proxying to it
(``--proxy``), both subprocesses on free ports of 127.0.0.1, and for each operation the
issue names (a create, a get, a list page of 10 records):

- latency: ``--calls`` (300) sequential calls on one kept-alive connection, direct and
  through the proxy, alternately; the figure is the p50 the proxy adds (target: at most 1 ms);
- throughput: ``--duration`` seconds (5) of load on ``--connections`` (32), direct and
  proxied, best of ``--rounds`` (3) alternating runs each (bench/bench_load.py's load tool:
  wrk when installed, else an aiohttp client in another process); the figure is proxied
  over direct (target: at least 0.5).

At the end it reads ``/_mock/violations`` from the proxy: every answer was checked and none
broke the contract. Prints figure | direct | proxied | measured | target | verdict; figures,
not asserts. Usage: ``python bench/bench_proxy.py`` (``--duration 2 --rounds 1`` for a quick look).
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import (  # a script beside this one
    API,
    HEADERS,
    Load,
    Shot,
    best_of,
    call,
    free_port,
    run_python_load,
    run_wrk,
    start,
    start_mock,
)

ADDED_MS_TARGET = 1.0
THROUGHPUT_TARGET = 0.5


def shots(url: str) -> dict[str, Shot]:
    page = call(url, Shot("POST", f"{API}/list?limit=10", {}))["results"]
    return {
        "create": Shot("POST", API, {"feature_id": "doc_bench", "interaction_type": ["click"], "position": 3}),
        "get": Shot("GET", f"{API}/{page[0]['interaction_id']}"),
        "list (10 records)": Shot("POST", f"{API}/list?limit=10", {"sort": {"field": "position"}}),
    }


def latencies_ms(url: str, shot: Shot, calls: int) -> list[float]:
    """``calls`` sequential calls on one kept-alive connection, each timed from send to last byte."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    body = None if shot.body is None else json.dumps(shot.body)
    taken = []
    for _ in range(calls):
        started = time.perf_counter()
        connection.request(shot.method, shot.path, body=body, headers=HEADERS)
        response = connection.getresponse()
        response.read()
        taken.append((time.perf_counter() - started) * 1000)
        if response.status >= 400:
            raise SystemExit(f"{shot.method} {shot.path}: HTTP {response.status}")
    connection.close()
    return taken


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="records in the target's namespace")
    parser.add_argument("--calls", type=int, default=300, help="sequential calls per latency run")
    parser.add_argument("--duration", type=int, default=5, help="seconds of load per throughput run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    load: Load = run_wrk if shutil.which("wrk") else run_python_load
    target, direct, _, _ = start_mock(args.count)
    port = free_port()
    proxy = start([sys.executable, "-m", "mockserver", "--port", str(port), "--proxy", direct, "--quiet"], port)
    proxied = f"http://127.0.0.1:{port}"
    try:
        print(f"target: {args.count} records; load tool: {'wrk' if load is run_wrk else 'python (no wrk)'}")
        print(f"{'figure':<34} {'direct':>9} {'proxied':>9} {'measured':>10} {'target':>9}  verdict")
        for name, shot in shots(direct).items():
            latencies_ms(direct, shot, 20), latencies_ms(proxied, shot, 20)  # warm both
            on_direct, on_proxy = [], []
            for _ in range(3):
                on_direct += latencies_ms(direct, shot, args.calls // 3)
                on_proxy += latencies_ms(proxied, shot, args.calls // 3)
            p50_direct, p50_proxy = statistics.median(on_direct), statistics.median(on_proxy)
            added = p50_proxy - p50_direct
            print(
                f"{name + ': p50 added':<34} {p50_direct:>7.2f}ms {p50_proxy:>7.2f}ms {added:>8.2f}ms "
                f"{'<= ' + str(ADDED_MS_TARGET):>7}ms  {verdict(added <= ADDED_MS_TARGET)}"
            )
            through_proxy, through_direct = best_of(
                load, args.rounds, (proxied, direct), shot, args.duration, args.connections
            )
            ratio = through_proxy.requests_per_s / through_direct.requests_per_s
            rates = f"{through_direct.requests_per_s:>7.0f}/s {through_proxy.requests_per_s:>7.0f}/s"
            print(
                f"{name + ': throughput':<34} {rates} "
                f"{ratio:>10.2f} {'>= ' + str(THROUGHPUT_TARGET):>9}  {verdict(ratio >= THROUGHPUT_TARGET)}"
            )
        found = call(proxied, Shot("GET", "/_mock/violations"))
        print(f"answers checked by the proxy: {found['checked']}; contract violations: {found['violations']}")
    finally:
        for process in (proxy, target):
            process.terminate()
            process.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
