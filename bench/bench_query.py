"""In-process latency of the list engine (parse + run, as the handler calls them) on seeded namespaces.

Figures are for evaluation itself: the namespace here never remembers a query's matches (a real
one does until its next write, so asking again costs a slice). Not a timed test: it prints
figures. Run with ``python bench/bench_query.py`` (``--sizes 10000`` for a quick look). Records
come from ``fixtures.generate_interactions``, as the server seeds them.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Hashable
from typing import Any

import orjson

from fixtures import generate_interactions
from mockserver.query import parse_list_request, run_query
from mockserver.query.memo import Memo
from mockserver.store import NamespaceStore, rows_of

PATH = "/v1/retrievers/interactions/list"


class NeverRecalled(Memo):
    def get(self, key: Hashable) -> None:
        return None


class ColdNamespace(NamespaceStore):
    """A namespace that never recalls matches: every run evaluates the query afresh."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.matches = NeverRecalled(1)


TARGETS_MS = {"simple": 2.0, "complex": 50.0}

COMPLEX_FILTERS = {
    "AND": [
        {"field": "position", "operator": "lte", "value": 10},
        {
            "OR": [
                {"field": "interaction_type", "operator": "in", "value": ["click", "purchase", "add_to_cart"]},
                {"metadata.duration_ms": {"gte": 10000}},
            ]
        },
        {"NOT": {"field": "metadata.device", "operator": "eq", "value": "TABLET"}},
        {"created_at": {"gte": "2025-01-01"}},
    ]
}


def _queries(store: NamespaceStore) -> dict[str, list[tuple[str, dict[str, Any], dict[str, str]]]]:
    """Each kind of query, in a few variants drawn from the data (so that they match something)."""
    sample: list[dict[str, Any]] = [orjson.loads(raw) for raw in list(store)[:: max(1, len(store) // 7)][:7]]
    simple: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        (f"user_id={r['user_id']}", {"user_id": r["user_id"]}, {}) for r in sample[:3]
    ]
    simple += [(f"execution_id={r['execution_id']}", {"execution_id": r["execution_id"]}, {}) for r in sample[3:5]]
    simple.append(("retriever_id (half the data)", {"retriever_id": sample[5]["retriever_id"]}, {}))
    simple.append(("interaction_type=click, page 3", {"interaction_type": "click"}, {"page": "3", "page_size": "20"}))
    complex_ = [
        (
            "tree + sort document_score desc + search",
            {"filters": COMPLEX_FILTERS, "sort": {"field": "document_score", "direction": "desc"}, "search": "mobile"},
            {},
        ),
        (
            "tree + sort metadata.city asc + 2 terms",
            {"filters": COMPLEX_FILTERS, "sort": {"field": "metadata.city"}, "search": "mobile search"},
            {"offset": "200"},
        ),
        (
            "regex + text + sort position",
            {
                "filters": {
                    "OR": [{"metadata.query": {"regex": "^(kids|women).*jacket"}}, {"metadata.city": {"text": "lake"}}]
                },
                "sort": {"field": "position"},
                "search": "ios",
            },
            {},
        ),
    ]
    return {"simple": simple, "complex": complex_}


def _timings(call: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def bench(size: int, repeat: int) -> None:
    started = time.perf_counter()
    store = ColdNamespace("bench")
    store.fill(rows_of(generate_interactions(size, 42, "bench")))
    print(f"\n{size:,} records (generated and stored in {time.perf_counter() - started:.1f} s)")
    for kind, queries in _queries(store).items():
        all_times: list[float] = []
        for label, body, params in queries:

            def call(body: dict[str, Any] = body, params: dict[str, str] = params) -> object:
                return run_query(store, parse_list_request(body, params), PATH)

            first = _timings(call, 1)[0]
            times = _timings(call, repeat)
            all_times += times
            total = run_query(store, parse_list_request(body, params), PATH).pagination["total"]
            print(
                f"  {kind:7} {label:45} total={total:<6} first={first:7.2f} ms"
                f"  p50={_p(times, 50):7.2f} ms  p99={_p(times, 99):7.2f} ms"
            )
        verdict = "meets" if _p(all_times, 50) < TARGETS_MS[kind] else "MISSES"
        print(
            f"  {kind:7} all variants: p50={_p(all_times, 50):.2f} ms  p99={_p(all_times, 99):.2f} ms"
            f"  (target p50 < {TARGETS_MS[kind]:g} ms at 100k: {verdict})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="records per namespace")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per query variant")
    args = parser.parse_args()
    print("list engine latency: parse_list_request + run_query, in process, warm caches after the first run")
    for size in args.sizes:
        bench(size, args.repeat)


if __name__ == "__main__":
    main()
