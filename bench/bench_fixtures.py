"""How fast fixtures makes records, and how little memory a million of them take on their way to disk.

    python bench/bench_fixtures.py                 # 200k in memory, then 1M to disk via the CLI
    python bench/bench_fixtures.py --count 100000 --disk-count 200000

Not a unit test (timings depend on the machine); the numbers go in reports, the target is
50,000 records/s on one core and a peak RSS that does not grow with the count.
"""

from __future__ import annotations

import argparse
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


def _cli() -> list[str]:
    command = shutil.which("fixtures")
    return [command] if command else [sys.executable, "-m", "fixtures"]


def _measured(args: list[str]) -> tuple[float, int]:
    """Run ``args`` under a small wrapper process; (seconds, peak RSS in KiB of ``args`` alone).

    RUSAGE_CHILDREN keeps the largest child ever waited for, so each measured run gets a
    wrapper of its own and earlier runs cannot leak into its figure.
    """
    script = (
        "import resource, subprocess, sys, time; "
        "began = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(time.perf_counter() - began, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run([sys.executable, "-c", script, *args], check=True, capture_output=True, text=True)
    seconds, peak = done.stdout.split()
    return float(seconds), int(peak)


def bench_to_disk(count: int, seed: int, fmt: str) -> None:
    """The console script in a child process, as a user runs it, for 1,000 records and for ``count``."""
    base = [*_cli(), "generate", "--seed", str(seed), "--format", fmt]
    _, baseline = _measured([*base, "--count", "1000", "--output", "-"])
    print(f"peak RSS, 1,000 records:  {_mib(baseline):.0f} MiB (start-up, pools, one write chunk)")
    with tempfile.TemporaryDirectory() as directory:
        target = Path(directory) / f"bench.{fmt}"
        seconds, peak = _measured([*base, "--count", str(count), "--output", str(target)])
        size = target.stat().st_size
    print(f"to disk (CLI):      {count:,} records, {size / 2**20:,.0f} MiB of {fmt} in {seconds:.1f} s = "
          f"{count / seconds:,.0f} records/s (including start-up)")  # fmt: skip
    print(f"peak RSS, {count:,} records: {_mib(peak):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200_000, help="records generated in memory")
    parser.add_argument("--disk-count", type=int, default=1_000_000, help="records streamed to disk (0: skip)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("jsonl", "json"), default="jsonl")
    args = parser.parse_args()
    bench_generate(args.count, args.seed)
    if args.disk_count:
        bench_to_disk(args.disk_count, args.seed, args.format)


if __name__ == "__main__":
    main()
