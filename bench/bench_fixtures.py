"""How fast fixtures makes records, and how little memory a million of them take on their way to disk.

    python bench/bench_fixtures.py                 # 200k in memory, then 1M to disk via the CLI
    python bench/bench_fixtures.py --count 100000 --disk-count 200000

Not a unit test (timings depend on the machine); the numbers go in reports, the target is
50,000 records/s on one core and a peak RSS that does not grow with the count.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from fixtures import generate_interactions
from fixtures.pools import pools_for

TARGET_PER_SECOND = 50_000


def _mib(kib: int) -> float:
    return kib / 1024  # ru_maxrss is KiB on Linux


def bench_generate(count: int, seed: int) -> None:
    began = time.perf_counter()
    pools_for(seed)
    pools = time.perf_counter() - began
    began = time.perf_counter()
    made = sum(1 for _ in generate_interactions(count, seed, "bench"))
    seconds = time.perf_counter() - began
    rate = made / seconds
    verdict = "ok" if rate >= TARGET_PER_SECOND else f"BELOW the {TARGET_PER_SECOND:,}/s target"
    print(f"pools for seed {seed}: {pools * 1000:.0f} ms (once per seed and process)")
    print(f"generate:           {made:,} records in {seconds:.2f} s = {rate:,.0f} records/s ({verdict})")
    began = time.perf_counter()
    size = sum(len(orjson.dumps(r)) + 1 for r in generate_interactions(count, seed, "bench"))
    seconds = time.perf_counter() - began
    print(f"generate + JSON:    {count / seconds:,.0f} records/s, {size / count:.0f} bytes per record")


def bench_to_disk(count: int, seed: int, fmt: str) -> None:
    """The console script in a child process, so its peak RSS is measured alone."""
    command = shutil.which("fixtures")
    prefix = [command] if command else [sys.executable, "-m", "fixtures"]
    with tempfile.TemporaryDirectory() as directory:
        target = Path(directory) / f"bench.{fmt}"
        args = [
            *prefix,
            "generate",
            "--count",
            str(count),
            "--seed",
            str(seed),
            "--format",
            fmt,
            "--output",
            str(target),
        ]
        began = time.perf_counter()
        subprocess.run(args, check=True)
        seconds = time.perf_counter() - began
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        size = target.stat().st_size
    print(f"to disk (CLI):      {count:,} records, {size / 2**20:,.0f} MiB of {fmt} in {seconds:.1f} s = "
          f"{count / seconds:,.0f} records/s (including start-up)")  # fmt: skip
    print(f"peak RSS of that process: {_mib(peak):.0f} MiB")


def bench_small_disk_baseline(seed: int, fmt: str) -> None:
    """The same command for 1,000 records: the memory a run costs before any records."""
    command = shutil.which("fixtures")
    prefix = [command] if command else [sys.executable, "-m", "fixtures"]
    script = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    args = [*prefix, "generate", "--count", "1000", "--seed", str(seed), "--format", fmt, "--output", os.devnull]
    done = subprocess.run([sys.executable, "-c", script, *args], check=True, capture_output=True, text=True)
    print(f"peak RSS for 1,000 records (baseline): {_mib(int(done.stdout)):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200_000, help="records generated in memory")
    parser.add_argument("--disk-count", type=int, default=1_000_000, help="records streamed to disk (0: skip)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("jsonl", "json"), default="jsonl")
    args = parser.parse_args()
    bench_generate(args.count, args.seed)
    if args.disk_count:
        bench_small_disk_baseline(args.seed, args.format)
        bench_to_disk(args.disk_count, args.seed, args.format)


if __name__ == "__main__":
    main()
