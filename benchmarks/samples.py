"""How fast ``generate_dataset`` writes the demo data set, per size.

Prints, per size: people, rows written (historical + incremental), truth records, bytes on disk,
wall seconds, CPU seconds (all threads, DuckDB's included) and rows per wall second. The machine's
load average is printed too: on a shared machine, wall time says more about the neighbours than
about the generator, and CPU time is the fairer number.

    .venv/bin/python benchmarks/samples.py --size medium
    .venv/bin/python benchmarks/samples.py --size small --size medium --json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from cdpo.samples import SIZES, generate_dataset


def measure(size: str, people: int | None, seed: int, root: Path) -> dict[str, object]:
    """Generate one data set under ``root`` and return its measurements."""
    out = root / size
    wall, cpu = time.perf_counter(), time.process_time()
    dataset = generate_dataset(out, size=size, people=people, seed=seed)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows = sum(e.hist_rows + e.inc_rows for e in dataset.extracts)
    size_bytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "size": size,
        "people": dataset.people,
        "rows": rows,
        "truth_records": dataset.truth_rows,
        "megabytes": round(size_bytes / 1e6, 1),
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "rows_per_second": round(rows / wall),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", choices=sorted(SIZES), help="repeatable")
    parser.add_argument("--people", type=int, help="override the people of every size")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, help="write here and keep the files")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="cdpo-samples-"))
    try:
        results = [measure(s, args.people, args.seed, root) for s in args.size or ["small"]]
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"cpus": os.cpu_count(), "load": load, "results": results}, indent=2))
        return 0
    print(f"{os.cpu_count()} CPUs, load average {load:.1f}")
    header = list(results[0])
    print("  ".join(f"{h:>15}" for h in header))
    for result in results:
        print("  ".join(f"{result[h]!s:>15}" for h in header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
