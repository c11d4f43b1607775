"""How fast fixtures makes records, in one process and in worker processes, and to which files.

    python bench/bench_fixtures.py                          # the full report: 1M records each way
    python bench/bench_fixtures.py --count 200000 --skip-cli
    python bench/bench_fixtures.py --start-methods           # also fork and spawn beside forkserver
    python bench/bench_fixtures.py --repeat 3                # the best of three runs of each

Not a unit test (timings depend on the machine, and on what else runs on it); the numbers go
in reports. The target (issue 14): a mock seeded with 1,000,000 records answers within 12 s
of starting, of which storing takes 4-5 s, so 1M records must be generated in at most 6 s
with two workers on a two-core machine. Each figure is measured in a fresh process, as a
mock or a CLI run meets it: it includes building the seed's pools and starting workers.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_SECONDS = 6.0  # 1M records, two workers
TARGET_COUNT = 1_000_000
SEED = 7


# -- one measurement, in a process of its own ------------------------------------------------


def measure(kind: str, count: int, workers: int, start_method: str | None) -> dict[str, Any]:
    """Runs in the child: make ``count`` records one way; seconds and peak RSS (MiB)."""
    import fixtures.workers
    from fixtures import generate_encoded, generate_interactions, generate_tables

    if start_method:
        fixtures.workers.START_METHOD = start_method
    began = time.perf_counter()
    made = 0
    size = 0
    if kind == "dicts":
        for _ in generate_interactions(count, SEED, "bench", workers=workers):
            made += 1
    elif kind == "encoded":
        for record in generate_encoded(count, SEED, "bench", workers=workers):
            made += 1
            size += len(record) + 1
    elif kind == "tables":
        for table in generate_tables(count, SEED, "bench", workers=workers):
            made += table.num_rows
    else:
        raise ValueError(kind)
    seconds = time.perf_counter() - began
    assert made == count, (made, count)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mib": peak, "bytes": size}


REPEAT = 1  # runs of each measurement; the fastest counts (--repeat: a shared machine is noisy)


def _child(args: list[str]) -> dict[str, Any]:
    results = []
    for _ in range(REPEAT):
        done = subprocess.run(
            [sys.executable, __file__, "--measure", *args], check=True, capture_output=True, text=True, timeout=600
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    best: dict[str, Any] = min(results, key=lambda result: result["seconds"])
    return best


def _line(label: str, count: int, seconds: float, extra: str = "") -> None:
    print(f"  {label:<44} {seconds:6.2f} s  {count / seconds:>10,.0f} records/s{extra}")


def bench_generation(count: int, start_methods: list[str]) -> None:
    print(f"generation of {count:,} records (seed {SEED}), each in a fresh process:")
    best: dict[tuple[str, int, str], float] = {}
    for kind, what in (("encoded", "JSON bytes"), ("dicts", "dicts"), ("tables", "Arrow tables")):
        for workers in (1, 2):
            methods = start_methods if workers > 1 else ["-"]
            for method in methods:
                result = _child([kind, str(count), str(workers), method])
                label = f"{what}, {workers} worker{'s' if workers > 1 else ''}"
                if workers > 1 and len(start_methods) > 1:
                    label += f" ({method})"
                best[(kind, workers, method)] = result["seconds"]
                per = f", {result['bytes'] / count:.0f} B/record" if result["bytes"] else ""
                _line(label, count, result["seconds"], f"  peak {result['peak_mib']:.0f} MiB{per}")
    two = best[("encoded", 2, start_methods[0])]
    scaled = two * TARGET_COUNT / count
    verdict = "ok" if scaled <= TARGET_SECONDS else "OVER the target"
    speedup = best[("encoded", 1, "-")] / two
    print(
        f"  target: {TARGET_COUNT:,} generated in <= {TARGET_SECONDS:.0f} s with 2 workers: "
        f"{scaled:.2f} s ({verdict}); 2 workers are {speedup:.2f}x one process"
    )


def bench_per_record(count: int) -> None:
    """The generator's own cost per record, in this process, as a worker makes a block."""
    from fixtures.generator import _block_json, data_set
    from fixtures.pools import pools_for

    began = time.perf_counter()
    pools_for(SEED)
    print(f"pools for seed {SEED}: {(time.perf_counter() - began) * 1000:.0f} ms (once per seed and process)")
    blocks = data_set(SEED, "per-record")
    _block_json(blocks, 0)  # caches (hashed plans, feature ids) warm, as in a long run
    for label, make in (
        ("records (dicts, dropped as made)", lambda block: sum(map(len, blocks.sessions(block)))),
        ("records + JSON (a worker's block)", lambda block: _block_json(blocks, block)[0]),
    ):
        gc.collect()
        made = 0
        block = 1
        began = time.perf_counter()
        while made < count:
            made += make(block)
            block += 1
        seconds = time.perf_counter() - began
        print(f"per record, one process, {label}: {seconds / made * 1e6:.2f} µs ({made / seconds:,.0f} records/s)")


def _cli() -> list[str]:
    command = shutil.which("fixtures")
    return [command] if command else [sys.executable, "-m", "fixtures"]


def _timed(args: list[str]) -> tuple[float, float]:
    """Run ``args`` under a small wrapper process; (seconds, peak RSS in MiB of ``args``, its workers apart)."""
    script = (
        "import resource, subprocess, sys, time; "
        "began = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(time.perf_counter() - began, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    runs = []
    for _ in range(REPEAT):
        done = subprocess.run([sys.executable, "-c", script, *args], check=True, capture_output=True, text=True)
        seconds, peak = done.stdout.split()
        runs.append((float(seconds), int(peak) / 1024))
    return min(runs)


def bench_cli(count: int) -> None:
    """The console script as a user runs it (start-up included): to /dev/null and to files."""
    print(f"fixtures generate --count {count:,} (the console script, start-up included):")
    with tempfile.TemporaryDirectory() as directory:
        for fmt, output in (("jsonl", os.devnull), ("jsonl", "demo.jsonl"), ("parquet", "demo.parquet")):
            for workers in (1, 2):
                target = output if output == os.devnull else str(Path(directory) / output)
                args = [*_cli(), "generate", "--count", str(count), "--seed", str(SEED), "--format", fmt]
                seconds, peak = _timed([*args, "--workers", str(workers), "--output", target])
                size = "" if target == os.devnull else f", {Path(target).stat().st_size / 2**20:,.0f} MiB"
                label = f"--format {fmt} --workers {workers} -o {output}"
                _line(label, count, seconds, f"  peak {peak:.0f} MiB{size}")
        for name in ("demo.jsonl", "demo.parquet"):
            script = (
                "import sys, time; from fixtures import read_records; began = time.perf_counter(); "
                "n = sum(1 for _ in read_records(sys.argv[1])); print(n, time.perf_counter() - began)"
            )
            done = subprocess.run(
                [sys.executable, "-c", script, str(Path(directory) / name)], check=True, capture_output=True, text=True
            )
            made, seconds = done.stdout.split()
            _line(f"read_records({name}) back to dicts", int(made), float(seconds))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        kind, count, workers, method = sys.argv[2:6]
        print(json.dumps(measure(kind, int(count), int(workers), None if method == "-" else method)))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=TARGET_COUNT, help="records generated each way")
    parser.add_argument("--per-record", type=int, default=200_000, help="records for the per-record figure (0: skip)")
    parser.add_argument("--skip-cli", action="store_true", help="only the library figures")
    parser.add_argument("--start-methods", action="store_true", help="also fork and spawn for the worker runs")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement, the fastest counts")
    args = parser.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)
    if args.per_record:
        bench_per_record(args.per_record)
    import fixtures.workers

    methods = [fixtures.workers.START_METHOD]
    if args.start_methods:
        methods += [m for m in ("fork", "spawn", "forkserver") if m not in methods]
    bench_generation(args.count, methods)
    if not args.skip_cli:
        bench_cli(args.count)


if __name__ == "__main__":
    main()
