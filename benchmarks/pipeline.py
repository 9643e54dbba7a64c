"""How long the demo pipeline takes on the local target: seconds per phase and per step, peak memory.

Runs ``cdpo demo`` (the synthetic retailer, every phase this version implements) in a temporary
directory, then reads ``pipeline_state.json``: the step timings are the orchestrator's own records.
Peak memory is the maximum resident set of this process and of its largest child (the workflow
worker processes), from ``getrusage``. The goal (issue 4): all four phases under 60 s on 2 cores.

    .venv/bin/python benchmarks/pipeline.py --size medium
    .venv/bin/python benchmarks/pipeline.py --size medium --compression light
    .venv/bin/python benchmarks/pipeline.py --size small --people 200 --json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from cdpo.orchestrator import load_state, run_demo
from cdpo.orchestrator.state import STEPS

GOAL_SECONDS = 60.0


def _compressed(compression: str) -> Any:
    """``run_demo``'s ``on_ready``: set ``local.compression`` in the demo's pipeline.yml."""

    def on_ready(project: Any) -> None:
        path = Path(project.pipeline)
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        document.setdefault("local", {})["compression"] = compression
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    return on_ready


def measure(
    size: str, people: int | None, keep: Path | None, compression: str = "auto"
) -> dict[str, Any]:
    root = keep or Path(tempfile.mkdtemp(prefix="cdpo-bench-"))
    started = time.perf_counter()
    cpu = time.process_time()
    on_ready = None if compression == "auto" else _compressed(compression)  # default: untouched
    done = run_demo(root, size=size, people=people, yes=True, on_ready=on_ready)
    wall = time.perf_counter() - started
    state = load_state(done.project.root)
    assert state is not None
    phases = {
        name.value: {
            "status": phase.status.value,
            "seconds": phase.duration_seconds,
            "steps": {s.value: phase.steps[s].duration_seconds for s in STEPS},
            "rows": phase.rows,
        }
        for name, phase in state.phases.items()
    }
    result = {
        "size": size,
        "people": done.project.dataset.people,
        "compression": compression,
        "warehouse_mib": round(
            (done.project.root / ".cdpo" / "warehouse.duckdb").stat().st_size / 2**20
        ),
        "status": state.status.value,
        "wall_seconds": round(wall, 2),
        "pipeline_seconds": round(sum(p["seconds"] for p in phases.values()), 2),
        "cpu_seconds_self": round(time.process_time() - cpu, 2),
        "peak_rss_mib_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "peak_rss_mib_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
        "load_average": os.getloadavg()[0],
        "phases": phases,
        "error": state.error,
    }
    if keep is None:
        shutil.rmtree(root, ignore_errors=True)
    return result


def print_table(result: dict[str, Any]) -> None:
    steps = [s.value for s in STEPS]
    print(
        f"demo size={result['size']} people={result['people']}: {result['status']}, "
        f"wall {result['wall_seconds']} s (goal: four phases < {GOAL_SECONDS:.0f} s), "
        f"load average {result['load_average']:.2f}"
    )
    print(f"{'phase':<12} {'status':<10} {'total s':>8} " + " ".join(f"{s:>9}" for s in steps))
    for name, phase in result["phases"].items():
        cells = " ".join(f"{phase['steps'][s]:>9.2f}" for s in steps)
        print(f"{name:<12} {phase['status']:<10} {phase['seconds']:>8.2f} {cells}")
    print(
        f"peak RSS: {result['peak_rss_mib_self']} MiB (cdpo), "
        f"{result['peak_rss_mib_children']} MiB (largest worker); "
        f"warehouse {result['warehouse_mib']} MiB (compression {result['compression']})"
    )
    if result["error"]:
        print(f"stopped: {result['error']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", help="small, medium or large")
    parser.add_argument("--people", type=int, default=None, help="override the size's people")
    parser.add_argument("--keep", type=Path, default=None, help="run in this directory, keep it")
    parser.add_argument(
        "--compression", default="auto", choices=("auto", "light"), help="local.compression"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    result = measure(args.size, args.people, args.keep, args.compression)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0 if result["status"] == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
