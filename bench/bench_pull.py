"""How fast ``fixtures pull`` takes a namespace out of a running mock, as a user runs it.

    python bench/bench_pull.py                       # 100,000 records, best of 3 runs
    python bench/bench_pull.py --count 20000 --repeat 1

Starts ``mockserver --count N`` on a free port (the namespace is seeded by the first list, before
any timing), then runs the ``fixtures pull`` console script into a fresh file, several times, and
prints records/s of the best run beside the target (issue 16: at least 20,000 records/s) and the
ratio. A run is the whole command: the process starting, every page (1,000 records, the largest
the contract allows, over one kept-alive connection) and writing the file. The Parquet row
converts the pulled JSON Lines at the end; it has no target. Not a unit test: the machines are
shared, so figures go in reports.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_load import NAMESPACE, start_mock

TARGET_RECORDS_PER_S = 20_000


def pull_seconds(url: str, output: Path) -> float:
    """One ``fixtures pull`` of the whole namespace into ``output``: its wall-clock seconds."""
    command = [shutil.which("fixtures") or "fixtures", "pull", "--base-url", url, "--api-key", "bench"]
    command += ["--namespace", NAMESPACE, "--output", str(output)]
    began = time.perf_counter()
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=600)
    return time.perf_counter() - began


def best_of(url: str, directory: Path, name: str, repeat: int, count: int) -> float:
    seconds = []
    for run in range(repeat):
        output = directory / f"{run}-{name}"
        seconds.append(pull_seconds(url, output))
        pulled = sum(1 for _ in output.open("rb")) if name.endswith(".jsonl") else count
        if pulled != count:
            raise SystemExit(f"pulled {pulled} records of {count}")
        output.unlink()
    return min(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000, help="records in the namespace")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest counts")
    args = parser.parse_args()
    process, url, startup_s, _ = start_mock(args.count)
    try:
        print(f"mockserver --count {args.count:,} on {url}: seeded in {startup_s:.1f} s", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="bench-pull-") as directory:
            jsonl = best_of(url, Path(directory), "pulled.jsonl", args.repeat, args.count)
            parquet = best_of(url, Path(directory), "pulled.parquet", args.repeat, args.count)
    finally:
        process.terminate()
        process.wait(timeout=30)
    rate = args.count / jsonl
    print(f"| figure ({args.count:,} records, best of {args.repeat}) | measured | target | ratio |")
    print("| --- | ---: | ---: | ---: |")
    print(
        f"| fixtures pull to JSON Lines | {rate:,.0f} records/s ({jsonl:.2f} s) | {TARGET_RECORDS_PER_S:,} records/s "
        f"| {rate / TARGET_RECORDS_PER_S:.2f} |"
    )
    print(f"| fixtures pull to Parquet | {args.count / parquet:,.0f} records/s ({parquet:.2f} s) | - | - |")


if __name__ == "__main__":
    main()
